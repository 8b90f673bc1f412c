using System.Reflection;
using MLOps.Tracking.Registry;

namespace MLOps.Runtime.Tests.Policies;

/// <summary>
/// Wraps a registry and runs a hook before each alias change, so tests can put another writer
/// (or a barrier) exactly between a policy's evaluation and its compare-and-swap.
/// </summary>
public class RegistryInterceptor : DispatchProxy
{
    private IModelRegistry _inner = null!;
    private Func<AliasChange, Task> _beforeChange = null!;

    public static IModelRegistry Create(IModelRegistry inner, Func<AliasChange, Task> beforeChange)
    {
        var proxy = Create<IModelRegistry, RegistryInterceptor>();
        var self = (RegistryInterceptor)(object)proxy;
        self._inner = inner;
        self._beforeChange = beforeChange;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod!.Name == nameof(IModelRegistry.ChangeAliasAsync))
        {
            var change = (AliasChange)args![0]!;
            var token = (CancellationToken)args[1]!;
            return ChangeAsync(change, token);
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

    private async Task<AliasChangeResult> ChangeAsync(AliasChange change, CancellationToken token)
    {
        await _beforeChange(change);
        return await _inner.ChangeAliasAsync(change, token);
    }
}
