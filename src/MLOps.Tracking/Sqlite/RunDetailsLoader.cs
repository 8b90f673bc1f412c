using System.Text;
using Microsoft.Data.Sqlite;
using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Sqlite;

/// <summary>Loads params, tags and latest metrics of a page of runs in three queries.</summary>
internal static class RunDetailsLoader
{
    public static List<RunDetails> Load(SqliteConnection connection, IReadOnlyList<(long Key, RunRecord Run)> runs)
    {
        var parameters = new Dictionary<long, Dictionary<string, string>>();
        var tags = new Dictionary<long, Dictionary<string, string>>();
        var metrics = new Dictionary<long, Dictionary<string, double>>();
        foreach (var (key, _) in runs)
        {
            parameters[key] = new Dictionary<string, string>(StringComparer.Ordinal);
            tags[key] = new Dictionary<string, string>(StringComparer.Ordinal);
            metrics[key] = new Dictionary<string, double>(StringComparer.Ordinal);
        }

        if (runs.Count > 0)
        {
            var keys = new StringBuilder();
            var keyParameters = new List<(string, object?)>();
            for (var i = 0; i < runs.Count; i++)
            {
                keys.Append(i == 0 ? "" : ", ").Append("$k").Append(i);
                keyParameters.Add(("$k" + i, runs[i].Key));
            }

            ReadPairs(connection, $"SELECT run_key, name, value FROM params WHERE run_key IN ({keys});", keyParameters, (k, n, r) => parameters[k][n] = r.GetString(2));
            ReadPairs(connection, $"SELECT run_key, name, value FROM tags WHERE run_key IN ({keys});", keyParameters, (k, n, r) => tags[k][n] = r.GetString(2));
            ReadPairs(connection, $"SELECT run_key, name, value FROM metrics_latest WHERE run_key IN ({keys});", keyParameters, (k, n, r) => metrics[k][n] = r.IsDBNull(2) ? double.NaN : r.GetDouble(2));
        }

        return runs.Select(r => new RunDetails(r.Run, parameters[r.Key], tags[r.Key], metrics[r.Key])).ToList();
    }

    private static void ReadPairs(SqliteConnection connection, string sql, List<(string, object?)> parameters, Action<long, string, SqliteDataReader> add)
    {
        using var command = Sql.Command(connection, null, sql, [.. parameters]);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            add(reader.GetInt64(0), reader.GetString(1), reader);
        }
    }
}
