namespace MLOps.Runtime.Sweeps.Pruners;

/// <summary>A trial's intermediate values as pruners see them (steps ascending).</summary>
public sealed record TrialProgress(int Number, TrialState State, IReadOnlyList<IntermediateValue> Values);

/// <summary>
/// One pruning question: trial <see cref="Trial"/> just reported its latest value (the last of
/// <see cref="Values"/>); <see cref="Trials"/> are every other trial of the sweep so far.
/// </summary>
public sealed record PruneContext(int Trial, IReadOnlyList<IntermediateValue> Values, IReadOnlyList<TrialProgress> Trials)
{
    public IntermediateValue Latest => Values[^1];
}

/// <summary>
/// Decides, after each intermediate report, whether a trial should stop now. Pruners keep no
/// state: the decision is a function of the reports, so a resumed sweep decides as before.
/// </summary>
public interface IPruner
{
    string Name { get; }

    /// <summary>The intermediate metric the pruner watches (reports of other metrics are only logged).</summary>
    string Metric { get; }

    ObjectiveDirection Mode { get; }

    bool ShouldPrune(PruneContext context);
}
