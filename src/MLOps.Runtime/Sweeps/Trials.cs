using System.Collections.Immutable;

namespace MLOps.Runtime.Sweeps;

/// <summary>Whether a sweep maximizes or minimizes its objective (and a pruner its intermediate metric).</summary>
public enum ObjectiveDirection
{
    Minimize,
    Maximize,
}

/// <summary>How a finished trial ended, as samplers and pruners see it.</summary>
public enum TrialState
{
    Running,
    Succeeded,
    Failed,
    Pruned,
}

/// <summary>One intermediate value a trial's steps streamed while it ran.</summary>
public readonly record struct IntermediateValue(long Step, double Value);

/// <summary>
/// A trial as the samplers see it: its number, its point (internal numbers, see
/// <see cref="SearchDimension"/>), how it ended, its objective (succeeded trials) and its
/// intermediate values (ordered by step; what TPE ranks pruned trials by).
/// </summary>
public sealed record TrialObservation(int Number, ImmutableArray<double> Point, TrialState State, double? Objective, ImmutableArray<IntermediateValue> Intermediates)
{
    /// <summary>The value at the highest step, if any.</summary>
    public IntermediateValue? LastIntermediate => Intermediates.IsDefaultOrEmpty ? null : Intermediates.MaxBy(v => v.Step);
}

/// <summary>
/// What a sampler proposes from: the trial number (which picks the random stream), the trials
/// finished before the proposal, in finish order, and the trials still running. A proposal is a
/// pure function of the sampler's seed and this context, which is what makes a sweep reproducible.
/// </summary>
public sealed record SamplerContext(int TrialNumber, IReadOnlyList<TrialObservation> Finished, IReadOnlyList<TrialObservation> Running);

/// <summary>Proposes the next point to try.</summary>
public interface ISampler
{
    /// <summary>The name the plan uses: grid, random, tpe.</summary>
    string Name { get; }

    /// <summary>Trials the sampler can propose at most (the grid size for grid), or null when unbounded.</summary>
    long? Capacity { get; }

    /// <summary>The point for trial <see cref="SamplerContext.TrialNumber"/>, one internal number per dimension.</summary>
    double[] Propose(SamplerContext context);
}
