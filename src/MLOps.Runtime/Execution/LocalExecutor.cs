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
        var attemptDir = AttemptDirectory(node.StdoutPath);
        Directory.CreateDirectory(attemptDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(node.StderrPath))!);
        File.Delete(Path.Combine(attemptDir, ExitCodeFile));
        var psi = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = node.WorkDir,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Wrapper);
        psi.ArgumentList.Add(node.Command);
        psi.ArgumentList.Add(Path.GetFullPath(node.StdoutPath));
        psi.ArgumentList.Add(Path.GetFullPath(node.StderrPath));
        psi.ArgumentList.Add(Path.Combine(attemptDir, ExitCodeFile));
        foreach (var (key, value) in node.Env)
        {
            psi.Environment[key] = value;
        }

        psi.Environment[SubmissionMarker] = Path.GetFullPath(node.StdoutPath);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start /bin/sh for " + node.NodeInstanceId);
        // Written at once and atomically (a reader sees the whole pid or no file): the window in
        // which a killed mlpc leaves a running step that nothing records is the time of one write.
        var pidTemp = Path.Combine(attemptDir, PidFile + ".tmp");
        File.WriteAllText(pidTemp, process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(pidTemp, Path.Combine(attemptDir, PidFile), overwrite: true);
        var id = process.Id.ToString(CultureInfo.InvariantCulture) + ":" + (StartTime(process.Id) ?? "0");
        var handle = new ExecutionHandle(Kind, id, node.NodeInstanceId, node.StdoutPath, node.StderrPath);
        running[id] = new Running(process, process.WaitForExitAsync(CancellationToken.None));
        return Task.FromResult(handle);
    }

    /// <summary>
    /// The shell that runs a command: it sends output straight to the log files (so the step
    /// outlives a killed mlpc instead of dying on a broken pipe) and leaves the exit code in a
    /// file (so a restarted mlpc learns how an orphan ended). <c>eval</c> runs the command in
    /// this shell: no second process per step.
    /// </summary>
    private const string Wrapper =
        "__mlp_exit=$3; exec </dev/null >>\"$1\" 2>>\"$2\"; set --; " +
        "trap 'printf \"%s\" $? > \"$__mlp_exit\"' EXIT; eval \"$0\"";

    private const string ExitCodeFile = "exit_code";
    private const string PidFile = "pid";
    private const string SubmissionMarker = "MLP_SUBMISSION";

    /// <summary>The folder of an attempt: where its logs, pid and exit code live.</summary>
    private static string AttemptDirectory(string stdoutPath) => Path.GetDirectoryName(Path.GetFullPath(stdoutPath))!;

    public async Task<IReadOnlyList<ExecutionStatus>> GetStatusesAsync(IReadOnlyList<ExecutionHandle> handles, CancellationToken cancellationToken)
    {
        var result = new List<ExecutionStatus>(handles.Count);
        foreach (var handle in handles)
        {
            result.Add(await GetStatusAsync(handle).ConfigureAwait(false));
        }

        return result;
    }

    public Task WaitForChangeAsync(IReadOnlyList<ExecutionHandle> handles, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        var exits = new List<Task>(handles.Count + 1);
        foreach (var handle in handles)
        {
            if (running.TryGetValue(handle.Id, out var run))
            {
                if (run.Exited.IsCompleted)
                {
                    return Task.CompletedTask;
                }

                exits.Add(run.Exited);
            }
        }

        exits.Add(Task.Delay(pollInterval, cancellationToken));
        return Task.WhenAny(exits);
    }

    public Task<ExecutionHandle?> FindSubmissionAsync(ResolvedNode node, CancellationToken cancellationToken)
    {
        var pidPath = Path.Combine(AttemptDirectory(node.StdoutPath), PidFile);
        if (!File.Exists(pidPath) || !int.TryParse(File.ReadAllText(pidPath).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            return Task.FromResult<ExecutionHandle?>(null);
        }

        // A live pid is ours only if it carries our marker: the pid may have been reused.
        var start = StartTime(pid);
        var alive = start is not null && ReadsMarker(pid, Path.GetFullPath(node.StdoutPath));
        var id = pid.ToString(CultureInfo.InvariantCulture) + ":" + (alive ? start : "0");
        return Task.FromResult<ExecutionHandle?>(new ExecutionHandle(Kind, id, node.NodeInstanceId, node.StdoutPath, node.StderrPath));
    }

    private static bool ReadsMarker(int pid, string stdoutPath)
    {
        try
        {
            var environ = File.ReadAllText($"/proc/{pid}/environ");
            return environ.Split('\0').Contains(SubmissionMarker + "=" + stdoutPath);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private Task<ExecutionStatus> GetStatusAsync(ExecutionHandle handle)
    {
        if (!running.TryGetValue(handle.Id, out var run))
        {
            // Not started by this process: an orphan of an earlier mlpc, or gone.
            if (IsOurs(handle.Id))
            {
                return Task.FromResult(new ExecutionStatus(ExecutionState.Running, null, "started by an earlier mlpc; still running"));
            }

            var exitPath = Path.Combine(AttemptDirectory(handle.StdoutPath), ExitCodeFile);
            return Task.FromResult(File.Exists(exitPath) && int.TryParse(File.ReadAllText(exitPath).Trim(), CultureInfo.InvariantCulture, out var recorded)
                ? FromExitCode(recorded)
                : new ExecutionStatus(ExecutionState.Lost, null, "the process is gone and left no exit code (it was started by an earlier mlpc and was killed)"));
        }

        if (!run.Process.HasExited)
        {
            return Task.FromResult(new ExecutionStatus(ExecutionState.Running));
        }

        return Task.FromResult(run.Cancelled
            ? new ExecutionStatus(ExecutionState.Cancelled, null, "cancelled")
            : FromExitCode(run.Process.ExitCode));
    }

    private static ExecutionStatus FromExitCode(int code) => code == 0
        ? new ExecutionStatus(ExecutionState.Succeeded, 0)
        : code > 128 && code < 160
            ? new ExecutionStatus(ExecutionState.Failed, code, $"killed by signal {code - 128}")
            : new ExecutionStatus(ExecutionState.Failed, code, $"exited with code {code}");

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
            var ended = running.TryGetValue(handle.Id, out var run) ? run.Process.HasExited : !IsOurs(handle.Id);

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

    private static bool GroupAlive(int pgid) => kill(-pgid, 0) == 0 || kill(pgid, 0) == 0;

    private static void KillGroup(int pgid, int signal)
    {
        _ = kill(-pgid, signal);

        // Right after the start the child may not have called setsid yet, so there is no group
        // to signal: the process itself is signalled too.
        _ = kill(pgid, signal);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    private sealed class Running(Process process, Task exited)
    {
        public Process Process { get; } = process;

        public Task Exited { get; } = exited;

        public bool Cancelled { get; set; }
    }
}
