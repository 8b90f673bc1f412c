using MLOps.Tracking.Runs;
using MLOps.Tracking.Search;

namespace MLOps.Tracking.Tests.Search;

public sealed class RunPagingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<TrackingStores> StoreWith25Runs()
    {
        var stores = _temp.OpenStores();
        for (var i = 0; i < 25; i++)
        {
            var id = $"run{i:D2}";
            await stores.Runs.CreateRunAsync(new NewRun { RunId = id, Experiment = "e", Kind = RunKind.Pipeline, Name = id });
            // Many ties (i % 7) so paging depends on the tie-breaker.
            await stores.Runs.LogMetricsAsync([new MetricPoint(id, "m", i % 7, 0, DateTimeOffset.UtcNow)]);
        }

        return stores;
    }

    [Fact]
    public async Task Page_tokens_walk_every_run_once_in_order()
    {
        await using var stores = await StoreWith25Runs();
        var all = (await stores.Runs.SearchRunsAsync(new RunSearchRequest { OrderBy = "metrics.m desc", Limit = 100 })).Runs.Select(r => r.Run.RunId).ToList();
        Assert.Equal(25, all.Count);

        var pages = new List<List<string>>();
        string? token = null;
        do
        {
            var page = await stores.Runs.SearchRunsAsync(new RunSearchRequest { OrderBy = "metrics.m desc", Limit = 10, PageToken = token });
            pages.Add(page.Runs.Select(r => r.Run.RunId).ToList());
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        Assert.Equal(all, pages.SelectMany(p => p));
        var values = (await stores.Runs.SearchRunsAsync(new RunSearchRequest { OrderBy = "metrics.m desc", Limit = 100 })).Runs.Select(r => r.Metrics["m"]).ToList();
        Assert.Equal(values.OrderDescending(), values);
    }

    [Fact]
    public async Task Ordering_by_a_metric_only_some_runs_have_pages_across_the_missing_ones()
    {
        await using var stores = await StoreWith25Runs();
        for (var i = 0; i < 25; i += 2)
        {
            await stores.Runs.LogMetricsAsync([new MetricPoint($"run{i:D2}", "x", i, 0, DateTimeOffset.UtcNow)]);
        }

        foreach (var size in new[] { 3, 5, 13, 24 })
        {
            var seen = new List<RunDetails>();
            string? token = null;
            do
            {
                var page = await stores.Runs.SearchRunsAsync(new RunSearchRequest { OrderBy = "metrics.x desc", Limit = size, PageToken = token });
                seen.AddRange(page.Runs);
                token = page.NextPageToken;
            }
            while (token is not null);

            Assert.Equal(25, seen.Select(r => r.Run.RunId).Distinct().Count());
            Assert.Equal(Enumerable.Range(0, 13).Select(i => 24.0 - (2 * i)), seen.Take(13).Select(r => r.Metrics["x"]));
            Assert.All(seen.Skip(13), r => Assert.False(r.Metrics.ContainsKey("x")));
        }

        var deep = await stores.Runs.SearchRunsAsync(new RunSearchRequest { Filter = "metrics.m >= 0", OrderBy = "metrics.x asc", Limit = 5, Offset = 20 });
        Assert.Equal(5, deep.Runs.Count);
        Assert.All(deep.Runs, r => Assert.False(r.Metrics.ContainsKey("x")));
        Assert.Null(deep.NextPageToken);
    }

    [Fact]
    public async Task Offset_paging_matches_token_paging_and_ends_cleanly()
    {
        await using var stores = await StoreWith25Runs();
        var second = await stores.Runs.SearchRunsAsync(new RunSearchRequest { Filter = "metrics.m >= 0", OrderBy = "name", Limit = 10, Offset = 10 });
        Assert.Equal(Enumerable.Range(10, 10).Select(i => $"run{i:D2}"), second.Runs.Select(r => r.Run.RunId));
        var last = await stores.Runs.SearchRunsAsync(new RunSearchRequest { OrderBy = "name", Limit = 5, Offset = 20 });
        Assert.Equal(5, last.Runs.Count);
        Assert.Null(last.NextPageToken);
        Assert.Empty((await stores.Runs.SearchRunsAsync(new RunSearchRequest { Limit = 5, Offset = 100 })).Runs);
    }

    [Fact]
    public async Task A_token_from_another_query_or_a_forged_token_is_refused()
    {
        await using var stores = await StoreWith25Runs();
        var page = await stores.Runs.SearchRunsAsync(new RunSearchRequest { OrderBy = "name", Limit = 10 });
        var other = await Assert.ThrowsAsync<ArgumentException>(() => stores.Runs.SearchRunsAsync(new RunSearchRequest { OrderBy = "name desc", Limit = 10, PageToken = page.NextPageToken }));
        Assert.Contains("another query", other.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Runs.SearchRunsAsync(new RunSearchRequest { PageToken = "'; DROP TABLE runs; --" }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => stores.Runs.SearchRunsAsync(new RunSearchRequest { Limit = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => stores.Runs.SearchRunsAsync(new RunSearchRequest { Limit = 10, Offset = -1 }));
    }
}
