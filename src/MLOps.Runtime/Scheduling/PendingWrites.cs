namespace MLOps.Runtime.Scheduling;

/// <summary>
/// Store writes a step has issued but not waited for. The tracking store applies writes in the
/// order they were issued, so a later write is never on disk without the earlier ones: a step
/// waits only where the world outside the store must not get ahead of it (before it submits
/// work that a restarted mlpc could not otherwise find) and otherwise goes on while the store's
/// writer commits. At its end a step hands what is still pending to its run (<see cref="RunWrites"/>).
/// </summary>
internal sealed class PendingWrites
{
    private readonly List<Task> writes = [];

    public void Add(Task write) => writes.Add(write);

    /// <summary>Waits until every write issued so far is committed; throws the first that failed.</summary>
    public async Task FlushAsync()
    {
        if (writes.Count == 0)
        {
            return;
        }

        var issued = writes.ToArray();
        writes.Clear();
        await Task.WhenAll(issued).ConfigureAwait(false);
    }

    /// <summary>Gives the writes to the run without waiting; the task ends when all have been committed or failed.</summary>
    public Task HandTo(RunWrites run)
    {
        if (writes.Count == 0)
        {
            return Task.CompletedTask;
        }

        // Each on its own: a write that has already failed stops the run before the next step
        // starts, without waiting for the step's other writes to commit.
        foreach (var write in writes)
        {
            run.Watch(write);
        }

        var all = Task.WhenAll(writes.ToArray());
        writes.Clear();
        return all;
    }
}

/// <summary>
/// The writes of a run's steps that no step waited for. The run waits for them before it records
/// its own end, and stops starting steps once one has failed (a store that cannot record a step
/// should not be given more of them).
/// </summary>
internal sealed class RunWrites
{
    private readonly List<Task> outstanding = [];
    private Exception? failure;

    public bool HasFailed => Volatile.Read(ref failure) is not null;

    public void Watch(Task writes)
    {
        if (writes.IsCompletedSuccessfully)
        {
            return;
        }

        _ = writes.ContinueWith(
            static (t, state) => ((RunWrites)state!).Fail(t.Exception!.InnerException ?? t.Exception),
            this, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        lock (outstanding)
        {
            // Completed writes are dropped now and then, so a long run does not keep every step's.
            if (outstanding.Count >= 1024)
            {
                outstanding.RemoveAll(w => w.IsCompleted);
            }

            outstanding.Add(writes);
        }
    }

    private void Fail(Exception e) => Interlocked.CompareExchange(ref failure, e, null);

    /// <summary>Waits for every write handed over so far; the first failure's message, or null.</summary>
    public async Task<string?> SettleAsync()
    {
        Task[] all;
        lock (outstanding)
        {
            all = [.. outstanding];
            outstanding.Clear();
        }

        try
        {
            await Task.WhenAll(all).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(e);
        }

        return Volatile.Read(ref failure)?.Message;
    }
}
