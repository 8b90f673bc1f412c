using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace MLOps.Tracking.Sqlite;

/// <summary>
/// One SQLite file shared by the tracking store and the registry. Concurrency model: WAL (readers
/// never block the writer), one writer connection per process fed by a queue that commits the
/// writes issued meanwhile together, every commit a <c>BEGIN IMMEDIATE</c> transaction (so two
/// processes never both read-then-write the same snapshot), and a busy timeout so a process
/// waits for another's write instead of failing.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private const int BusyTimeoutSeconds = 60;

    private readonly Channel<IQueuedWrite> _queue = Channel.CreateUnbounded<IQueuedWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string _connectionString;
    private readonly System.Collections.Concurrent.ConcurrentBag<SqliteConnection> _readers = [];
    private volatile bool _closed;
    private Task? _writerLoop;
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
            database._writerLoop = Task.Run(database.WriterLoopAsync);
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

    /// <summary>Readers kept open for <see cref="Read{T}"/>; more than this many at once are closed after use.</summary>
    private const int KeptReaders = 8;

    /// <summary>
    /// Runs <paramref name="read"/> on a reader connection kept open with its compiled statements.
    /// For the hot lookups (every step asks the cache once): opening a connection and compiling
    /// the query each time cost more than the query.
    /// </summary>
    public T Read<T>(Func<SqliteConnection, T> read)
    {
        if (!_readers.TryTake(out var connection))
        {
            connection = OpenReader();
            Sql.CacheStatements(connection);
        }

        try
        {
            return read(connection);
        }
        finally
        {
            if (_closed || _readers.Count >= KeptReaders)
            {
                connection.Dispose();
            }
            else
            {
                _readers.Add(connection);
            }
        }
    }

    private SqliteConnection OpenWriter()
    {
        var connection = OpenReader();
        Sql.CacheStatements(connection);
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a BEGIN IMMEDIATE transaction on the process's writer
    /// connection; the task ends when that transaction has committed. Writes are queued and one
    /// writer commits everything queued since its last commit together (group commit), each write
    /// in its own savepoint, so a write that throws undoes only itself. The queue keeps the order
    /// in which writes were issued: a caller may issue several without awaiting each, and a crash
    /// loses at most a suffix of them, never one from the middle.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new QueuedWrite<T>(work);
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteDatabase), $"the tracking database '{Path}' is closed");
        }

        return write.Task;
    }

    public Task WriteAsync(Action<SqliteConnection, SqliteTransaction> work, CancellationToken cancellationToken) =>
        WriteAsync<bool>((c, t) =>
        {
            work(c, t);
            return true;
        }, cancellationToken);

    /// <summary>Enough to share a commit among many steps' writes, small enough that no write waits long behind others.</summary>
    private const int MaxWritesPerCommit = 256;

    private async Task WriterLoopAsync()
    {
        var batch = new List<IQueuedWrite>(MaxWritesPerCommit);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxWritesPerCommit && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
            }

            Commit(batch);
        }
    }

    private void Commit(List<IQueuedWrite> batch)
    {
        try
        {
            _writer ??= OpenWriter();
            using var transaction = _writer.BeginTransaction(deferred: false);
            if (batch.Count == 1)
            {
                // Alone in its transaction: a failure rolls back the transaction, so no savepoint is needed.
                batch[0].Run(_writer, transaction);
                transaction.Commit();
                batch[0].Complete();
                return;
            }

            foreach (var write in batch)
            {
                transaction.Save("w");
                try
                {
                    write.Run(_writer, transaction);
                    transaction.Release("w");
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    transaction.Rollback("w");
                    transaction.Release("w");
                    write.Fail(e);
                }
            }

            transaction.Commit();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            foreach (var write in batch)
            {
                write.Fail(e);
            }

            return;
        }

        foreach (var write in batch)
        {
            write.Complete();
        }
    }

    private interface IQueuedWrite
    {
        void Run(SqliteConnection connection, SqliteTransaction transaction);

        /// <summary>Ends the task with the work's result; a write that already failed keeps its failure.</summary>
        void Complete();

        void Fail(Exception e);
    }

    private sealed class QueuedWrite<T>(Func<SqliteConnection, SqliteTransaction, T> work) : IQueuedWrite
    {
        // Continuations run elsewhere: callers must never run on, and so stall, the writer.
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _done.Task;

        public void Run(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public void Complete() => _done.TrySetResult(_result);

        public void Fail(Exception e) => _done.TrySetException(e);
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

        _closed = true;
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }

        // Everything issued before the close is committed before the connection goes.
        _queue.Writer.TryComplete();
        _writerLoop?.GetAwaiter().GetResult();
        _writer?.Dispose();
        _writer = null;
    }
}
