using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MLOps.Tracking.Sqlite;

/// <summary>
/// The insert of metric history points, bound by position and stepped through SQLitePCL directly,
/// inside the caller's transaction. Through <see cref="SqliteCommand"/> every point also paid for
/// a data reader, a by-name lookup of each parameter and boxed values: nearly half of a point's
/// cost at hundreds of thousands of points a second (docs/performance.md).
/// </summary>
internal sealed class MetricHistoryInsert : IDisposable
{
    private const string Text = "INSERT INTO metrics (run_key, name, step, ts, seq, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6);";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    // A batch names few metrics many times: each name is encoded once.
    private readonly Dictionary<string, byte[]> _names = new(StringComparer.Ordinal);

    public MetricHistoryInsert(SqliteConnection connection)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        var rc = raw.sqlite3_prepare_v2(_db, Text, out _statement);
        SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Insert(long runKey, string name, long step, long ts, long seq, double value)
    {
        if (!_names.TryGetValue(name, out var utf8))
        {
            _names[name] = utf8 = Encoding.UTF8.GetBytes(name);
        }

        raw.sqlite3_bind_int64(_statement, 1, runKey);
        raw.sqlite3_bind_text(_statement, 2, utf8);
        raw.sqlite3_bind_int64(_statement, 3, step);
        raw.sqlite3_bind_int64(_statement, 4, ts);
        raw.sqlite3_bind_int64(_statement, 5, seq);
        // SQLite stores NaN as NULL; reading NULL back gives NaN.
        if (double.IsNaN(value))
        {
            raw.sqlite3_bind_null(_statement, 6);
        }
        else
        {
            raw.sqlite3_bind_double(_statement, 6, value);
        }

        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }

    public void Dispose() => _statement.Dispose();
}
