using MLOps.Runtime.Scheduling;

namespace MLOps.Runtime.Tests.Scheduling;

/// <summary>Writes no step waited for: the run learns of a failure and waits for all of them before it ends.</summary>
public sealed class RunWritesTests
{
    [Fact]
    public async Task A_failed_write_handed_over_is_reported_by_the_run_and_stops_it()
    {
        var run = new RunWrites();
        var step = new PendingWrites();
        var slow = new TaskCompletionSource();
        step.Add(slow.Task);
        step.Add(Task.FromException(new IOException("disk full")));
        var handed = step.HandTo(run);

        Assert.False(handed.IsCompleted);
        slow.SetResult();
        Assert.Equal("disk full", await run.SettleAsync());
        Assert.True(run.HasFailed);
    }

    [Fact]
    public async Task Settling_waits_for_writes_still_in_flight_and_reports_nothing_when_all_commit()
    {
        var run = new RunWrites();
        var step = new PendingWrites();
        var pending = new TaskCompletionSource();
        step.Add(pending.Task);
        _ = step.HandTo(run);

        var settled = run.SettleAsync();
        Assert.False(settled.IsCompleted);
        pending.SetResult();
        Assert.Null(await settled);
        Assert.False(run.HasFailed);
    }
}
