using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MLOps.Tracking;
using MLOps.Tracking.Runs;
using SQLitePCL;
using static MLOps.Benchmarks.Tracking.BenchStats;

namespace MLOps.Benchmarks.Tracking;

/// <summary>
/// Metric ingest: points/s through the batched writer (Log from 4 threads, then dispose) against
/// raw batched inserts into the same metrics table (prepared statement, 20,000 rows a transaction,
/// no latest-value upkeep; once through SqliteCommand, once bound through SQLitePCL as the store
/// does), plus the time from Log to stored for one point on an idle writer.
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
            var raw = RawInserts(points, direct: false);
            var direct = RawInserts(points, direct: true);
            Console.WriteLine($"| batched writer (round {round + 1}) | {points:N0} | {F(writer)} | {F(points / writer, 0)} |");
            Console.WriteLine($"| raw batched inserts, SqliteCommand (round {round + 1}) | {points:N0} | {F(raw)} | {F(points / raw, 0)} |");
            Console.WriteLine($"| raw batched inserts, SQLitePCL (round {round + 1}) | {points:N0} | {F(direct)} | {F(points / direct, 0)} |");
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

    private static double RawInserts(int points, bool direct)
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
                var end = Math.Min(points, start + 20_000);
                if (direct)
                {
                    DirectInserts(connection, names, ts, start, end);
                }
                else
                {
                    CommandInserts(connection, transaction, names, ts, start, end);
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

    private static void CommandInserts(SqliteConnection connection, SqliteTransaction transaction, string[] names, long ts, int start, int end)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO metrics (run_key, name, step, ts, seq, value) VALUES ($k, $n, $s, $t, $q, $v);";
        var k = insert.Parameters.Add("$k", SqliteType.Integer);
        var n = insert.Parameters.Add("$n", SqliteType.Text);
        var s = insert.Parameters.Add("$s", SqliteType.Integer);
        var t = insert.Parameters.Add("$t", SqliteType.Integer);
        var q = insert.Parameters.Add("$q", SqliteType.Integer);
        var v = insert.Parameters.Add("$v", SqliteType.Real);
        insert.Prepare();
        for (var i = start; i < end; i++)
        {
            k.Value = (i % 10) + 1;
            n.Value = names[(i / 10) % 10];
            s.Value = i / 100;
            t.Value = ts;
            q.Value = i;
            v.Value = i * 0.5;
            insert.ExecuteNonQuery();
        }
    }

    private static void DirectInserts(SqliteConnection connection, string[] names, long ts, int start, int end)
    {
        var utf8 = names.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();
        var db = connection.Handle!;
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(db, "INSERT INTO metrics (run_key, name, step, ts, seq, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6);", out var insert), db);
        using (insert)
        {
            for (var i = start; i < end; i++)
            {
                raw.sqlite3_bind_int64(insert, 1, (i % 10) + 1);
                raw.sqlite3_bind_text(insert, 2, utf8[(i / 10) % 10]);
                raw.sqlite3_bind_int64(insert, 3, i / 100);
                raw.sqlite3_bind_int64(insert, 4, ts);
                raw.sqlite3_bind_int64(insert, 5, i);
                raw.sqlite3_bind_double(insert, 6, i * 0.5);
                var rc = raw.sqlite3_step(insert);
                raw.sqlite3_reset(insert);
                SqliteException.ThrowExceptionForRC(rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc, db);
            }
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
