using MLOps.Plan;

namespace MLOps.Runtime.Execution;

/// <summary>
/// Executors by target kind: local processes always; other kinds when the host adds them
/// (the CLI adds Slurm). One executor per target kind and configuration, shared by the run.
/// </summary>
public sealed class ExecutorProvider : IExecutorProvider, IAsyncDisposable
{
    private readonly Dictionary<string, Func<PlanTarget, IExecutor>> factories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<PlanTarget, string?>> checks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IExecutor> created = [];
    private readonly Lock gate = new();

    /// <param name="localKillGrace">How long a cancelled local step gets between SIGTERM and SIGKILL (sweeps use less, so a pruned trial ends within a second).</param>
    public ExecutorProvider(TimeSpan? localKillGrace = null)
    {
        Add("local", _ => localKillGrace is { } grace ? new LocalExecutor { KillGrace = grace } : new LocalExecutor(), _ => null);
    }

    /// <summary>Adds a backend: <paramref name="check"/> says before the run why a target cannot be used.</summary>
    public ExecutorProvider Add(string kind, Func<PlanTarget, IExecutor> factory, Func<PlanTarget, string?> check)
    {
        factories[kind] = factory;
        checks[kind] = check;
        return this;
    }

    public string? Check(PlanTarget target) =>
        checks.TryGetValue(target.Kind, out var check)
            ? check(target)
            : $"mlpc cannot run '{target.Kind}' targets yet (available: {string.Join(", ", factories.Keys.Order(StringComparer.Ordinal))})";

    public IExecutor Get(PlanTarget target)
    {
        var key = target.Kind == "local" ? "local" : target.Kind + ":" + target.Name;
        lock (gate)
        {
            if (!created.TryGetValue(key, out var executor))
            {
                executor = factories[target.Kind](target);
                created[key] = executor;
            }

            return executor;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var executor in created.Values)
        {
            await executor.DisposeAsync().ConfigureAwait(false);
        }

        created.Clear();
    }
}
