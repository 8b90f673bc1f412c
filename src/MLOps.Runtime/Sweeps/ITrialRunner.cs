using System.Collections.Immutable;
using MLOps.Plan;

namespace MLOps.Runtime.Sweeps;

/// <summary>
/// Runs one trial: the sweep's pipeline with <see cref="Parameters"/> overriding its parameters.
/// The trial's run (<see cref="RunId"/>, kind Trial, a child of the sweep run) already exists in
/// the tracking store with its params logged; the runner records the pipeline's steps as children
/// of it and must not create it again under another kind.
/// </summary>
public sealed record TrialSpec
{
    public required string SweepRunId { get; init; }

    public required string RunId { get; init; }

    public required string Experiment { get; init; }

    /// <summary>0-based trial number; also the sampler's random stream.</summary>
    public required int Number { get; init; }

    /// <summary>1 for the first run of the trial; 2, 3, ... when a resumed sweep restarts it.</summary>
    public required int Attempt { get; init; }

    /// <summary>The sampled values by pipeline parameter name, typed as the pipeline declares them.</summary>
    public required ImmutableArray<KeyValuePair<string, PlanValue>> Parameters { get; init; }

    /// <summary>Where the objective is: a pipeline output and a field path inside it.</summary>
    public required PlanObjective Objective { get; init; }
}

/// <summary>
/// What a running trial reports to the engine: intermediate values its steps stream
/// (<c>val_loss</c> at epoch 3). The engine logs them on the trial run and asks the pruner; when
/// the pruner says stop, the trial's cancellation token is cancelled before <see cref="Report"/> returns.
/// Thread-safe.
/// </summary>
public interface ITrialReporter
{
    /// <summary>Reports a value; returns true when the trial has been pruned (stop now).</summary>
    bool Report(string metric, long step, double value);

    /// <summary>Whether the pruner stopped this trial.</summary>
    bool IsPruned { get; }
}

/// <summary>How a trial run ended, as the runner saw it.</summary>
public enum TrialOutcomeKind
{
    Succeeded,
    Failed,

    /// <summary>The runner stopped the trial itself after a pruning decision (the engine also counts a cancel it caused by pruning as pruned).</summary>
    Pruned,

    /// <summary>The token was cancelled (sweep interrupted, time limit, or pruning); the engine decides which.</summary>
    Cancelled,
}

/// <summary>The result of <see cref="ITrialRunner.RunTrialAsync"/>: succeeded trials carry the objective value.</summary>
public sealed record TrialOutcome(TrialOutcomeKind Kind, double? Objective = null, string? Message = null)
{
    public static TrialOutcome Succeeded(double objective) => new(TrialOutcomeKind.Succeeded, objective);

    public static TrialOutcome Failed(string message) => new(TrialOutcomeKind.Failed, null, message);

    public static TrialOutcome Pruned(string? message = null) => new(TrialOutcomeKind.Pruned, null, message);

    public static TrialOutcome Cancelled(string? message = null) => new(TrialOutcomeKind.Cancelled, null, message);
}

/// <summary>
/// Runs trials for the sweep engine; the scheduler implements it (one child pipeline run per
/// trial, sharing the step cache). On cancellation it must end the trial's processes and return
/// (or throw <see cref="OperationCanceledException"/>) promptly: pruning relies on it.
/// </summary>
public interface ITrialRunner
{
    Task<TrialOutcome> RunTrialAsync(TrialSpec spec, ITrialReporter reporter, CancellationToken cancellationToken);
}

/// <summary>Live progress for a table of trials. Called from the engine and (reports) from runner threads.</summary>
public interface ISweepObserver
{
    void TrialStarted(SweepTrialRecord trial);

    void TrialReported(SweepTrialRecord trial, string metric, IntermediateValue value);

    void TrialFinished(SweepTrialRecord trial);
}
