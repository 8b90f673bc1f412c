using System.Diagnostics;
using Microsoft.Data.Sqlite;
using MLOps.Tracking;
using MLOps.Tracking.Search;
using static MLOps.Benchmarks.Tracking.BenchStats;

namespace MLOps.Benchmarks.Tracking;

/// <summary>
/// Search latency over 100,000 runs with 10 metrics, 10 params and 2 tags each (filled by bulk SQL
/// into the store's own schema, since creating runs one call at a time is not what is measured).
/// Each query runs 3 times to warm up, then 30 times; the table shows p50 and p99.
/// </summary>
public sealed class RunSearchBenchmark : IBenchmark
{
    public string Name => "tracking-search";

    public string Description => "run search p50/p99 over 100,000 runs x 10 metrics x 10 params";

    private static readonly (string Filter, string? OrderBy, int Offset)[] Queries =
    [
        ("", null, 0),
        ("metrics.m0 > 0.99", null, 0),
        ("metrics.m0 > 0.5 and params.p1 = '3'", null, 0),
        ("status = 'failed' or metrics.m3 < 0.01", null, 0),
        ("params.p2 in ('1', '2', '3') and not tags.team = 'a'", null, 0),
        ("params.p4 > 7 and metrics.m2 <= 0.1", null, 0),
        ("experiment = 'exp2' and metrics.m5 > 0.9", "metrics.m5 desc", 0),
        ("name like 'run-0001%'", null, 0),
        ("duration > 3590", "duration desc", 0),
        ("", "metrics.m1 desc", 0),
        ("metrics.m1 > 0.9", "metrics.m1 desc", 0),
        ("", "start_time", 5_000),
    ];

    public async Task RunAsync(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        var folder = ScratchFolder("search");
        try
        {
            var path = Path.Combine(folder, "tracking.db");
            await using (TrackingStoreFactory.Open("sqlite://" + path))
            {
            }

            var fill = Stopwatch.StartNew();
            Fill(path, runs);
            Console.WriteLine($"{runs:N0} runs filled in {F(fill.Elapsed.TotalSeconds)} s; page size 100");
            Console.WriteLine();
            Console.WriteLine("| filter | order by | offset | rows | p50 ms | p99 ms |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|");
            await using var stores = TrackingStoreFactory.Open("sqlite://" + path);
            foreach (var (filter, orderBy, offset) in Queries)
            {
                var request = new RunSearchRequest { Filter = filter, OrderBy = orderBy, Limit = 100, Offset = offset };
                var samples = new List<double>();
                var rows = 0;
                for (var i = 0; i < 33; i++)
                {
                    var watch = Stopwatch.StartNew();
                    var page = await stores.Runs.SearchRunsAsync(request);
                    if (i >= 3)
                    {
                        samples.Add(watch.Elapsed.TotalMilliseconds);
                    }

                    rows = page.Runs.Count;
                }

                Console.WriteLine($"| `{(filter.Length == 0 ? "(none)" : filter.Replace("|", "\\|", StringComparison.Ordinal))}` | {orderBy ?? "(default)"} | {offset} | {rows} | {F(Percentile(samples, 50))} | {F(Percentile(samples, 99))} |");
            }
        }
        finally
        {
            Remove(folder);
        }
    }

    private static void Fill(string path, int runs)
    {
        using var connection = new SqliteConnection($"Data Source={path}");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        Exec(connection, transaction, "INSERT INTO experiments (id, name, created_at) VALUES ('e0','exp0',0),('e1','exp1',0),('e2','exp2',0),('e3','exp3',0),('e4','exp4',0);");
        var random = new Random(42);
        var statuses = new[] { "succeeded", "succeeded", "succeeded", "failed", "cancelled" };
        using var run = Command(connection, transaction, """
            INSERT INTO runs (run_key, run_id, experiment_id, kind, name, root_run_id, pipeline, status, created_at, start_time, end_time)
            VALUES ($k, $id, $e, 'pipeline', $name, $id, 'train', $s, $t, $t, $end);
            """, "$k", "$id", "$e", "$name", "$s", "$t", "$end");
        using var metric = Command(connection, transaction, "INSERT INTO metrics_latest (run_key, name, step, ts, value) VALUES ($k, $n, 0, 0, $v);", "$k", "$n", "$v");
        using var param = Command(connection, transaction, "INSERT INTO params (run_key, name, value, num_value) VALUES ($k, $n, $v, $num);", "$k", "$n", "$v", "$num");
        using var tag = Command(connection, transaction, "INSERT INTO tags (run_key, name, value, num_value) VALUES ($k, $n, $v, NULL);", "$k", "$n", "$v");
        var start = DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        for (var i = 1; i <= runs; i++)
        {
            var t = start + (i * 60_000L);
            Set(run, i, $"run-{i:D6}", $"e{i % 5}", $"run-{i:D6}", statuses[random.Next(statuses.Length)], t, t + random.Next(1, 3_600_000));
            for (var m = 0; m < 10; m++)
            {
                Set(metric, i, $"m{m}", random.NextDouble());
            }

            for (var p = 0; p < 10; p++)
            {
                var value = random.Next(10);
                Set(param, i, $"p{p}", value.ToString(System.Globalization.CultureInfo.InvariantCulture), (double)value);
            }

            Set(tag, i, "team", random.Next(3) == 0 ? "a" : "b");
            Set(tag, i, "owner", $"user{random.Next(50)}");
        }

        transaction.Commit();
        Exec(connection, null, "ANALYZE;");
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] names)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in names)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }

        command.Prepare();
        return command;
    }

    private static void Set(SqliteCommand command, params object[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i];
        }

        command.ExecuteNonQuery();
    }

    private static void Exec(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
