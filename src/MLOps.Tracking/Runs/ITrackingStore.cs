using MLOps.Tracking.Search;

namespace MLOps.Tracking.Runs;

/// <summary>
/// Experiments, runs (pipeline runs and their step runs), parameters, metrics, tags, artifacts and
/// lineage. Every create is idempotent on a caller-supplied key so a process that resumes after a
/// crash can replay what it did without adding rows. Implementations are safe for several
/// processes sharing one store.
/// </summary>
public interface ITrackingStore : IAsyncDisposable
{
    /// <summary>The URI the store was opened with (for messages).</summary>
    string Uri { get; }

    // experiments
    Task<Experiment> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default);

    Task<Experiment?> GetExperimentAsync(string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Experiment>> ListExperimentsAsync(CancellationToken cancellationToken = default);

    // runs

    /// <summary>
    /// Creates the run, or returns the existing one with the same run id (or, for a step, the same
    /// parent and node instance id) with <c>Created = false</c>. Throws
    /// <see cref="TrackingConflictException"/> when that existing run differs in experiment, parent
    /// or kind, and <see cref="TrackingNotFoundException"/> when the parent does not exist.
    /// </summary>
    Task<RunCreateResult> CreateRunAsync(NewRun run, CancellationToken cancellationToken = default);

    Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken = default);

    Task<RunDetails?> GetRunDetailsAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Direct children of a run, ordered by creation.</summary>
    Task<IReadOnlyList<RunRecord>> GetChildRunsAsync(string parentRunId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the status and appends to the history (a change to the current status appends
    /// nothing). Running sets the start time once; terminal statuses set the end time; a terminal
    /// run set back to running (resume) has its end time cleared.
    /// </summary>
    Task<RunStatusUpdateResult> SetRunStatusAsync(string runId, RunStatusUpdate update, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RunStatusChange>> GetStatusHistoryAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Records the step's cache key and its components (a JSON object).</summary>
    Task SetCacheKeyAsync(string runId, string cacheKey, string componentsJson, CancellationToken cancellationToken = default);

    /// <summary>Marks the step as satisfied by an earlier step run with the same key (status Cached).</summary>
    Task MarkCachedAsync(string runId, string cachedFromRunId, CancellationToken cancellationToken = default);

    /// <summary>The most recent succeeded step run with this cache key, if any (a cache hit).</summary>
    Task<RunRecord?> FindSucceededByCacheKeyAsync(string cacheKey, CancellationToken cancellationToken = default);

    // step attempts and execution handles

    /// <summary>Records an attempt; recording the same (run, attempt) again updates its handle fields.</summary>
    Task RecordAttemptAsync(StepAttempt attempt, CancellationToken cancellationToken = default);

    Task EndAttemptAsync(string runId, int attempt, StepAttemptEnd end, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StepAttempt>> GetAttemptsAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Attempts not yet ended under a top-level run (or in the whole store when null): candidates for orphans.</summary>
    Task<IReadOnlyList<StepAttempt>> ListOpenAttemptsAsync(string? rootRunId = null, CancellationToken cancellationToken = default);

    // params and tags

    /// <summary>
    /// Parameters are write-once: logging the same value again is a no-op, a different value
    /// throws <see cref="TrackingConflictException"/>.
    /// </summary>
    Task LogParamsAsync(string runId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken = default);

    /// <summary>Tags are mutable: set overwrites.</summary>
    Task SetTagsAsync(string runId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default);

    Task DeleteTagAsync(string runId, string name, CancellationToken cancellationToken = default);

    // metrics

    /// <summary>Writes points in one transaction (points of several runs may be mixed).</summary>
    Task LogMetricsAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default);

    /// <summary>An asynchronous batched writer over this store (see <see cref="IMetricWriter"/>).</summary>
    IMetricWriter CreateMetricWriter(MetricWriterOptions? options = null);

    /// <summary>Every point of one metric of a run, ordered by step, then timestamp, then logging order.</summary>
    Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string name, CancellationToken cancellationToken = default);

    // artifacts and lineage

    /// <summary>Records that the run produced or consumed an artifact; idempotent on (run, direction, name).</summary>
    Task LogArtifactAsync(RunArtifact artifact, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RunArtifact>> GetArtifactsAsync(string runId, CancellationToken cancellationToken = default);

    Task<ArtifactLineage> GetLineageAsync(string digest, CancellationToken cancellationToken = default);

    // search

    /// <summary>Searches runs; throws <see cref="RunQueryException"/> for a bad filter or order-by.</summary>
    Task<RunPage> SearchRunsAsync(RunSearchRequest request, CancellationToken cancellationToken = default);
}
