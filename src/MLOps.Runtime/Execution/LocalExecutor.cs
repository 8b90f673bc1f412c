using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MLOps.Runtime.Execution;

/// <summary>
/// Runs nodes as local processes: <c>/bin/sh -c COMMAND</c> in a new session (so the node and every
/// process it starts form one group that cancel and timeouts end together), stdout and stderr to
/// the node's log files. Handles carry the pid and the process start time, so a restarted mlpc
/// tells its own orphans from an unrelated process that reused the pid.
/// </summary>
public sealed partial class LocalExecutor : IExecutor
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    private readonly ConcurrentDictionary<string, Running> running = new();

    public string Kind => "local";

    /// <summary>How long a process group gets between SIGTERM and SIGKILL.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(2);

    public Task<ExecutionHandle> SubmitAsync(ResolvedNode node, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(node.WorkDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(node.StdoutPath))!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(node.StderrPath))!);
        var psi = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = node.WorkDir,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(node.Command);
        foreach (var (key, value) in node.Env)
        {
            psi.Environment[key] = value;
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start /bin/sh for " + node.NodeInstanceId);
        process.StandardInput.Close();
        var stdout = CopyAsync(process.StandardOutput.BaseStream, node.StdoutPath);
        var stderr = CopyAsync(process.StandardError.BaseStream, node.StderrPath);
        var id = process.Id.ToString(CultureInfo.InvariantCulture) + ":" + (StartTime(process.Id) ?? "0");
        var handle = new ExecutionHandle(Kind, id, node.NodeInstanceId, node.StdoutPath, node.StderrPath);
        running[id] = new Running(process, Task.WhenAll(stdout, stderr));
        return Task.FromResult(handle);
    }

    public async Task<IReadOnlyList<ExecutionStatus>> GetStatusesAsync(IReadOnlyList<ExecutionHandle> handles, CancellationToken cancellationToken)
    {
        var result = new List<ExecutionStatus>(handles.Count);
        foreach (var handle in handles)
        {
            result.Add(await GetStatusAsync(handle).ConfigureAwait(false));
        }

        return result;
    }

    private async Task<ExecutionStatus> GetStatusAsync(ExecutionHandle handle)
    {
        if (!running.TryGetValue(handle.Id, out var run))
        {
            // Not started by this process: an orphan of an earlier mlpc, or gone.
            return IsOurs(handle.Id)
                ? new ExecutionStatus(ExecutionState.Running, null, "started by an earlier mlpc; still running")
                : new ExecutionStatus(ExecutionState.Lost, null, "the process is gone and its exit code is unknown (it was started by an earlier mlpc)");
        }

        if (!run.Process.HasExited)
        {
            return new ExecutionStatus(ExecutionState.Running);
        }

        await run.Logs.ConfigureAwait(false);
        if (run.Cancelled)
        {
            return new ExecutionStatus(ExecutionState.Cancelled, null, "cancelled");
        }

        var code = run.Process.ExitCode;
        return code == 0
            ? new ExecutionStatus(ExecutionState.Succeeded, 0)
            : code > 128 && code < 160
                ? new ExecutionStatus(ExecutionState.Failed, code, $"killed by signal {code - 128}")
                : new ExecutionStatus(ExecutionState.Failed, code, $"exited with code {code}");
    }

    public async Task CancelAsync(ExecutionHandle handle, CancellationToken cancellationToken)
    {
        var pid = Pid(handle.Id);
        if (running.TryGetValue(handle.Id, out var run))
        {
            run.Cancelled = true;
            if (run.Process.HasExited)
            {
                KillGroup(pid, SigKill); // children may outlive the shell
                return;
            }
        }
        else if (!IsOurs(handle.Id))
        {
            return;
        }

        KillGroup(pid, SigTerm);
        var deadline = DateTime.UtcNow + KillGrace;
        while (DateTime.UtcNow < deadline && GroupAlive(pid))
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        KillGroup(pid, SigKill);
        if (run is not null)
        {
            await run.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async IAsyncEnumerable<string> ReadLogAsync(ExecutionHandle handle, LogStream stream, long offset, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = stream == LogStream.Stdout ? handle.StdoutPath : handle.StderrPath;
        while (true)
        {
            var ended = !running.TryGetValue(handle.Id, out var run) || run.Process.HasExited;
            if (ended && run is not null)
            {
                await run.Logs.ConfigureAwait(false);
            }

            if (File.Exists(path))
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                if (file.Length > offset)
                {
                    file.Seek(offset, SeekOrigin.Begin);
                    var buffer = new byte[file.Length - offset];
                    var read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    offset += read;
                    yield return Encoding.UTF8.GetString(buffer, 0, read);
                }
            }

            if (!follow || ended)
            {
                yield break;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (id, run) in running)
        {
            if (!run.Process.HasExited)
            {
                await CancelAsync(new ExecutionHandle(Kind, id, "", "", ""), CancellationToken.None).ConfigureAwait(false);
            }

            run.Process.Dispose();
        }

        running.Clear();
    }

    private static async Task CopyAsync(Stream source, string path)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        var buffer = new byte[16 * 1024];
        int n;
        while ((n = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            await file.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
            await file.FlushAsync().ConfigureAwait(false);
        }
    }

    private static int Pid(string id) => int.Parse(id.AsSpan(0, id.IndexOf(':')), CultureInfo.InvariantCulture);

    /// <summary>The pid is alive and started when the handle says: the same process, not a reused pid.</summary>
    private static bool IsOurs(string id) => StartTime(Pid(id)) is { } start && id.EndsWith(":" + start, StringComparison.Ordinal);

    /// <summary>Field 22 of /proc/PID/stat: the start time in clock ticks since boot.</summary>
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool GroupAlive(int pgid) => kill(-pgid, 0) == 0;

    private static void KillGroup(int pgid, int signal)
    {
        _ = kill(-pgid, signal);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    private sealed class Running(Process process, Task logs)
    {
        public Process Process { get; } = process;

        public Task Logs { get; } = logs;

        public bool Cancelled { get; set; }
    }
}
