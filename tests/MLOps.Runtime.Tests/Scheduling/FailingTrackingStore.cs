using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Tests.Scheduling;

/// <summary>
/// The real tracking store, except that every status change of the runs <c>fails</c> picks is
/// refused as a store that has lost its disk would refuse it.
/// </summary>
public static class FailingTrackingStore
{
    public static ITrackingStore Create(ITrackingStore inner, Func<string, bool> fails) =>
        Interception<ITrackingStore>.Replace(inner, nameof(ITrackingStore.SetRunStatusAsync), (store, args) =>
        {
            var runId = (string)args[0]!;
            return fails(runId)
                ? Task.FromException<RunStatusUpdateResult>(new IOException("disk I/O error (injected)"))
                : store.SetRunStatusAsync(runId, (RunStatusUpdate)args[1]!, (CancellationToken)args[2]!);
        });
}
