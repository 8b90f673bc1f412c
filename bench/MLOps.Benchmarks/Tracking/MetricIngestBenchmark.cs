using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MLOps.Tracking;
using MLOps.Tracking.Runs;
using static MLOps.Benchmarks.Tracking.BenchStats;

namespace MLOps.Benchmarks.Tracking;

/// <summary>
/// Metric ingest: points/s through the batched writer (Log from 4 threads, then dispose) against
/// raw batched inserts into the same metrics table (prepared statement, 20,000 rows a transaction,
/// no latest-value upkeep), plus the time from Log to stored for one point on an idle writer.
/// </summary>
public sealed class MetricIngestBenchmark : IBenchmark
{
    public string Name => "tracking-metric-ingest";

    public string Description => "metric points/s: batched writer vs raw batched SQLite inserts; Log-to-stored latency";

    public async Task RunAsync(string[] args)
    {
        var points = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
        Console.WriteLine($"{points:N0} points, 10 runs x 10 metrics, SQLite WAL, synchronous=NORMAL");
        Console.WriteLine();
        Console.WriteLine("| path | points | seconds | points/s |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var round = 0; round < 2; round++)
        {
            var writer = await WriterAsync(points);
            var raw = RawInserts(points);
            Console.WriteLine($"| batched writer (round {round + 1}) | {points:N0} | {F(writer)} | {F(points / writer, 0)} |");
            Console.WriteLine($"| raw batched inserts (round {round + 1}) | {points:N0} | {F(raw)} | {F(points / raw, 0)} |");
        }

        var (p50, p99, max) = await LatencyAsync();
        Console.WriteLine();
        Console.WriteLine("| Log → stored (one point, idle writer, 500 samples) | ms |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| p50 | {F(p50, 3)} |");
        Console.WriteLine($"| p99 | {F(p99, 3)} |");
        Console.WriteLine($"| max | {F(max, 3)} |");
    }

    private static async Task<TrackingStores> StoreWithRunsAsync(string folder)
    {
        var stores = TrackingStoreFactory.Open("sqlite://" + Path.Combine(folder, "tracking.db"));
        for (var r = 0; r < 10; r++)
        {
            await stores.Runs.CreateRunAsync(new NewRun { RunId = $"run{r}", Experiment = "bench", Kind = RunKind.Pipeline, Name = $"run{r}" });
        }

        return stores;
    }

    private static async Task<double> WriterAsync(int points)
    {
        var folder = ScratchFolder("ingest");
        try
        {
            await using var stores = await StoreWithRunsAsync(folder);
            var names = Enumerable.Range(0, 10).Select(i => $"metric{i}").ToArray();
            var runs = Enumerable.Range(0, 10).Select(i => $"run{i}").ToArray();
            var now = DateTimeOffset.UtcNow;
            var watch = Stopwatch.StartNew();
            await using (var writer = stores.Runs.CreateMetricWriter())
            {
                const int threads = 4;
                await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
                {
                    for (var i = t; i < points; i += threads)
                    {
                        writer.Log(new MetricPoint(runs[i % 10], names[(i / 10) % 10], i * 0.5, i / 100, now));
                    }
                })));
            }

            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Remove(folder);
        }
    }

    private static double RawInserts(int points)
    {
        var folder = ScratchFolder("raw");
        try
        {
            var path = Path.Combine(folder, "tracking.db");
            // Same schema (created by the store), then plain inserts into the history table only.
            StoreWithRunsAsync(folder).GetAwaiter().GetResult().DisposeAsync().AsTask().GetAwaiter().GetResult();
            using var connection = new SqliteConnection($"Data Source={path}");
            connection.Open();
            using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
                pragma.ExecuteNonQuery();
            }

            var names = Enumerable.Range(0, 10).Select(i => $"metric{i}").ToArray();
            var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var watch = Stopwatch.StartNew();
            for (var start = 0; start < points; start += 20_000)
            {
                using var transaction = connection.BeginTransaction();
                using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO metrics (run_key, name, step, ts, value) VALUES ($k, $n, $s, $t, $v);";
                var k = insert.Parameters.Add("$k", SqliteType.Integer);
                var n = insert.Parameters.Add("$n", SqliteType.Text);
                var s = insert.Parameters.Add("$s", SqliteType.Integer);
                var t = insert.Parameters.Add("$t", SqliteType.Integer);
                var v = insert.Parameters.Add("$v", SqliteType.Real);
                insert.Prepare();
                for (var i = start; i < Math.Min(points, start + 20_000); i++)
                {
                    k.Value = (i % 10) + 1;
                    n.Value = names[(i / 10) % 10];
                    s.Value = i / 100;
                    t.Value = ts;
                    v.Value = i * 0.5;
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }

            return watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Remove(folder);
        }
    }

    private static async Task<(double P50, double P99, double Max)> LatencyAsync()
    {
        var folder = ScratchFolder("latency");
        try
        {
            await using var stores = await StoreWithRunsAsync(folder);
            await using var writer = stores.Runs.CreateMetricWriter();
            var samples = new List<double>();
            for (var i = 0; i < 550; i++)
            {
                var watch = Stopwatch.StartNew();
                writer.Log("run0", "latency", i, i);
                await writer.FlushAsync();
                if (i >= 50)
                {
                    samples.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            return (Percentile(samples, 50), Percentile(samples, 99), samples.Max());
        }
        finally
        {
            Remove(folder);
        }
    }
}
