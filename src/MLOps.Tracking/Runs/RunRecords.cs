namespace MLOps.Tracking.Runs;

/// <summary>A named group of runs (one per pipeline by default). Names are unique.</summary>
public sealed record Experiment(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>What a run stands for: a whole pipeline run, one step of it, or a sweep trial.</summary>
public enum RunKind
{
    Pipeline,
    Step,
    Sweep,
    Trial,
}

/// <summary>
/// Where a run is in its life. <see cref="Cached"/> means a step whose outputs were taken from an
/// earlier step run with the same cache key (see <see cref="RunRecord.CachedFromRunId"/>).
/// <see cref="Pruned"/> is a sweep trial its pruner stopped early: a decision, not a failure.
/// Stored as its word (a text column), so adding a status needs no schema migration; new statuses
/// go at the end to keep the numeric values stable.
/// </summary>
public enum RunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Cached,
    Skipped,
    Pruned,
}

public static class RunStatuses
{
    public static bool IsTerminal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Cancelled or RunStatus.Cached or RunStatus.Skipped or RunStatus.Pruned;

    /// <summary>The lower-case word used in storage, search (<c>status = 'failed'</c>) and output.</summary>
    public static string ToWord(this RunStatus status) => status switch
    {
        RunStatus.Queued => "queued",
        RunStatus.Running => "running",
        RunStatus.Succeeded => "succeeded",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        RunStatus.Cached => "cached",
        RunStatus.Skipped => "skipped",
        RunStatus.Pruned => "pruned",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static bool TryParse(string word, out RunStatus status)
    {
        foreach (var candidate in Enum.GetValues<RunStatus>())
        {
            if (string.Equals(candidate.ToWord(), word, StringComparison.OrdinalIgnoreCase))
            {
                status = candidate;
                return true;
            }
        }

        status = default;
        return false;
    }
}

/// <summary>
/// What the caller knows when it creates a run. <see cref="RunId"/> is chosen by the caller (the
/// runtime derives it deterministically, e.g. from the pipeline run id and the node instance id)
/// so creating the same run twice, as a resumed process does after <c>kill -9</c>, returns the
/// existing row instead of adding a duplicate.
/// </summary>
public sealed record NewRun
{
    public required string RunId { get; init; }

    /// <summary>Experiment name; created on first use.</summary>
    public required string Experiment { get; init; }

    public required RunKind Kind { get; init; }

    /// <summary>Display name: the pipeline name for pipeline runs, the node instance id for steps.</summary>
    public required string Name { get; init; }

    /// <summary>The pipeline or sweep run this run belongs to; null for top-level runs.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>
    /// Plan node instance id (<c>fit[2]</c>) for step runs. Unique within the parent: a second
    /// create with the same (parent, node) under another run id returns the first row.
    /// </summary>
    public string? NodeInstanceId { get; init; }

    /// <summary>The pipeline this run executes (same for a pipeline run and its steps).</summary>
    public string? Pipeline { get; init; }

    /// <summary>The .mlp file the plan came from and the sha256 digest of its text.</summary>
    public string? SourceFile { get; init; }

    public string? SourceDigest { get; init; }

    /// <summary>The plan's digest (mlp.plan/v1 bytes), so a resume can check it runs the same plan.</summary>
    public string? PlanDigest { get; init; }

    public string? GitCommit { get; init; }

    public RunStatus Status { get; init; } = RunStatus.Queued;

    /// <summary>When the run was created; defaults to now.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>A run as stored. Times are UTC with millisecond precision.</summary>
public sealed record RunRecord
{
    public required string RunId { get; init; }

    public required string ExperimentId { get; init; }

    public required string Experiment { get; init; }

    public required RunKind Kind { get; init; }

    public required string Name { get; init; }

    public string? ParentRunId { get; init; }

    /// <summary>The top-level run (the run itself when it has no parent).</summary>
    public required string RootRunId { get; init; }

    public string? NodeInstanceId { get; init; }

    public string? Pipeline { get; init; }

    public string? SourceFile { get; init; }

    public string? SourceDigest { get; init; }

    public string? PlanDigest { get; init; }

    public string? GitCommit { get; init; }

    public required RunStatus Status { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set when the run first becomes <see cref="RunStatus.Running"/>.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Set when the run reaches a terminal status; cleared if it is resumed.</summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>The step's cache key, once the runtime has computed it.</summary>
    public string? CacheKey { get; init; }

    /// <summary>
    /// JSON object of the components the cache key hashes (definition digest, input values, input
    /// artifact digests, ...), so <c>mlpc explain</c> can diff two step runs key by key.
    /// </summary>
    public string? CacheKeyComponentsJson { get; init; }

    /// <summary>For a <see cref="RunStatus.Cached"/> step: the step run whose outputs were reused.</summary>
    public string? CachedFromRunId { get; init; }

    public TimeSpan? Duration => StartTime is { } s && EndTime is { } e ? e - s : null;
}

/// <summary>The result of an idempotent create: the stored row and whether this call inserted it.</summary>
public sealed record RunCreateResult(RunRecord Run, bool Created);

/// <summary>One entry of a run's append-only status history.</summary>
public sealed record RunStatusChange(string RunId, long Sequence, RunStatus? From, RunStatus To, DateTimeOffset At, string? Message);

/// <summary>
/// A status change. With <see cref="ExpectedStatus"/> the change is applied only when the run is
/// still in that status (a compare-and-swap, e.g. <c>running</c> → <c>cancelled</c> without
/// overwriting a <c>succeeded</c> that another process wrote first).
/// </summary>
public sealed record RunStatusUpdate(RunStatus Status, string? Message = null, RunStatus? ExpectedStatus = null, DateTimeOffset? At = null);

/// <summary>Whether a status change happened; when it did not, <see cref="Run"/> shows the status that won.</summary>
public sealed record RunStatusUpdateResult(bool Applied, RunRecord Run);

/// <summary>A run with its parameters, tags and latest metric values.</summary>
public sealed record RunDetails(
    RunRecord Run,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, double> Metrics);
