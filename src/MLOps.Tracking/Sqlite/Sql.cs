using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace MLOps.Tracking.Sqlite;

/// <summary>Small helpers for parameterized commands and the store's time format (UTC Unix milliseconds).</summary>
internal static class Sql
{
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string text, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string text, params (string Name, object? Value)[] parameters)
    {
        var command = Rent(connection, transaction, text, parameters);
        try
        {
            return command.ExecuteNonQuery();
        }
        finally
        {
            Return(connection, command);
        }
    }

    public static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string text, params (string Name, object? Value)[] parameters)
    {
        var command = Rent(connection, transaction, text, parameters);
        try
        {
            var value = command.ExecuteScalar();
            return value is DBNull ? null : value;
        }
        finally
        {
            Return(connection, command);
        }
    }

    /// <summary>Runs <paramref name="read"/> over the rows of a query, with the connection's cached statement when it has one.</summary>
    public static T Read<T>(SqliteConnection connection, SqliteTransaction? transaction, string text, (string Name, object? Value)[] parameters, Func<SqliteDataReader, T> read)
    {
        var command = Rent(connection, transaction, text, parameters);
        try
        {
            using var reader = command.ExecuteReader();
            return read(reader);
        }
        finally
        {
            Return(connection, command);
        }
    }

    /// <summary>
    /// Compiled statements kept per connection (the writer's): compiling the same SQL again for
    /// every write was a large share of a step's time in the store.
    /// </summary>
    private static readonly ConditionalWeakTable<SqliteConnection, StatementCache> Statements = new();

    public static void CacheStatements(SqliteConnection connection) => Statements.AddOrUpdate(connection, new StatementCache());

    private static SqliteCommand Rent(SqliteConnection connection, SqliteTransaction? transaction, string text, (string Name, object? Value)[] parameters)
    {
        if (!Statements.TryGetValue(connection, out var cache) || !cache.TryTake(text, out var command))
        {
            return Command(connection, transaction, text, parameters);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static void Return(SqliteConnection connection, SqliteCommand command)
    {
        if (!Statements.TryGetValue(connection, out var cache) || !cache.TryKeep(command))
        {
            command.Dispose();
        }
    }

    /// <summary>One connection's statements by text; used by one thread at a time, as its connection is.</summary>
    private sealed class StatementCache
    {
        // Texts built from a query (search, filters) would only churn a larger cache.
        private const int Capacity = 128;
        private readonly Dictionary<string, SqliteCommand> _idle = new(StringComparer.Ordinal);

        public bool TryTake(string text, [NotNullWhen(true)] out SqliteCommand? command) => _idle.Remove(text, out command);

        public bool TryKeep(SqliteCommand command) => _idle.Count < Capacity && _idle.TryAdd(command.CommandText, command);
    }

    public static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static string? NullableString(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTimeOffset? NullableTime(this SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Time(reader.GetInt64(ordinal));

    /// <summary>The number a parameter or tag value reads as (for numeric comparisons in search), or null.</summary>
    public static double? AsNumber(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;
}
