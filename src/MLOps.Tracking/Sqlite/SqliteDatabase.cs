using Microsoft.Data.Sqlite;

namespace MLOps.Tracking.Sqlite;

/// <summary>
/// One SQLite file shared by the tracking store and the registry. Concurrency model: WAL (readers
/// never block the writer), one writer connection per process guarded by a lock, every write a
/// <c>BEGIN IMMEDIATE</c> transaction (so two processes never both read-then-write the same
/// snapshot), and a busy timeout so a process waits for another's write instead of failing.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private const int BusyTimeoutSeconds = 60;

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _connectionString;
    private SqliteConnection? _writer;
    private int _references = 1;

    private SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString();
    }

    public string Path { get; }

    public static SqliteDatabase Open(string path)
    {
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TrackingStoreException($"cannot create the folder of the tracking database '{path}': {e.Message}", e);
        }

        var database = new SqliteDatabase(path);
        try
        {
            database.Migrate();
        }
        catch (SqliteException e)
        {
            database.Dispose();
            throw new TrackingStoreException($"cannot open the tracking database '{path}': {e.Message}", e);
        }

        return database;
    }

    /// <summary>Another owner (registry beside tracking store) keeps the file open until it disposes too.</summary>
    public SqliteDatabase AddReference()
    {
        Interlocked.Increment(ref _references);
        return this;
    }

    public SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, $"PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000}; PRAGMA foreign_keys = ON;");
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one BEGIN IMMEDIATE transaction on the process's writer connection.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Write(work);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task WriteAsync(Action<SqliteConnection, SqliteTransaction> work, CancellationToken cancellationToken) =>
        WriteAsync<bool>((c, t) =>
        {
            work(c, t);
            return true;
        }, cancellationToken);

    private T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        _writer ??= OpenReader();
        using var transaction = _writer.BeginTransaction(deferred: false);
        var result = work(_writer, transaction);
        transaction.Commit();
        return result;
    }

    private void Migrate()
    {
        using var connection = OpenReader();
        // journal_mode is persistent in the file; setting it needs no transaction but can meet a
        // busy lock while another process migrates, which the busy timeout absorbs.
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL);", transaction);
        var current = Convert.ToInt32(Scalar(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;", transaction), System.Globalization.CultureInfo.InvariantCulture);
        if (current > SqliteSchema.LatestVersion)
        {
            throw new TrackingStoreException(
                $"the tracking database '{Path}' has schema version {current}, newer than this mlpc knows ({SqliteSchema.LatestVersion}); upgrade mlpc");
        }

        foreach (var (version, description, sql) in SqliteSchema.Migrations)
        {
            if (version <= current)
            {
                continue;
            }

            Execute(connection, sql, transaction);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO schema_migrations (version, description, applied_at) VALUES ($v, $d, $t);";
            insert.Parameters.AddWithValue("$v", version);
            insert.Parameters.AddWithValue("$d", description);
            insert.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    public static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        if (Interlocked.Decrement(ref _references) > 0)
        {
            return;
        }

        _writeLock.Wait();
        try
        {
            _writer?.Dispose();
            _writer = null;
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
