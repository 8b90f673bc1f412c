using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Tests.Runs;

public sealed class MetricTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    private async Task<TrackingStores> StoreWithRun(params string[] runIds)
    {
        var stores = _temp.OpenStores();
        foreach (var id in runIds)
        {
            await stores.Runs.CreateRunAsync(new NewRun { RunId = id, Experiment = "e", Kind = RunKind.Pipeline, Name = id });
        }

        return stores;
    }

    [Fact]
    public async Task History_is_ordered_by_step_then_time_and_latest_is_the_highest_step()
    {
        await using var stores = await StoreWithRun("r");
        await stores.Runs.LogMetricsAsync([
            new MetricPoint("r", "loss", 0.5, 2, T0.AddSeconds(2)),
            new MetricPoint("r", "loss", 0.9, 0, T0),
            new MetricPoint("r", "loss", 0.7, 1, T0.AddSeconds(1)),
        ]);
        // A late point for an earlier step must not become the latest value.
        await stores.Runs.LogMetricsAsync([new MetricPoint("r", "loss", 0.8, 1, T0.AddSeconds(9))]);

        var history = await stores.Runs.GetMetricHistoryAsync("r", "loss");
        Assert.Equal([(0L, 0.9), (1, 0.7), (1, 0.8), (2, 0.5)], history.Select(p => (p.Step, p.Value)));
        Assert.Equal(T0.AddSeconds(2), history[3].Timestamp);
        Assert.Equal(0.5, (await stores.Runs.GetRunDetailsAsync("r"))!.Metrics["loss"]);
    }

    [Fact]
    public async Task Same_step_later_timestamp_wins_and_nan_round_trips()
    {
        await using var stores = await StoreWithRun("r");
        await stores.Runs.LogMetricsAsync([new MetricPoint("r", "m", 1, 5, T0), new MetricPoint("r", "m", double.NaN, 5, T0.AddSeconds(1))]);
        Assert.True(double.IsNaN((await stores.Runs.GetRunDetailsAsync("r"))!.Metrics["m"]));
        var history = await stores.Runs.GetMetricHistoryAsync("r", "m");
        Assert.Equal(2, history.Count);
        Assert.True(double.IsNaN(history[1].Value));
    }

    [Fact]
    public async Task A_batch_with_an_unknown_run_writes_nothing()
    {
        await using var stores = await StoreWithRun("r");
        await Assert.ThrowsAsync<TrackingNotFoundException>(() => stores.Runs.LogMetricsAsync([new MetricPoint("r", "m", 1, 0, T0), new MetricPoint("ghost", "m", 1, 0, T0)]));
        Assert.Empty(await stores.Runs.GetMetricHistoryAsync("r", "m"));
    }

    [Fact]
    public async Task Batched_writer_stores_every_point_from_many_threads_in_order_per_thread()
    {
        await using var stores = await StoreWithRun("a", "b", "c", "d");
        await using (var writer = stores.Runs.CreateMetricWriter(new MetricWriterOptions { MaxBatchSize = 500, Capacity = 1000 }))
        {
            var runs = new[] { "a", "b", "c", "d" };
            await Task.WhenAll(runs.Select(run => Task.Run(() =>
            {
                for (var step = 0; step < 5_000; step++)
                {
                    writer.Log(run, "loss", 1.0 / (step + 1), step, T0.AddMilliseconds(step));
                }
            })));
            await writer.FlushAsync();
            Assert.Equal(20_000, writer.Written);
        }

        foreach (var run in new[] { "a", "b", "c", "d" })
        {
            var history = await stores.Runs.GetMetricHistoryAsync(run, "loss");
            Assert.Equal(Enumerable.Range(0, 5_000).Select(i => (long)i), history.Select(p => p.Step));
            Assert.Equal(1.0 / 5_000, (await stores.Runs.GetRunDetailsAsync(run))!.Metrics["loss"]);
        }
    }

    [Fact]
    public async Task Flush_makes_points_visible_to_another_store_instance()
    {
        await using var stores = await StoreWithRun("r");
        await using var writer = stores.Runs.CreateMetricWriter();
        writer.Log("r", "acc", 0.75, 1);
        await writer.FlushAsync();
        await using var reader = _temp.OpenStores();
        Assert.Equal(0.75, (await reader.Runs.GetMetricHistoryAsync("r", "acc")).Single().Value);
    }

    [Fact]
    public async Task Writer_reports_points_of_unknown_runs_but_keeps_the_rest()
    {
        await using var stores = await StoreWithRun("r");
        var writer = stores.Runs.CreateMetricWriter();
        writer.Log("r", "m", 1);
        writer.Log("ghost", "m", 2);
        var error = await Assert.ThrowsAsync<TrackingNotFoundException>(() => writer.FlushAsync());
        Assert.Contains("'ghost'", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TrackingNotFoundException>(async () => await writer.DisposeAsync());
        Assert.Single(await stores.Runs.GetMetricHistoryAsync("r", "m"));
    }
}
