using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MLOps.Runtime.Execution;

/// <summary>
/// Shells started before a step needs one: <c>/bin/sh -s</c> in a new session, blocked reading
/// its script from a pipe. Starting a process (vfork, exec, the dynamic loader) costs about
/// 1 ms on the VMs measured, and a chain of steps paid it between one step's end and the next
/// one's start; a shell that is already running starts a step in about 0.3 ms
/// (docs/performance.md). One shell is kept ready, started again on a thread of its own as soon
/// as it is taken, so the cost falls while the previous step runs.
/// <para>
/// An idle shell runs nothing: it ends when its pipe closes (this executor disposed, or mlpc
/// killed: the kernel closes the write end) without having read a command. Each carries a random
/// token in its environment (<c>MLP_SUBMISSION</c>) that it writes beside its pid once it has
/// its script, so a restarted mlpc tells the shell that took an attempt from a process that
/// reused its pid.
/// </para>
/// </summary>
internal sealed class WarmShells : IDisposable
{
    public const string TokenVariable = "MLP_SUBMISSION";
    private const string Shell = "/bin/sh";

    private readonly InheritedEnvironment environment;
    private readonly ExitWaiters exits;
    private readonly ConcurrentQueue<WarmShell> ready = new();
    private readonly SemaphoreSlim wanted = new(0);
    private readonly Lazy<Thread> starter;
    private volatile bool stopping;

    public WarmShells(InheritedEnvironment environment, ExitWaiters exits)
    {
        this.environment = environment;
        this.exits = exits;
        starter = new Lazy<Thread>(() =>
        {
            var thread = new Thread(KeepOneReady) { IsBackground = true, Name = "mlpc warm shells" };
            thread.Start();
            return thread;
        });
    }

    /// <summary>The pids of the shells started and waiting to be taken (for tests and diagnostics).</summary>
    internal IReadOnlyList<int> ReadyPids => [.. ready.Select(s => s.Pid)];

    /// <summary>A running shell waiting for its script; the next one is started in the background.</summary>
    public WarmShell Take()
    {
        _ = starter.Value;
        while (ready.TryDequeue(out var shell))
        {
            wanted.Release();
            if (!shell.Exited.IsCompleted)
            {
                return shell;
            }

            // Ended while idle (someone killed it): its exit waiter has reaped it already.
            shell.Dispose();
        }

        wanted.Release();
        return Start();
    }

    private void KeepOneReady()
    {
        while (true)
        {
            wanted.Wait();
            if (stopping)
            {
                return;
            }

            if (!ready.IsEmpty)
            {
                continue;
            }

            try
            {
                ready.Enqueue(Start());
            }
            catch (IOException)
            {
                // The next Take starts its own shell and reports why it cannot.
            }

            if (stopping)
            {
                DisposeIdle();
                return;
            }
        }
    }

    private WarmShell Start()
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var (read, write) = SessionProcess.CreatePipe();
        try
        {
            int pid;
            using (read)
            {
                pid = SessionProcess.Start(Shell, [Shell, "-s"], environment.With([new(TokenVariable, token)]), read);
            }

            return new WarmShell(pid, SessionProcess.StartTime(pid) ?? "0", token, write, exits.WhenExited(pid));
        }
        catch
        {
            write.Dispose();
            throw;
        }
    }

    private void DisposeIdle()
    {
        while (ready.TryDequeue(out var shell))
        {
            shell.Dispose();
        }
    }

    public void Dispose()
    {
        stopping = true;
        wanted.Release();
        DisposeIdle();
    }
}

/// <summary>A started shell that runs the one script it is given, then ends.</summary>
internal sealed class WarmShell(int pid, string startTime, string token, SafeFileHandle input, Task<int?> exited) : IDisposable
{
    public int Pid { get; } = pid;

    /// <summary>Field 22 of its /proc/PID/stat, read when it started: with the pid, what tells it from a later process with the same pid.</summary>
    public string StartTime { get; } = startTime;

    /// <summary>What the shell has in <see cref="WarmShells.TokenVariable"/>: it writes it into the attempt's pid file.</summary>
    public string Token { get; } = token;

    /// <summary>Its exit code once reaped (null: not known from waitpid).</summary>
    public Task<int?> Exited { get; } = exited;

    /// <summary>
    /// Hands the shell its script and closes the pipe. The script must be one compound command
    /// (<c>{ …; }</c>): a shell whose mlpc was killed halfway through the write reads a group that
    /// never closes, a syntax error, and runs none of it.
    /// </summary>
    public void Run(string script)
    {
        // Unbuffered: the whole script goes to the pipe in one write when it fits (64 KiB here).
        using var pipe = new FileStream(input, FileAccess.Write, bufferSize: 0);
        pipe.Write(Encoding.UTF8.GetBytes(script));
    }

    /// <summary>An idle shell told to end: it reads end-of-file and exits without running anything.</summary>
    public void Dispose() => input.Dispose();
}
