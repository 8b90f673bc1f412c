using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using MLOps.Runtime.Values;

namespace MLOps.Runtime.Execution;

/// <summary>
/// Runs nodes as local processes: each in a shell of its own in a new session (so the node and every
/// process it starts form one group that cancel and timeouts end together; see
/// <see cref="SessionProcess"/>), started ahead of need (<see cref="WarmShells"/>), stdout and stderr
/// to the node's log files. Handles carry the pid
/// and the process start time, so a restarted mlpc tells its own orphans from an unrelated process
/// that reused the pid.
/// </summary>
public sealed partial class LocalExecutor : IExecutor
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    private readonly ConcurrentDictionary<string, Running> running = new();
    private readonly ExitWaiters exits = new();

    /// <summary>Steps run in shells started ahead, with the environment mlpc had when this executor was made and their own variables on top.</summary>
    private readonly WarmShells shells;

    public LocalExecutor() => shells = new WarmShells(InheritedEnvironment.Capture(), exits);

    public string Kind => "local";

    /// <summary>A submission leaves its pid in its attempt folder at once.</summary>
    public bool FindsSubmissions => true;

    /// <summary>How long a process group gets between SIGTERM and SIGKILL.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(2);

    public Task<ExecutionHandle> SubmitAsync(ResolvedNode node, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(node.WorkDir);
        var attemptDir = AttemptDirectory(node.StdoutPath);
        Directory.CreateDirectory(attemptDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(node.StderrPath))!);
        File.Delete(Path.Combine(attemptDir, ExitCodeFile));
        var script = Script(node, attemptDir);
        var shell = shells.Take();
        try
        {
            shell.Run(script);
        }
        catch (IOException)
        {
            // The shell ended between being taken and being written to: a new one runs the step.
            shell = shells.Take();
            shell.Run(script);
        }

        var id = shell.Pid.ToString(CultureInfo.InvariantCulture) + ":" + shell.StartTime;
        running[id] = new Running(shell.Exited);
        return Task.FromResult(new ExecutionHandle(Kind, id, node.NodeInstanceId, node.StdoutPath, node.StderrPath));
    }

    /// <summary>
    /// What a shell runs for an attempt, as one compound command (see <see cref="WarmShell.Run"/>):
    /// it leaves its pid and token in the attempt's pid file before anything else, in one small
    /// write (so a mlpc killed at any moment after handing it over leaves a step the next mlpc
    /// finds), sends output straight to the log files (so the step outlives a killed mlpc instead
    /// of dying on a broken pipe), leaves the exit code in a file (so a restarted mlpc learns how
    /// an orphan ended), exports the step's variables and runs the command in this shell with
    /// <c>eval</c>: no second process per step. A variable name no shell can set is refused here,
    /// before a shell is taken: exported, it would stop the shell before the command runs.
    /// </summary>
    private static string Script(ResolvedNode node, string attemptDir)
    {
        var script = new StringBuilder(1024);
        script.Append("{ printf '%s %s\\n' $$ \"$").Append(WarmShells.TokenVariable).Append("\" > ").Append(Quote(Path.Combine(attemptDir, PidFile)))
            .Append("; __mlp_exit=").Append(Quote(Path.Combine(attemptDir, ExitCodeFile)))
            .Append("; exec </dev/null >>").Append(Quote(Path.GetFullPath(node.StdoutPath))).Append(" 2>>").Append(Quote(Path.GetFullPath(node.StderrPath)))
            .Append("; trap 'printf \"%s\" $? > \"$__mlp_exit\"' EXIT");
        if (node.Env.Count > 0)
        {
            script.Append("; export");
            foreach (var (name, value) in node.Env)
            {
                if (!IsShellName(name))
                {
                    throw new ArgumentException($"the environment variable name '{name}' cannot be given to a step: a name is letters, digits and '_', not starting with a digit");
                }

                script.Append(' ').Append(Quote(name + "=" + value));
            }
        }

        return script.Append("; cd -- ").Append(Quote(Path.GetFullPath(node.WorkDir))).Append(" || exit; eval ").Append(Quote(node.Command)).Append("\n}\n").ToString();
    }

    private static string Quote(string text) => RuntimeValues.Quote(text);

    private static bool IsShellName(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private const string ExitCodeFile = "exit_code";
    private const string PidFile = "pid";

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
        var ended = new List<Task>(handles.Count + 1);
        foreach (var handle in handles)
        {
            if (running.TryGetValue(handle.Id, out var run))
            {
                if (run.Exited.IsCompleted)
                {
                    return Task.CompletedTask;
                }

                ended.Add(run.Exited);
            }
        }

        ended.Add(Task.Delay(pollInterval, cancellationToken));
        return Task.WhenAny(ended);
    }

    /// <summary>A process this executor started ends when its waiter reaps it; an earlier mlpc's orphan is polled.</summary>
    public Task? WhenEnded(ExecutionHandle handle) => running.TryGetValue(handle.Id, out var run) ? run.Exited : null;

    public Task<ExecutionHandle?> FindSubmissionAsync(ResolvedNode node, CancellationToken cancellationToken)
    {
        var pidPath = Path.Combine(AttemptDirectory(node.StdoutPath), PidFile);
        var fields = File.Exists(pidPath) ? File.ReadAllText(pidPath).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        if (fields.Length == 0 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out var pid))
        {
            return Task.FromResult<ExecutionHandle?>(null);
        }

        // A live pid is ours only if it carries the token it wrote: the pid may have been reused.
        // (A shell started by a mlpc before warm shells wrote no token and carried its stdout path.)
        var marker = fields.Length > 1 ? fields[1] : Path.GetFullPath(node.StdoutPath);
        var start = SessionProcess.StartTime(pid);
        var alive = start is not null && ReadsMarker(pid, marker);
        var id = pid.ToString(CultureInfo.InvariantCulture) + ":" + (alive ? start : "0");
        return Task.FromResult<ExecutionHandle?>(new ExecutionHandle(Kind, id, node.NodeInstanceId, node.StdoutPath, node.StderrPath));
    }

    private static bool ReadsMarker(int pid, string marker)
    {
        try
        {
            var environ = File.ReadAllText($"/proc/{pid}/environ");
            return environ.Split('\0').Contains(WarmShells.TokenVariable + "=" + marker);
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

            return Task.FromResult(RecordedExit(handle) is { } recorded
                ? FromExitCode(recorded)
                : new ExecutionStatus(ExecutionState.Lost, null, "the process is gone and left no exit code (it was started by an earlier mlpc and was killed)"));
        }

        if (!run.Exited.IsCompleted)
        {
            return Task.FromResult(new ExecutionStatus(ExecutionState.Running));
        }

        // Without a status from waitpid (something else reaped the child) the wrapper's file tells.
        return Task.FromResult(run.Cancelled ? new ExecutionStatus(ExecutionState.Cancelled, null, "cancelled")
            : (run.Exited.Result ?? RecordedExit(handle)) is { } code ? FromExitCode(code)
            : new ExecutionStatus(ExecutionState.Lost, null, "the process ended and left no exit code"));
    }

    /// <summary>The exit code the wrapper shell left in the attempt folder, if any.</summary>
    private static int? RecordedExit(ExecutionHandle handle)
    {
        var exitPath = Path.Combine(AttemptDirectory(handle.StdoutPath), ExitCodeFile);
        return File.Exists(exitPath) && int.TryParse(File.ReadAllText(exitPath).Trim(), CultureInfo.InvariantCulture, out var recorded) ? recorded : null;
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
            if (run.Exited.IsCompleted)
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
            await run.Exited.ConfigureAwait(false);
        }
    }

    public async IAsyncEnumerable<string> ReadLogAsync(ExecutionHandle handle, LogStream stream, long offset, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = stream == LogStream.Stdout ? handle.StdoutPath : handle.StderrPath;
        while (true)
        {
            var ended = running.TryGetValue(handle.Id, out var run) ? run.Exited.IsCompleted : !IsOurs(handle.Id);

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
            if (!run.Exited.IsCompleted)
            {
                await CancelAsync(new ExecutionHandle(Kind, id, "", "", ""), CancellationToken.None).ConfigureAwait(false);
            }
        }

        running.Clear();
        shells.Dispose();
        exits.Dispose();
    }

    private static int Pid(string id) => int.Parse(id.AsSpan(0, id.IndexOf(':')), CultureInfo.InvariantCulture);

    /// <summary>The pid is alive and started when the handle says: the same process, not a reused pid.</summary>
    private static bool IsOurs(string id) => SessionProcess.StartTime(Pid(id)) is { } start && id.EndsWith(":" + start, StringComparison.Ordinal);

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

    /// <summary>A process this executor started: its exit code once it has ended (null: not known from waitpid).</summary>
    private sealed class Running(Task<int?> exited)
    {
        public Task<int?> Exited { get; } = exited;

        public bool Cancelled { get; set; }
    }
}
