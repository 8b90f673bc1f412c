using System.Collections.Concurrent;

namespace MLOps.Runtime.Execution;

/// <summary>
/// Watches every submission of one executor with one status request per round (a Slurm cluster
/// is asked about all its jobs at once, not once per job) and completes each watch when its
/// submission ends.
/// </summary>
public sealed class ExecutionMonitor : IAsyncDisposable
{
    private readonly IExecutor executor;
    private readonly TimeSpan pollInterval;
    private readonly ConcurrentDictionary<string, Watch> watches = new();
    private TaskCompletionSource wake = NewSignal();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public ExecutionMonitor(IExecutor executor, TimeSpan pollInterval, Action<string>? onError = null)
    {
        this.executor = executor;
        this.pollInterval = pollInterval;
        OnError = onError;
        loop = Task.Run(LoopAsync);
    }

    private Action<string>? OnError { get; }

    /// <summary>Completes with the final status; <paramref name="onChange"/> hears every non-final state seen.</summary>
    public Task<ExecutionStatus> WatchAsync(ExecutionHandle handle, Action<ExecutionStatus>? onChange = null)
    {
        if (executor.WhenEnded(handle) is { } ended)
        {
            return FollowAsync(handle, ended, onChange);
        }

        return WatchPolledAsync(handle, onChange);
    }

    /// <summary>A submission whose end the executor announces: one status request after it, no polling round.</summary>
    private async Task<ExecutionStatus> FollowAsync(ExecutionHandle handle, Task ended, Action<ExecutionStatus>? onChange)
    {
        onChange?.Invoke(new ExecutionStatus(ExecutionState.Running));
        await ended.ConfigureAwait(false);
        var status = (await executor.GetStatusesAsync([handle], stop.Token).ConfigureAwait(false))[0];
        return status.State.IsTerminal() ? status : await WatchPolledAsync(handle, onChange).ConfigureAwait(false);
    }

    private Task<ExecutionStatus> WatchPolledAsync(ExecutionHandle handle, Action<ExecutionStatus>? onChange)
    {
        var watch = new Watch(handle, onChange);
        watches[handle.Id] = watch;
        Volatile.Read(ref wake).TrySetResult();
        return watch.Done.Task;
    }

    private async Task LoopAsync()
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            // Taken before the snapshot: a watch added after it completes this signal, so none is missed.
            var woken = Volatile.Read(ref wake).Task;
            var current = watches.Values.ToList();
            try
            {
                if (current.Count == 0)
                {
                    await woken.WaitAsync(stop.Token).ConfigureAwait(false);
                    Interlocked.Exchange(ref wake, NewSignal());
                    continue;
                }

                var changed = executor.WaitForChangeAsync([.. current.Select(w => w.Handle)], pollInterval, stop.Token);
                await Task.WhenAny(woken, changed).ConfigureAwait(false);
                if (woken.IsCompleted)
                {
                    Interlocked.Exchange(ref wake, NewSignal());
                }

                current = [.. watches.Values];
                var statuses = await executor.GetStatusesAsync([.. current.Select(w => w.Handle)], stop.Token).ConfigureAwait(false);
                failures = 0;
                for (var i = 0; i < current.Count; i++)
                {
                    var watch = current[i];
                    var status = statuses[i];
                    if (status.State.IsTerminal())
                    {
                        watches.TryRemove(watch.Handle.Id, out _);
                        watch.Done.TrySetResult(status);
                    }
                    else if (status.State != watch.LastState)
                    {
                        watch.LastState = status.State;
                        watch.OnChange?.Invoke(status);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A backend that cannot be reached is asked again; the steps' timeouts bound the wait.
                failures++;
                OnError?.Invoke($"{executor.Kind}: could not get the state of {current.Count} submission(s): {e.Message}");
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(pollInterval.TotalMilliseconds * failures, 10_000)), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var watch in watches.Values)
        {
            watch.Done.TrySetCanceled();
        }

        stop.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Watch(ExecutionHandle handle, Action<ExecutionStatus>? onChange)
    {
        public ExecutionHandle Handle { get; } = handle;

        public Action<ExecutionStatus>? OnChange { get; } = onChange;

        public ExecutionState? LastState { get; set; }

        public TaskCompletionSource<ExecutionStatus> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The executors a run may use, by target kind; the host (the CLI) composes it.</summary>
public interface IExecutorProvider
{
    /// <summary>The executor for the target, or an error that says what to do (e.g. an unknown kind).</summary>
    IExecutor Get(Plan.PlanTarget target);

    /// <summary>Null when the target can be served, else why not (asked before anything starts).</summary>
    string? Check(Plan.PlanTarget target);
}
