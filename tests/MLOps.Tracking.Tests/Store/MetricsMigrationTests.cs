using Microsoft.Data.Sqlite;
using MLOps.Tracking.Runs;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests.Store;

/// <summary>A store written with schema version 3 (rowid metrics table) opens with its history intact.</summary>
public sealed class MetricsMigrationTests
{
    [Fact]
    public async Task Version_3_history_keeps_every_point_and_the_order_of_equal_steps_and_times()
    {
        using var temp = new TempFolder();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        using (var connection = new SqliteConnection("Data Source=" + temp.DatabasePath))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL);");
            foreach (var (version, description, sql) in SqliteSchema.Migrations.Where(m => m.Version <= 3))
            {
                Execute(connection, sql);
                Execute(connection, $"INSERT INTO schema_migrations VALUES ({version}, '{description.Replace("'", "''", StringComparison.Ordinal)}', 0);");
            }

            Execute(connection, """
                INSERT INTO experiments VALUES ('e1', 'e', 0);
                INSERT INTO runs (run_key, run_id, experiment_id, kind, name, root_run_id, status, created_at) VALUES (1, 'r', 'e1', 'pipeline', 'r', 'r', 'running', 0);
                INSERT INTO metrics (run_key, name, step, ts, value) VALUES (1, 'loss', 1, 1700000000000, 0.3);
                INSERT INTO metrics (run_key, name, step, ts, value) VALUES (1, 'loss', 0, 1700000000000, 0.9);
                INSERT INTO metrics (run_key, name, step, ts, value) VALUES (1, 'loss', 1, 1700000000000, 0.1);
                INSERT INTO metrics (run_key, name, step, ts, value) VALUES (1, 'loss', 1, 1700000000000, 0.2);
                INSERT INTO metrics_latest VALUES (1, 'loss', 1, 1700000000000, 0.2);
                """);
        }

        await using var stores = temp.OpenStores();
        // Equal step and time: the order they were logged in (the old rowid order).
        Assert.Equal([0.9, 0.3, 0.1, 0.2], (await stores.Runs.GetMetricHistoryAsync("r", "loss")).Select(p => p.Value));

        // New points with the same step and time follow the migrated ones.
        await stores.Runs.LogMetricsAsync([new MetricPoint("r", "loss", 0.05, 1, t0), new MetricPoint("r", "loss", 0.04, 1, t0)]);
        Assert.Equal([0.9, 0.3, 0.1, 0.2, 0.05, 0.04], (await stores.Runs.GetMetricHistoryAsync("r", "loss")).Select(p => p.Value));
        Assert.Equal(0.04, (await stores.Runs.GetRunDetailsAsync("r"))!.Metrics["loss"]);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
