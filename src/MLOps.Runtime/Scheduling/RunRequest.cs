using MLOps.Plan;
using MLOps.Tracking.Registry;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Scheduling;

/// <summary>What to run and how: a plan, where its files go, how much at once, and whether to resume.</summary>
public sealed record RunRequest
{
    public required ExecutionPlan Plan { get; init; }

    /// <summary>sha256 of the plan's bytes: a resume runs only the same plan.</summary>
    public required string PlanDigest { get; init; }

    /// <summary>The directory steps run in (relative paths in commands are relative to it).</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>Where run folders go (<c>.mlp/runs</c> by default).</summary>
    public required string WorkRoot { get; init; }

    /// <summary>Experiment name; the pipeline's name when not given.</summary>
    public string? Experiment { get; init; }

    /// <summary>Most steps running at once (also bounded by the machine's cores, memory and GPUs for local steps).</summary>
    public int MaxParallel { get; init; } = Environment.ProcessorCount;

    /// <summary>A caller-chosen run id (sweep trials); a fresh one is made otherwise.</summary>
    public string? RunId { get; init; }

    /// <summary>Resume this run (it must be an interrupted run of the same plan).</summary>
    public string? ResumeRunId { get; init; }

    /// <summary>
    /// When no run id is given, look for an interrupted run of the same plan (its mlpc was killed)
    /// and finish it instead of starting over.
    /// </summary>
    public bool ResumeInterrupted { get; init; } = true;

    public string? ParentRunId { get; init; }

    public RunKind Kind { get; init; } = RunKind.Pipeline;

    /// <summary>Values of swept parameters (<c>{"param": NAME}</c> in sweep plans).</summary>
    public IReadOnlyDictionary<string, PlanValue> Params { get; init; } = new Dictionary<string, PlanValue>();

    public string? GitCommit { get; init; }

    /// <summary>How often backends without exit notifications are asked for states.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Every metric point a step streams (the sweep engine's pruners listen here).</summary>
    public Action<MetricPoint>? OnMetric { get; init; }

    /// <summary>Run after a pipeline registers a model version (promotion policies).</summary>
    public IRegistrationHook? AfterRegister { get; init; }
}

/// <summary>Called after <c>register</c> created a version: the policy engine evaluates the model's policy here.</summary>
public interface IRegistrationHook
{
    /// <summary>Returns a line for people (e.g. "policy promote: passed, @champion → v3"), or null.</summary>
    Task<string?> AfterRegisterAsync(ExecutionPlan plan, ModelVersion version, CancellationToken cancellationToken);
}

/// <summary>How a run ended.</summary>
public sealed record RunResult(
    string RunId,
    RunStatus Status,
    bool Resumed,
    IReadOnlyList<StepProgress> Steps,
    IReadOnlyDictionary<string, PlanValue> Outputs,
    IReadOnlyList<string> Registered,
    string? Message);

/// <summary>A step instance as shown while a run goes on and at its end.</summary>
public sealed record StepProgress(
    string InstanceId,
    string Step,
    StepState State,
    int Attempt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    string? Message);

public enum StepState
{
    Waiting,
    Queued,
    Running,
    Retrying,
    Succeeded,
    Cached,
    Skipped,
    Failed,
    Cancelled,
    NotRun,
}

public static class StepStates
{
    public static bool IsTerminal(this StepState state) => state is StepState.Succeeded or StepState.Cached or StepState.Skipped
        or StepState.Failed or StepState.Cancelled or StepState.NotRun;

    public static string ToWord(this StepState state) => state switch
    {
        StepState.NotRun => "not run",
        _ => state.ToString().ToLowerInvariant(),
    };
}

/// <summary>Hears what a run does, for the live table or plain progress lines.</summary>
public interface IRunObserver
{
    void RunStarted(string runId, string experiment, bool resumed) { }

    void StepChanged(StepProgress step) { }

    void Warning(string message) { }

    void Info(string message) { }
}

public sealed class NullRunObserver : IRunObserver
{
    public static readonly NullRunObserver Instance = new();
}
