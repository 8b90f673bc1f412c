using System.Collections.Concurrent;

namespace MLOps.Runtime.Execution;

/// <summary>
/// Learns that local processes ended by blocking a waiter thread in waitpid on each (threads are
/// kept and reused, so there are as many as processes ever ran at once, the shells waiting for a
/// step included; see <see cref="WarmShells"/>). A blocked thread costs
/// no CPU and hears of the exit at once; polling or the thread pool's registered waits would cost
/// one or the other on every step.
/// </summary>
internal sealed class ExitWaiters : IDisposable
{
    private readonly ConcurrentQueue<(int Pid, TaskCompletionSource<int?> Exited)> queue = new();
    private readonly SemaphoreSlim queued = new(0);
    private int idle;
    private volatile bool stopping;

    /// <summary>
    /// The exit code of the child <paramref name="pid"/> once it has ended and been reaped (see
    /// <see cref="SessionProcess.WaitForExit"/>); the task completes on the thread pool.
    /// </summary>
    public Task<int?> WhenExited(int pid)
    {
        var exited = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Enqueue((pid, exited));

        // Each queued process reserves an idle waiter or starts one: never does a process wait in
        // the queue behind another that runs for hours.
        if (Interlocked.Decrement(ref idle) < 0)
        {
            Interlocked.Increment(ref idle);
            new Thread(Wait) { IsBackground = true, Name = "mlpc exit waiter" }.Start();
        }

        queued.Release();
        return exited.Task;
    }

    private void Wait()
    {
        while (true)
        {
            queued.Wait();
            if (stopping || !queue.TryDequeue(out var next))
            {
                return;
            }

            try
            {
                next.Exited.TrySetResult(SessionProcess.WaitForExit(next.Pid));
            }
            catch (IOException)
            {
                // No status from waitpid: the exit code the wrapper left is read instead.
                next.Exited.TrySetResult(null);
            }

            Interlocked.Increment(ref idle);
        }
    }

    public void Dispose()
    {
        stopping = true;
        queued.Release(Math.Max(1, Volatile.Read(ref idle)));
    }
}
