namespace MLOps.Runtime.Scheduling;

/// <summary>
/// Store writes a step has issued but not waited for. The tracking store applies writes in the
/// order they were issued, so a step waits only where durability matters (before it submits work
/// that a restarted mlpc must find, and before it reports its end) and otherwise goes on while the
/// store's writer commits, sharing commits with other steps.
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
}
