using System.Collections.Immutable;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps;

/// <summary>
/// A trial as the tracking store holds it (and as <c>mlpc sweep show</c> and the live table show
/// it): params as logged text, status (running, succeeded, failed, pruned, cancelled), objective,
/// the order it finished in and how many trials had finished when it was proposed.
/// </summary>
public sealed record SweepTrialRecord
{
    public required int Number { get; init; }

    public required string RunId { get; init; }

    public required RunStatus Status { get; init; }

    public required IReadOnlyDictionary<string, string> Params { get; init; }

    public double? Objective { get; init; }

    /// <summary>0-based position in the order trials finished; null while not finished.</summary>
    public int? FinishSequence { get; init; }

    /// <summary>Finished trials the sampler saw when it proposed this one (the first N in finish order).</summary>
    public int ProposedAfter { get; init; }

    public int Attempt { get; init; } = 1;

    public string? Message { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    public DateTimeOffset? EndTime { get; init; }

    /// <summary>The pruned metric's values (empty when the sweep has no pruner or the trial reported none).</summary>
    public ImmutableArray<IntermediateValue> Intermediates { get; init; } = [];

    public bool IsFinished => Status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Pruned;

    public TimeSpan? Duration => StartTime is { } s && EndTime is { } e ? e - s : null;
}

/// <summary>The names under which the engine keeps its bookkeeping in the tracking store.</summary>
public static class SweepTags
{
    public const string Prefix = "mlp.sweep.";

    // on the sweep run
    public const string Seed = "mlp.sweep.seed";
    public const string Sampler = "mlp.sweep.sampler";
    public const string Pruner = "mlp.sweep.pruner";
    public const string Direction = "mlp.sweep.direction";
    public const string ObjectiveName = "mlp.sweep.objective_name";
    public const string PrunerMetric = "mlp.sweep.pruner_metric";
    public const string TrialsBudget = "mlp.sweep.trials";
    public const string ParallelBudget = "mlp.sweep.parallel";
    public const string ElapsedSeconds = "mlp.sweep.elapsed_seconds";
    public const string StopReason = "mlp.sweep.stop_reason";
    public const string BestTrial = "mlp.sweep.best_trial";

    // on each trial run
    public const string Trial = "mlp.sweep.trial";
    public const string ProposedAfter = "mlp.sweep.proposed_after";
    public const string Attempt = "mlp.sweep.attempt";
    public const string FinishSequence = "mlp.sweep.finish_seq";
    public const string Objective = "mlp.sweep.objective";
    public const string Message = "mlp.sweep.message";

    /// <summary>The trial's objective is also logged as this metric, so run search can order by it.</summary>
    public const string ObjectiveMetric = "objective";

    /// <summary>The sweep's best objective so far, step = finished trials.</summary>
    public const string BestObjectiveMetric = "best_objective";

    public static string TrialRunId(string sweepRunId, int number) => sweepRunId + "-trial-" + number.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string TrialNode(int number) => "trial[" + number.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";
}
