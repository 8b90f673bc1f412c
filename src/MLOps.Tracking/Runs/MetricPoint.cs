namespace MLOps.Tracking.Runs;

/// <summary>
/// One value of a metric. A metric's history is every point logged for it; its "latest" value
/// (used by search and listings) is the point with the highest step, then the latest timestamp,
/// then the last logged.
/// </summary>
public readonly record struct MetricPoint(string RunId, string Name, double Value, long Step, DateTimeOffset Timestamp);

/// <summary>Tuning for <see cref="IMetricWriter"/>.</summary>
public sealed record MetricWriterOptions
{
    /// <summary>Most points written in one transaction.</summary>
    public int MaxBatchSize { get; init; } = 20_000;

    /// <summary>Points buffered before <see cref="IMetricWriter.Log"/> blocks the caller (back-pressure).</summary>
    public int Capacity { get; init; } = 1_000_000;
}

/// <summary>
/// Asynchronous batched metric writer: <see cref="Log"/> enqueues and returns at once; a
/// background task writes whatever has queued up in one transaction as soon as the previous
/// write ends (so batches grow with load and a lone point is written at once). Dispose (or <see cref="FlushAsync"/>)
/// to make sure every logged point is stored. A failed write is reported by the next
/// <see cref="FlushAsync"/> or by dispose.
/// </summary>
public interface IMetricWriter : IAsyncDisposable
{
    void Log(in MetricPoint point);

    void Log(string runId, string name, double value, long step = 0, DateTimeOffset? timestamp = null);

    /// <summary>Completes when every point logged before the call is stored.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Points stored so far.</summary>
    long Written { get; }
}
