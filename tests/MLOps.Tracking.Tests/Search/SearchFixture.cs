using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Tests.Search;

/// <summary>Five runs with known metrics, params, tags and times, in a real SQLite file shared by the search tests.</summary>
public sealed class SearchFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000); // 2023-11-14T22:13:20Z

    private readonly TempFolder _temp = new();

    public TrackingStores Stores { get; private set; } = null!;

    public string DatabasePath => _temp.DatabasePath;

    public async Task InitializeAsync()
    {
        Stores = _temp.OpenStores();
        await Add("r1", "resnet-a", "vision", "train", RunStatus.Succeeded, T0, TimeSpan.FromSeconds(100), new() { ["auc"] = 0.95, ["loss"] = 0.1 }, new() { ["lr"] = "0.1", ["model"] = "resnet" }, new() { ["team"] = "vision" });
        await Add("r2", "resnet-b", "vision", "train", RunStatus.Failed, T0.AddHours(1), TimeSpan.FromSeconds(10), new() { ["auc"] = 0.80 }, new() { ["lr"] = "0.01", ["model"] = "resnet" }, new() { ["team"] = "vision" });
        await Add("r3", "bert-a", "nlp", "train", RunStatus.Succeeded, T0.AddDays(1), TimeSpan.FromSeconds(60), new() { ["auc"] = 0.91 }, new() { ["lr"] = "0.001", ["model"] = "bert" }, new() { ["team"] = "nlp" });
        await Add("r4", "bert-b", "nlp", "train", RunStatus.Running, T0.AddDays(2), null, [], new() { ["lr"] = "0.01", ["model"] = "bert" }, []);
        await Add("r5", "o'brien", "vision", null, RunStatus.Queued, null, null, new() { ["auc"] = 0.5 }, new() { ["lr"] = "abc" }, []);
    }

    private async Task Add(string id, string name, string experiment, string? pipeline, RunStatus status, DateTimeOffset? start, TimeSpan? duration,
        Dictionary<string, double> metrics, Dictionary<string, string> parameters, Dictionary<string, string> tags)
    {
        var runs = Stores.Runs;
        await runs.CreateRunAsync(new NewRun { RunId = id, Experiment = experiment, Kind = RunKind.Pipeline, Name = name, Pipeline = pipeline, CreatedAt = T0.AddMinutes(int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture)) });
        if (start is { } s)
        {
            await runs.SetRunStatusAsync(id, new RunStatusUpdate(RunStatus.Running, At: s));
            if (duration is { } d)
            {
                await runs.SetRunStatusAsync(id, new RunStatusUpdate(status, At: s + d));
            }
        }

        await runs.LogMetricsAsync(metrics.Select(m => new MetricPoint(id, m.Key, m.Value, 0, T0)).ToList());
        await runs.LogParamsAsync(id, parameters);
        await runs.SetTagsAsync(id, tags);
    }

    public async Task DisposeAsync()
    {
        await Stores.DisposeAsync();
        _temp.Dispose();
    }
}
