using Microsoft.Data.Sqlite;
using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Sqlite;

/// <summary>The one place that maps run rows to <see cref="RunRecord"/>.</summary>
internal static class RunReader
{
    public const string Columns = """
        r.run_key, r.run_id, r.experiment_id, e.name, r.kind, r.name, r.parent_run_id, r.root_run_id,
        r.node_instance_id, r.pipeline, r.source_file, r.source_digest, r.plan_digest, r.git_commit,
        r.status, r.created_at, r.start_time, r.end_time, r.cache_key, r.cache_key_components, r.cached_from_run_id
        """;

    public const string From = "runs r JOIN experiments e ON e.id = r.experiment_id";

    public static string KindWord(RunKind kind) => kind.ToString().ToLowerInvariant();

    public static RunKind ParseKind(string word) => Enum.Parse<RunKind>(word, ignoreCase: true);

    public static RunStatus ParseStatus(string word) =>
        RunStatuses.TryParse(word, out var status) ? status : throw new TrackingStoreException($"the tracking database holds an unknown run status '{word}'");

    public static (long Key, RunRecord Run) Read(SqliteDataReader r) => (r.GetInt64(0), new RunRecord
    {
        RunId = r.GetString(1),
        ExperimentId = r.GetString(2),
        Experiment = r.GetString(3),
        Kind = ParseKind(r.GetString(4)),
        Name = r.GetString(5),
        ParentRunId = r.NullableString(6),
        RootRunId = r.GetString(7),
        NodeInstanceId = r.NullableString(8),
        Pipeline = r.NullableString(9),
        SourceFile = r.NullableString(10),
        SourceDigest = r.NullableString(11),
        PlanDigest = r.NullableString(12),
        GitCommit = r.NullableString(13),
        Status = ParseStatus(r.GetString(14)),
        CreatedAt = Sql.Time(r.GetInt64(15)),
        StartTime = r.NullableTime(16),
        EndTime = r.NullableTime(17),
        CacheKey = r.NullableString(18),
        CacheKeyComponentsJson = r.NullableString(19),
        CachedFromRunId = r.NullableString(20),
    });

    public static (long Key, RunRecord Run)? ReadOne(SqliteConnection connection, SqliteTransaction? transaction, string where, params (string, object?)[] parameters)
    {
        return Sql.Read(connection, transaction, $"SELECT {Columns} FROM {From} WHERE {where} LIMIT 1;", parameters,
            reader => reader.Read() ? Read(reader) : ((long, RunRecord)?)null);
    }

    public static List<RunRecord> ReadMany(SqliteConnection connection, SqliteTransaction? transaction, string whereAndOrder, params (string, object?)[] parameters)
    {
        using var command = Sql.Command(connection, transaction, $"SELECT {Columns} FROM {From} WHERE {whereAndOrder};", parameters);
        using var reader = command.ExecuteReader();
        var runs = new List<RunRecord>();
        while (reader.Read())
        {
            runs.Add(Read(reader).Run);
        }

        return runs;
    }

    /// <summary>The runs with these keys, in the order of <paramref name="keys"/>.</summary>
    public static List<(long Key, RunRecord Run)> ReadByKeys(SqliteConnection connection, IReadOnlyList<long> keys)
    {
        if (keys.Count == 0)
        {
            return [];
        }

        var parameters = keys.Select((key, i) => ("$k" + i, (object?)key)).ToArray();
        using var command = Sql.Command(connection, null, $"SELECT {Columns} FROM {From} WHERE r.run_key IN ({string.Join(", ", parameters.Select(p => p.Item1))});", parameters);
        using var reader = command.ExecuteReader();
        var byKey = new Dictionary<long, RunRecord>(keys.Count);
        while (reader.Read())
        {
            var (key, run) = Read(reader);
            byKey[key] = run;
        }

        return keys.Select(key => (key, byKey[key])).ToList();
    }
}
