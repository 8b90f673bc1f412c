using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using MLOps.Tracking.Registry;

namespace MLOps.Tracking.Sqlite;

/// <summary>
/// The SQLite model registry. Every change runs in one BEGIN IMMEDIATE transaction, so the
/// read of the alias's current holder and the write that moves it cannot interleave with another
/// process's: compare-and-swap without lost updates.
/// </summary>
public sealed partial class SqliteModelRegistry : IModelRegistry
{
    private readonly SqliteDatabase _database;

    internal SqliteModelRegistry(SqliteDatabase database) => _database = database;

    public static SqliteModelRegistry Open(string databasePath) => new(SqliteDatabase.Open(Path.GetFullPath(databasePath)));

    public ValueTask DisposeAsync()
    {
        _database.Dispose();
        return ValueTask.CompletedTask;
    }

    public Task<ModelVersionResult> RegisterAsync(NewModelVersion version, CancellationToken cancellationToken = default)
    {
        RequireModelName(version.Model);
        if (string.IsNullOrWhiteSpace(version.ArtifactUri) || string.IsNullOrWhiteSpace(version.ArtifactDigest))
        {
            throw new ArgumentException($"registering a version of '{version.Model}' needs an artifact URI and digest");
        }

        RequireJsonObject(version.MetricsJson);
        var actor = version.Actor ?? Environment.UserName;
        var tagsJson = JsonSerializer.Serialize(new SortedDictionary<string, string>(version.Tags.ToDictionary(), StringComparer.Ordinal));
        return _database.WriteAsync((c, t) =>
        {
            if (version.IdempotencyKey is not null &&
                Sql.Scalar(c, t, "SELECT version FROM model_versions WHERE model = $m AND idempotency_key = $k;", ("$m", version.Model), ("$k", version.IdempotencyKey)) is long existing)
            {
                return new ModelVersionResult(ReadVersion(c, t, version.Model, (int)existing)!, Created: false);
            }

            var now = Sql.NowMs();
            Sql.Execute(c, t, "INSERT INTO models (name, created_at) VALUES ($m, $at) ON CONFLICT(name) DO NOTHING;", ("$m", version.Model), ("$at", now));
            var number = (long)Sql.Scalar(c, t, "UPDATE models SET latest_version = latest_version + 1 WHERE name = $m RETURNING latest_version;", ("$m", version.Model))!;
            Sql.Execute(c, t, """
                INSERT INTO model_versions (model, version, source_run_id, artifact_uri, artifact_digest, metrics_json, tags_json, created_at, created_by, idempotency_key)
                VALUES ($m, $v, $run, $uri, $digest, $metrics, $tags, $at, $by, $key);
                """,
                ("$m", version.Model), ("$v", number), ("$run", version.SourceRunId), ("$uri", version.ArtifactUri), ("$digest", version.ArtifactDigest),
                ("$metrics", version.MetricsJson), ("$tags", tagsJson), ("$at", now), ("$by", actor), ("$key", version.IdempotencyKey));
            InsertAudit(c, t, new RegistryAuditEvent { Kind = "register", Model = version.Model, Version = (int)number, Outcome = "applied", Actor = actor }, now);
            return new ModelVersionResult(ReadVersion(c, t, version.Model, (int)number)!, Created: true);
        }, cancellationToken);
    }

    public Task<RegisteredModel?> GetModelAsync(string model, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult(ReadModels(connection, "WHERE m.name = $m", ("$m", model)).FirstOrDefault());
    }

    public Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult<IReadOnlyList<RegisteredModel>>(ReadModels(connection, "ORDER BY m.name"));
    }

    private static List<RegisteredModel> ReadModels(SqliteConnection c, string tail, params (string, object?)[] parameters)
    {
        var models = new List<(string Name, long Created, int Latest)>();
        using (var command = Sql.Command(c, null, $"SELECT m.name, m.created_at, m.latest_version FROM models m {tail};", parameters))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                models.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2)));
            }
        }

        return models.Select(m => new RegisteredModel(m.Name, Sql.Time(m.Created), m.Latest, ReadAliases(c, null, m.Name))).ToList();
    }

    private static Dictionary<string, int> ReadAliases(SqliteConnection c, SqliteTransaction? t, string model)
    {
        using var command = Sql.Command(c, t, "SELECT alias, version FROM model_aliases WHERE model = $m ORDER BY alias;", ("$m", model));
        using var reader = command.ExecuteReader();
        var aliases = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            aliases[reader.GetString(0)] = reader.GetInt32(1);
        }

        return aliases;
    }

    public Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult<IReadOnlyList<ModelVersion>>(ReadVersions(connection, null, model, null));
    }

    public Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult(ReadVersion(connection, null, model, version));
    }

    public Task<ModelVersion?> ResolveAliasAsync(string model, string alias, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult(Sql.Scalar(connection, null, "SELECT version FROM model_aliases WHERE model = $m AND alias = $a;", ("$m", model), ("$a", alias)) is long version
            ? ReadVersion(connection, null, model, (int)version)
            : null);
    }

    private static ModelVersion? ReadVersion(SqliteConnection c, SqliteTransaction? t, string model, int version) =>
        ReadVersions(c, t, model, version).FirstOrDefault();

    private static List<ModelVersion> ReadVersions(SqliteConnection c, SqliteTransaction? t, string model, int? version)
    {
        var aliases = ReadAliases(c, t, model);
        using var command = Sql.Command(c, t, """
            SELECT version, source_run_id, artifact_uri, artifact_digest, metrics_json, tags_json, created_at, created_by
            FROM model_versions WHERE model = $m AND ($v IS NULL OR version = $v) ORDER BY version;
            """, ("$m", model), ("$v", version));
        using var reader = command.ExecuteReader();
        var list = new List<ModelVersion>();
        while (reader.Read())
        {
            var number = reader.GetInt32(0);
            list.Add(new ModelVersion
            {
                Model = model,
                Version = number,
                SourceRunId = reader.NullableString(1),
                ArtifactUri = reader.GetString(2),
                ArtifactDigest = reader.GetString(3),
                MetricsJson = reader.GetString(4),
                Tags = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [],
                CreatedAt = Sql.Time(reader.GetInt64(6)),
                CreatedBy = reader.NullableString(7),
                Aliases = aliases.Where(a => a.Value == number).Select(a => a.Key).ToList(),
            });
        }

        return list;
    }

    public Task<AliasChangeResult> ChangeAliasAsync(AliasChange change, CancellationToken cancellationToken = default)
    {
        RequireModelName(change.Model);
        if (!AliasPattern().IsMatch(change.Alias))
        {
            throw new ArgumentException($"'{change.Alias}' is not a valid alias: use a letter followed by letters, digits, '_' or '-'");
        }

        var actor = change.Actor ?? Environment.UserName;
        return _database.WriteAsync((c, t) => ChangeAlias(c, t, change, actor), cancellationToken);
    }

    private static AliasChangeResult ChangeAlias(SqliteConnection c, SqliteTransaction t, AliasChange change, string actor)
    {
        var (model, alias) = (change.Model, change.Alias);
        if (Sql.Scalar(c, t, "SELECT 1 FROM models WHERE name = $m;", ("$m", model)) is null)
        {
            return new AliasChangeResult(AliasChangeOutcome.NotFound, null, $"model '{model}' does not exist");
        }

        var actual = Sql.Scalar(c, t, "SELECT version FROM model_aliases WHERE model = $m AND alias = $a;", ("$m", model), ("$a", alias)) is long held ? (int?)held : null;
        if (change.NewVersion is { } target && Sql.Scalar(c, t, "SELECT 1 FROM model_versions WHERE model = $m AND version = $v;", ("$m", model), ("$v", target)) is null)
        {
            return new AliasChangeResult(AliasChangeOutcome.NotFound, actual, $"model '{model}' has no version {target}");
        }

        if (actual != change.ExpectedVersion)
        {
            var holder = actual is { } v ? $"holds version {v}" : "is not set";
            var expected = change.ExpectedVersion is { } e ? $"version {e}" : "no version";
            return new AliasChangeResult(AliasChangeOutcome.Conflict, actual,
                $"conflict: alias '{alias}' of model '{model}' {holder}, but the change expected {expected}; nothing was changed (re-read and retry with --expect {(actual?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none")})");
        }

        if (actual == change.NewVersion)
        {
            return new AliasChangeResult(AliasChangeOutcome.Unchanged, actual,
                actual is { } same ? $"alias '{alias}' of model '{model}' already holds version {same}" : $"alias '{alias}' of model '{model}' is already unset");
        }

        var now = Sql.NowMs();
        if (change.NewVersion is { } version)
        {
            Sql.Execute(c, t, """
                INSERT INTO model_aliases (model, alias, version, updated_at, updated_by) VALUES ($m, $a, $v, $at, $by)
                ON CONFLICT(model, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by;
                """, ("$m", model), ("$a", alias), ("$v", version), ("$at", now), ("$by", actor));
        }
        else
        {
            Sql.Execute(c, t, "DELETE FROM model_aliases WHERE model = $m AND alias = $a;", ("$m", model), ("$a", alias));
        }

        var seq = (long)Sql.Scalar(c, t, "UPDATE models SET alias_seq = alias_seq + 1 WHERE name = $m RETURNING alias_seq;", ("$m", model))!;
        Sql.Execute(c, t, """
            INSERT INTO alias_history (model, seq, alias, from_version, to_version, actor, at, reason)
            VALUES ($m, $seq, $a, $from, $to, $by, $at, $why);
            """, ("$m", model), ("$seq", seq), ("$a", alias), ("$from", actual), ("$to", change.NewVersion), ("$by", actor), ("$at", now), ("$why", change.Reason));
        InsertAudit(c, t, new RegistryAuditEvent
        {
            Kind = "alias",
            Model = model,
            Version = change.NewVersion,
            Alias = alias,
            Outcome = "applied",
            Actor = actor,
            DetailsJson = JsonSerializer.Serialize(new { from = actual, to = change.NewVersion, reason = change.Reason }),
        }, now);
        var entry = new AliasHistoryEntry(model, alias, seq, actual, change.NewVersion, actor, Sql.Time(now), change.Reason);
        var what = change.NewVersion is { } n ? $"now holds version {n}" : "was deleted";
        return new AliasChangeResult(AliasChangeOutcome.Applied, change.NewVersion, $"alias '{alias}' of model '{model}' {what}", entry);
    }

    public Task<IReadOnlyList<AliasHistoryEntry>> GetAliasHistoryAsync(string model, string? alias = null, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        using var command = Sql.Command(connection, null, """
            SELECT seq, alias, from_version, to_version, actor, at, reason FROM alias_history
            WHERE model = $m AND ($a IS NULL OR alias = $a) ORDER BY seq;
            """, ("$m", model), ("$a", alias));
        using var reader = command.ExecuteReader();
        var list = new List<AliasHistoryEntry>();
        while (reader.Read())
        {
            list.Add(new AliasHistoryEntry(model, reader.GetString(1), reader.GetInt64(0),
                reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetInt32(3),
                reader.GetString(4), Sql.Time(reader.GetInt64(5)), reader.NullableString(6)));
        }

        return Task.FromResult<IReadOnlyList<AliasHistoryEntry>>(list);
    }

    public Task<RegistryAuditEvent> AppendAuditAsync(RegistryAuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        RequireModelName(auditEvent.Model);
        if (string.IsNullOrWhiteSpace(auditEvent.Kind))
        {
            throw new ArgumentException("an audit event needs a kind (e.g. 'policy.evaluate')");
        }

        if (auditEvent.VerdictsJson is not null)
        {
            using var _ = JsonDocument.Parse(auditEvent.VerdictsJson);
        }

        var at = auditEvent.At == default ? DateTimeOffset.UtcNow : auditEvent.At;
        return _database.WriteAsync((c, t) =>
        {
            var id = InsertAudit(c, t, auditEvent with { Actor = auditEvent.Actor ?? Environment.UserName }, Sql.Ms(at));
            return auditEvent with { Id = id, At = Sql.Time(Sql.Ms(at)), Actor = auditEvent.Actor ?? Environment.UserName };
        }, cancellationToken);
    }

    public Task<IReadOnlyList<RegistryAuditEvent>> GetAuditAsync(string model, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        using var command = Sql.Command(connection, null, """
            SELECT id, kind, version, alias, policy, outcome, verdicts_json, details_json, actor, at
            FROM registry_audit WHERE model = $m ORDER BY id;
            """, ("$m", model));
        using var reader = command.ExecuteReader();
        var list = new List<RegistryAuditEvent>();
        while (reader.Read())
        {
            list.Add(new RegistryAuditEvent
            {
                Id = reader.GetInt64(0),
                Kind = reader.GetString(1),
                Model = model,
                Version = reader.IsDBNull(2) ? null : reader.GetInt32(2),
                Alias = reader.NullableString(3),
                Policy = reader.NullableString(4),
                Outcome = reader.NullableString(5),
                VerdictsJson = reader.NullableString(6),
                DetailsJson = reader.NullableString(7),
                Actor = reader.NullableString(8),
                At = Sql.Time(reader.GetInt64(9)),
            });
        }

        return Task.FromResult<IReadOnlyList<RegistryAuditEvent>>(list);
    }

    private static long InsertAudit(SqliteConnection c, SqliteTransaction t, RegistryAuditEvent e, long at) =>
        (long)Sql.Scalar(c, t, """
            INSERT INTO registry_audit (kind, model, version, alias, policy, outcome, verdicts_json, details_json, actor, at)
            VALUES ($kind, $m, $v, $a, $p, $o, $verdicts, $details, $actor, $at) RETURNING id;
            """,
            ("$kind", e.Kind), ("$m", e.Model), ("$v", e.Version), ("$a", e.Alias), ("$p", e.Policy), ("$o", e.Outcome),
            ("$verdicts", e.VerdictsJson), ("$details", e.DetailsJson), ("$actor", e.Actor), ("$at", at))!;

    private static void RequireModelName(string model)
    {
        if (!ModelPattern().IsMatch(model))
        {
            throw new ArgumentException($"'{model}' is not a valid model name: use letters, digits, '_', '-', '.' and '/', starting with a letter or digit");
        }
    }

    private static void RequireJsonObject(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("the metrics of a model version must be a JSON object");
            }
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"the metrics of a model version are not valid JSON: {e.Message}", e);
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex AliasPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_./-]{0,199}$")]
    private static partial Regex ModelPattern();
}
