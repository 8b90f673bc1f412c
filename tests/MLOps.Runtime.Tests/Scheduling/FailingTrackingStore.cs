using System.Reflection;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Tests.Scheduling;

/// <summary>
/// The real tracking store, except that every status change of the runs <c>fails</c> picks is
/// refused as a store that has lost its disk would refuse it.
/// </summary>
public class FailingTrackingStore : DispatchProxy
{
    private ITrackingStore _inner = null!;
    private Func<string, bool> _fails = null!;

    public static ITrackingStore Create(ITrackingStore inner, Func<string, bool> fails)
    {
        var proxy = Create<ITrackingStore, FailingTrackingStore>();
        var self = (FailingTrackingStore)(object)proxy;
        self._inner = inner;
        self._fails = fails;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod!.Name == nameof(ITrackingStore.SetRunStatusAsync) && _fails((string)args![0]!))
        {
            return Task.FromException<RunStatusUpdateResult>(new IOException("disk I/O error (injected)"));
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
