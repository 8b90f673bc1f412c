using MLOps.Tracking.Registry;

namespace MLOps.Runtime.Tests.Policies;

/// <summary>
/// Wraps a registry and runs a hook before each alias change, so tests can put another writer
/// (or a barrier) exactly between a policy's evaluation and its compare-and-swap.
/// </summary>
public static class RegistryInterceptor
{
    public static IModelRegistry Create(IModelRegistry inner, Func<AliasChange, Task> beforeChange) =>
        Interception<IModelRegistry>.Replace(inner, nameof(IModelRegistry.ChangeAliasAsync), (registry, args) =>
            ChangeAsync(registry, (AliasChange)args[0]!, (CancellationToken)args[1]!, beforeChange));

    private static async Task<AliasChangeResult> ChangeAsync(IModelRegistry registry, AliasChange change, CancellationToken token, Func<AliasChange, Task> beforeChange)
    {
        await beforeChange(change);
        return await registry.ChangeAliasAsync(change, token);
    }
}
