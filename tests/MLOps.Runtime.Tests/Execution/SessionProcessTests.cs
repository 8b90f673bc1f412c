using System.Globalization;
using MLOps.Runtime.Execution;

namespace MLOps.Runtime.Tests.Execution;

/// <summary>posix_spawn in a new session and waitpid: what the local executor relies on.</summary>
public sealed class SessionProcessTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("mlpc-spawn-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static int Sh(string script, IReadOnlyList<string>? environment = null) =>
        SessionProcess.Start("/bin/sh", ["/bin/sh", "-c", script], environment ?? InheritedEnvironment.Capture().With([]));

    [Theory]
    [InlineData("exit 0", 0)]
    [InlineData("exit 3", 3)]
    [InlineData("exit 255", 255)]
    [InlineData("kill -TERM $$", 128 + 15)]
    [InlineData("kill -KILL $$", 128 + 9)]
    public void The_exit_code_is_the_shells_or_128_plus_the_signal(string script, int expected) =>
        Assert.Equal(expected, SessionProcess.WaitForExit(Sh(script)));

    [Fact]
    public void The_child_leads_its_own_session_and_process_group()
    {
        var file = Path.Combine(dir, "stat");
        var pid = Sh($"cat /proc/$$/stat > {file}");
        Assert.Equal(0, SessionProcess.WaitForExit(pid));
        var fields = File.ReadAllText(file);
        fields = fields[(fields.LastIndexOf(')') + 2)..];
        var parts = fields.Split(' ');
        Assert.Equal(pid.ToString(CultureInfo.InvariantCulture), parts[2]); // process group
        Assert.Equal(pid.ToString(CultureInfo.InvariantCulture), parts[3]); // session
    }

    [Fact]
    public void The_child_has_no_standard_signal_ignored_or_blocked_even_though_dotnet_ignores_SIGPIPE()
    {
        var file = Path.Combine(dir, "status");
        // Read by grep execed in the shell's place (ignored and blocked signals survive exec): the
        // shell itself blocks signals for a moment while it forks, so reading its status from a
        // child could catch that moment.
        Assert.Equal(0, SessionProcess.WaitForExit(Sh($"exec grep -E '^Sig(Ign|Blk)' /proc/self/status > {file}")));
        foreach (var line in File.ReadAllLines(file))
        {
            // Signals 1-31 (bit n-1 for signal n); 32 and up are the C library's own.
            var mask = ulong.Parse(line.Split('\t')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.True((mask & 0x7fffffff) == 0, line);
        }
    }

    [Fact]
    public void The_environment_given_is_the_childs_whole_environment()
    {
        var file = Path.Combine(dir, "env");
        var environment = InheritedEnvironment.Capture().With([new("MLP_SPAWN_TEST", "a b=c")]);
        Assert.Equal(0, SessionProcess.WaitForExit(Sh($"printf '%s' \"$MLP_SPAWN_TEST\" > {file}", environment)));
        Assert.Equal("a b=c", File.ReadAllText(file));
        Assert.Equal(0, SessionProcess.WaitForExit(Sh($"env > {file}", ["ONLY=1", "PATH=/usr/bin:/bin"])));
        Assert.Contains("ONLY=1", File.ReadAllLines(file));
        Assert.DoesNotContain(File.ReadAllLines(file), l => l.StartsWith("MLP_SPAWN_TEST=", StringComparison.Ordinal));
    }

    [Fact]
    public void Waiting_for_a_process_that_is_not_a_child_gives_no_status()
    {
        var pid = Sh("exit 0");
        Assert.Equal(0, SessionProcess.WaitForExit(pid));
        Assert.Null(SessionProcess.WaitForExit(pid)); // reaped already
        Assert.Null(SessionProcess.WaitForExit(1));
    }

    [Fact]
    public void A_missing_program_is_an_error_that_names_it() =>
        Assert.Contains("/nonexistent/sh", Assert.Throws<IOException>(() => SessionProcess.Start("/nonexistent/sh", ["sh"], [])).Message);
}
