using System.Threading.Channels;
using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Sqlite;

/// <summary>
/// Queues points and writes them from one background task: each transaction takes everything
/// queued (up to the batch size) when the previous one ends, so batches grow with load.
/// </summary>
internal sealed class BatchedMetricWriter : IMetricWriter
{
    private readonly SqliteTrackingStore _store;
    private readonly MetricWriterOptions _options;
    private readonly Channel<MetricPoint> _channel;
    private readonly Task _loop;
    private readonly object _gate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = [];
    private readonly HashSet<string> _unknownRuns = new(StringComparer.Ordinal);
    private long _enqueued;
    private long _processed;
    private long _written;
    private Exception? _failure;

    public BatchedMetricWriter(SqliteTrackingStore store, MetricWriterOptions options)
    {
        if (options.MaxBatchSize < 1 || options.Capacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxBatchSize and Capacity must be at least 1");
        }

        _store = store;
        _options = options;
        _channel = Channel.CreateBounded<MetricPoint>(new BoundedChannelOptions(options.Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    public long Written => Interlocked.Read(ref _written);

    public void Log(in MetricPoint point)
    {
        if (string.IsNullOrWhiteSpace(point.Name))
        {
            throw new ArgumentException("the metric name is empty", nameof(point));
        }

        Interlocked.Increment(ref _enqueued);
        if (!_channel.Writer.TryWrite(point))
        {
            // Full: back-pressure on the caller rather than unbounded memory.
            var pending = _channel.Writer.WriteAsync(point);
            if (!pending.IsCompleted)
            {
                pending.AsTask().GetAwaiter().GetResult();
            }
        }
    }

    public void Log(string runId, string name, double value, long step = 0, DateTimeOffset? timestamp = null) =>
        Log(new MetricPoint(runId, name, value, step, timestamp ?? DateTimeOffset.UtcNow));

    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        Task wait;
        lock (_gate)
        {
            var target = Interlocked.Read(ref _enqueued);
            if (_processed >= target)
            {
                return ThrowIfFailed();
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
            wait = done.Task;
        }

        return WaitThenCheck(wait, cancellationToken);
    }

    private async Task WaitThenCheck(Task wait, CancellationToken cancellationToken)
    {
        await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        await ThrowIfFailed().ConfigureAwait(false);
    }

    private Task ThrowIfFailed()
    {
        lock (_gate)
        {
            if (_failure is not null)
            {
                return Task.FromException(_failure);
            }

            if (_unknownRuns.Count > 0)
            {
                var runs = string.Join(", ", _unknownRuns.Order(StringComparer.Ordinal).Take(5).Select(r => $"'{r}'"));
                return Task.FromException(new TrackingNotFoundException($"metrics were logged for runs that do not exist and were dropped: {runs}"));
            }
        }

        return Task.CompletedTask;
    }

    private async Task RunAsync()
    {
        var batch = new List<MetricPoint>(Math.Min(_options.MaxBatchSize, 65_536));
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < _options.MaxBatchSize && reader.TryRead(out var point))
            {
                batch.Add(point);
            }

            var unknown = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                await _store.WriteMetricsAsync(batch, unknown, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Add(ref _written, batch.Count - batch.Count(p => unknown.Contains(p.RunId)));
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _failure ??= new TrackingStoreException($"writing {batch.Count} metric points failed: {e.Message}", e);
                }
            }

            Completed(batch.Count, unknown);
            batch.Clear();
        }
    }

    private void Completed(int count, HashSet<string> unknown)
    {
        List<TaskCompletionSource> ready = [];
        lock (_gate)
        {
            _unknownRuns.UnionWith(unknown);
            _processed += count;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target <= _processed)
                {
                    ready.Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var done in ready)
        {
            done.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        await ThrowIfFailed().ConfigureAwait(false);
    }
}
