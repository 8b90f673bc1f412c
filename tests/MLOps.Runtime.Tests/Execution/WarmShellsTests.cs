using System.Text;
using MLOps.Runtime.Execution;

namespace MLOps.Runtime.Tests.Execution;

/// <summary>Shells started ahead of the steps they run: what the local executor relies on for crash safety.</summary>
public sealed class WarmShellsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mlpc-warm-").FullName;
    private readonly ExitWaiters exits = new();

    public void Dispose()
    {
        exits.Dispose();
        Directory.Delete(dir, recursive: true);
    }

    private static async Task<int?> EndedAsync(Task<int?> exited) => await exited.WaitAsync(TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_shell_runs_the_one_script_it_is_given_with_its_token_in_the_environment()
    {
        using var shells = new WarmShells(InheritedEnvironment.Capture(), exits);
        var shell = shells.Take();
        var file = Path.Combine(dir, "out");
        shell.Run($"{{ printf '%s %s' $$ \"${WarmShells.TokenVariable}\" > '{file}'; exit 3; }}\n");
        Assert.Equal(3, await EndedAsync(shell.Exited));
        Assert.Equal($"{shell.Pid} {shell.Token}", File.ReadAllText(file));
    }

    [Fact]
    public async Task Shells_waiting_for_a_script_end_with_their_executor_having_run_nothing()
    {
        var shells = new WarmShells(InheritedEnvironment.Capture(), exits);
        var taken = shells.Take();
        int[] idle = [];
        for (var i = 0; i < 1200 && idle.Length == 0; i++)
        {
            idle = [.. shells.ReadyPids];
            await Task.Delay(25);
        }

        Assert.Single(idle);
        Assert.True(Directory.Exists($"/proc/{idle[0]}"), "the shell started ahead is not running");
        shells.Dispose();
        taken.Dispose();
        Assert.Equal(0, await EndedAsync(taken.Exited));
        for (var i = 0; i < 1200 && IsRunning(idle[0]); i++)
        {
            await Task.Delay(25);
        }

        Assert.False(IsRunning(idle[0]), "the shell started ahead outlived its executor");
    }

    [Fact]
    public async Task A_script_cut_short_by_a_killed_mlpc_runs_none_of_its_commands()
    {
        // mlpc killed halfway through handing over a script: the shell reads an unclosed group.
        var file = Path.Combine(dir, "ran");
        var (read, write) = SessionProcess.CreatePipe();
        int pid;
        using (read)
        {
            pid = SessionProcess.Start("/bin/sh", ["/bin/sh", "-s"], InheritedEnvironment.Capture().With([]), read);
        }

        var exited = exits.WhenExited(pid);
        using (var pipe = new FileStream(write, FileAccess.Write, bufferSize: 0))
        {
            pipe.Write(Encoding.UTF8.GetBytes($"{{ : > '{file}'; echo started; "));
        }

        Assert.NotEqual(0, await EndedAsync(exited));
        Assert.False(File.Exists(file), "a command of the unfinished script ran");
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
