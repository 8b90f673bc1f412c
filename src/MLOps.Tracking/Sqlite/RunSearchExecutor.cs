using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MLOps.Tracking.Sqlite;

/// <summary>Runs a <see cref="CompiledRunSearch"/>: the keys of one page (plus one, to tell whether more follow), in order.</summary>
internal static class RunSearchExecutor
{
    public static List<long> PageKeys(SqliteConnection connection, CompiledRunSearch compiled)
    {
        if (compiled.Walk is { } walk && WalkFirst(connection, compiled) && TryWalk(connection, walk, compiled) is { } walked)
        {
            return walked;
        }

        var keys = ReadKeys(connection, compiled.Primary);
        if (compiled.Fallback is { } fallback && keys.Count <= compiled.Limit)
        {
            // The page runs past the runs that have the order metric: continue with those without it.
            var withMetric = keys.Count > 0 || compiled.Offset == 0
                ? compiled.Offset + keys.Count
                : Convert.ToInt32(Sql.Scalar(connection, null, compiled.PrimaryCount!.Sql, [.. compiled.PrimaryCount.Parameters]), CultureInfo.InvariantCulture);
            keys.AddRange(ReadKeys(connection, fallback with
            {
                Parameters = [.. fallback.Parameters, ("$limit", compiled.Limit + 1 - keys.Count), ("$offset", Math.Max(0, compiled.Offset - withMetric))],
            }));
        }

        return keys;
    }

    /// <summary>
    /// Whether the walk is likely cheaper than the candidate set. With c candidates among n runs at
    /// most c/n of the runs match, so the walk looks at no fewer than (offset + limit)·n/c runs
    /// against the candidate plan's c: the two meet at c = √((offset + limit)·n).
    /// </summary>
    private static bool WalkFirst(SqliteConnection connection, CompiledRunSearch compiled)
    {
        if (compiled.Probe is not { } probe)
        {
            return true;
        }

        // Runs are never deleted and keys are assigned in order, so the largest key is the count.
        var runs = Convert.ToInt64(Sql.Scalar(connection, null, "SELECT COALESCE(MAX(run_key), 0) FROM runs;") ?? 0L, CultureInfo.InvariantCulture);
        var threshold = (long)Math.Ceiling(Math.Sqrt((double)(compiled.Offset + compiled.Limit + 1) * runs));
        var candidates = Convert.ToInt64(Sql.Scalar(connection, null, probe.Sql, [.. probe.Parameters, ("$probe", threshold)]), CultureInfo.InvariantCulture);
        return candidates >= threshold;
    }

    /// <summary>The walk's page when it is the answer: full, or the walk saw every run. Null sends the search to the candidate-set plan.</summary>
    private static List<long>? TryWalk(SqliteConnection connection, SqlStatement walk, CompiledRunSearch compiled)
    {
        long cutAt = long.MinValue, cutKey = long.MinValue;
        var cut = Sql.Read(connection, null, RunSearchCompiler.WalkCutoff, [("$walk", compiled.WalkRuns)], reader =>
        {
            if (!reader.Read())
            {
                return false;
            }

            (cutAt, cutKey) = (reader.GetInt64(0), reader.GetInt64(1));
            return true;
        });
        var keys = ReadKeys(connection, walk with { Parameters = [.. walk.Parameters, ("$cut_at", cutAt), ("$cut_key", cutKey)] });
        return keys.Count > compiled.Limit || !cut ? keys : null;
    }

    private static List<long> ReadKeys(SqliteConnection connection, SqlStatement statement)
    {
        using var command = Sql.Command(connection, null, statement.Sql, [.. statement.Parameters]);
        using var reader = command.ExecuteReader();
        var keys = new List<long>();
        while (reader.Read())
        {
            keys.Add(reader.GetInt64(0));
        }

        return keys;
    }
}
