using System.Text.Json;
using Microsoft.Data.Sqlite;
using MLOps.Tracking.Registry;

namespace MLOps.Tracking.Sqlite;

/// <summary>Version tags, stored policies, promotions and approvals (schema version 3).</summary>
public sealed partial class SqliteModelRegistry
{
    public Task<ModelVersion?> SetVersionTagsAsync(string model, int version, IReadOnlyDictionary<string, string> tags, string? actor = null, CancellationToken cancellationToken = default)
    {
        RequireModelName(model);
        var who = actor ?? Environment.UserName;
        return _database.WriteAsync((c, t) =>
        {
            if (Sql.Scalar(c, t, "SELECT tags_json FROM model_versions WHERE model = $m AND version = $v;", ("$m", model), ("$v", version)) is not string json)
            {
                return null;
            }

            var merged = new SortedDictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [], StringComparer.Ordinal);
            foreach (var (key, value) in tags)
            {
                merged[key] = value;
            }

            var now = Sql.NowMs();
            Sql.Execute(c, t, "UPDATE model_versions SET tags_json = $tags WHERE model = $m AND version = $v;", ("$tags", JsonSerializer.Serialize(merged)), ("$m", model), ("$v", version));
            InsertAudit(c, t, new RegistryAuditEvent
            {
                Kind = "tag",
                Model = model,
                Version = version,
                Outcome = "applied",
                Actor = who,
                DetailsJson = JsonSerializer.Serialize(new SortedDictionary<string, string>(tags.ToDictionary(), StringComparer.Ordinal)),
            }, now);
            return ReadVersion(c, t, model, version);
        }, cancellationToken);
    }

    public Task<StoredPolicy> SavePolicyAsync(StoredPolicy policy, CancellationToken cancellationToken = default)
    {
        RequireModelName(policy.Model);
        if (string.IsNullOrWhiteSpace(policy.Name))
        {
            throw new ArgumentException("a stored policy needs a name");
        }

        try
        {
            // Only checks that the text is JSON: the registry does not interpret policies.
            using var _ = JsonDocument.Parse(policy.PolicyJson);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"policy '{policy.Name}' of '{policy.Model}' is not valid JSON: {e.Message}", e);
        }

        var who = policy.UpdatedBy ?? Environment.UserName;
        return _database.WriteAsync((c, t) =>
        {
            var now = Sql.NowMs();
            var previous = Sql.Scalar(c, t, "SELECT policy_json FROM model_policies WHERE model = $m AND name = $n;", ("$m", policy.Model), ("$n", policy.Name)) as string;
            Sql.Execute(c, t, """
                INSERT INTO model_policies (model, name, policy_json, source_digest, updated_at, updated_by) VALUES ($m, $n, $json, $digest, $at, $by)
                ON CONFLICT(model, name) DO UPDATE SET policy_json = excluded.policy_json, source_digest = excluded.source_digest,
                    updated_at = excluded.updated_at, updated_by = excluded.updated_by;
                """, ("$m", policy.Model), ("$n", policy.Name), ("$json", policy.PolicyJson), ("$digest", policy.SourceDigest), ("$at", now), ("$by", who));
            if (previous != policy.PolicyJson)
            {
                InsertAudit(c, t, new RegistryAuditEvent
                {
                    Kind = "policy.store",
                    Model = policy.Model,
                    Policy = policy.Name,
                    Outcome = previous is null ? "created" : "updated",
                    Actor = who,
                    DetailsJson = JsonSerializer.Serialize(new { source_digest = policy.SourceDigest }),
                }, now);
            }

            return policy with { UpdatedAt = Sql.Time(now), UpdatedBy = who };
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StoredPolicy>> GetPoliciesAsync(string model, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        using var command = Sql.Command(connection, null, """
            SELECT name, policy_json, source_digest, updated_at, updated_by FROM model_policies WHERE model = $m ORDER BY name;
            """, ("$m", model));
        using var reader = command.ExecuteReader();
        var list = new List<StoredPolicy>();
        while (reader.Read())
        {
            list.Add(new StoredPolicy
            {
                Model = model,
                Name = reader.GetString(0),
                PolicyJson = reader.GetString(1),
                SourceDigest = reader.NullableString(2),
                UpdatedAt = Sql.Time(reader.GetInt64(3)),
                UpdatedBy = reader.NullableString(4),
            });
        }

        return Task.FromResult<IReadOnlyList<StoredPolicy>>(list);
    }

    /// <summary>
    /// Approvals only accumulate, so an evaluation that saw fewer of them is older: a pending
    /// state never replaces a passed one, nor a pending one missing fewer groups (two approvers
    /// racing must not leave a promoted version shown as pending).
    /// </summary>
    public Task<PromotionRecord> SavePromotionAsync(PromotionRecord promotion, CancellationToken cancellationToken = default)
    {
        RequireModelName(promotion.Model);
        var who = promotion.UpdatedBy ?? Environment.UserName;
        return _database.WriteAsync((c, t) =>
        {
            var now = Sql.NowMs();
            Sql.Execute(c, t, """
                INSERT INTO promotions (model, version, policy, state, policy_json, pending_groups, created_at, updated_at, updated_by, audit_id)
                VALUES ($m, $v, $p, $state, $json, $groups, $at, $at, $by, $audit)
                ON CONFLICT(model, version, policy) DO UPDATE SET state = excluded.state, policy_json = excluded.policy_json,
                    pending_groups = excluded.pending_groups, updated_at = excluded.updated_at, updated_by = excluded.updated_by, audit_id = excluded.audit_id
                WHERE NOT (excluded.state = 'pending' AND (promotions.state = 'passed'
                    OR (promotions.state = 'pending' AND json_array_length(excluded.pending_groups) > json_array_length(promotions.pending_groups))));
                """,
                ("$m", promotion.Model), ("$v", promotion.Version), ("$p", promotion.Policy), ("$state", promotion.State), ("$json", promotion.PolicyJson),
                ("$groups", JsonSerializer.Serialize(promotion.PendingGroups)), ("$at", now), ("$by", who), ("$audit", promotion.AuditId));
            return ReadPromotions(c, t, "WHERE model = $m AND version = $v AND policy = $p", ("$m", promotion.Model), ("$v", promotion.Version), ("$p", promotion.Policy))[0];
        }, cancellationToken);
    }

    public Task<PromotionRecord?> GetPromotionAsync(string model, int version, string policy, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult(ReadPromotions(connection, null, "WHERE model = $m AND version = $v AND policy = $p", ("$m", model), ("$v", version), ("$p", policy)).FirstOrDefault());
    }

    public Task<IReadOnlyList<PromotionRecord>> ListPromotionsAsync(string? model, string? state = null, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult<IReadOnlyList<PromotionRecord>>(ReadPromotions(connection, null,
            "WHERE ($m IS NULL OR model = $m) AND ($s IS NULL OR state = $s) ORDER BY updated_at DESC, model, version DESC, policy", ("$m", model), ("$s", state)));
    }

    private static List<PromotionRecord> ReadPromotions(SqliteConnection c, SqliteTransaction? t, string tail, params (string, object?)[] parameters)
    {
        using var command = Sql.Command(c, t, $"""
            SELECT model, version, policy, state, policy_json, pending_groups, created_at, updated_at, updated_by, audit_id FROM promotions {tail};
            """, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<PromotionRecord>();
        while (reader.Read())
        {
            list.Add(new PromotionRecord
            {
                Model = reader.GetString(0),
                Version = reader.GetInt32(1),
                Policy = reader.GetString(2),
                State = reader.GetString(3),
                PolicyJson = reader.GetString(4),
                PendingGroups = JsonSerializer.Deserialize<List<string>>(reader.GetString(5)) ?? [],
                CreatedAt = Sql.Time(reader.GetInt64(6)),
                UpdatedAt = Sql.Time(reader.GetInt64(7)),
                UpdatedBy = reader.NullableString(8),
                AuditId = reader.NullableInt64(9),
            });
        }

        return list;
    }

    public Task<ApprovalResult> AddApprovalAsync(PromotionApproval approval, CancellationToken cancellationToken = default)
    {
        RequireModelName(approval.Model);
        if (string.IsNullOrWhiteSpace(approval.Approver) || string.IsNullOrWhiteSpace(approval.Group))
        {
            throw new ArgumentException("an approval needs a group and an approver");
        }

        return _database.WriteAsync((c, t) =>
        {
            // Inside one write transaction: two approvers of the same group racing record only the first.
            var existing = ReadApprovals(c, t, approval.Model, approval.Version, approval.Policy).FirstOrDefault(a => a.Group == approval.Group);
            if (existing is not null)
            {
                return new ApprovalResult(existing, Created: false);
            }

            var now = Sql.NowMs();
            Sql.Execute(c, t, """
                INSERT INTO promotion_approvals (model, version, policy, group_name, approver, at) VALUES ($m, $v, $p, $g, $who, $at);
                """, ("$m", approval.Model), ("$v", approval.Version), ("$p", approval.Policy), ("$g", approval.Group), ("$who", approval.Approver), ("$at", now));
            InsertAudit(c, t, new RegistryAuditEvent
            {
                Kind = "promotion.approve",
                Model = approval.Model,
                Version = approval.Version,
                Policy = approval.Policy,
                Outcome = "approved",
                Actor = approval.Approver,
                DetailsJson = JsonSerializer.Serialize(new { group = approval.Group }),
            }, now);
            return new ApprovalResult(approval with { At = Sql.Time(now) }, Created: true);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<PromotionApproval>> ListApprovalsAsync(string model, int version, string policy, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult<IReadOnlyList<PromotionApproval>>(ReadApprovals(connection, null, model, version, policy));
    }

    private static List<PromotionApproval> ReadApprovals(SqliteConnection c, SqliteTransaction? t, string model, int version, string policy)
    {
        using var command = Sql.Command(c, t, """
            SELECT group_name, approver, at FROM promotion_approvals WHERE model = $m AND version = $v AND policy = $p ORDER BY at, group_name;
            """, ("$m", model), ("$v", version), ("$p", policy));
        using var reader = command.ExecuteReader();
        var list = new List<PromotionApproval>();
        while (reader.Read())
        {
            list.Add(new PromotionApproval { Model = model, Version = version, Policy = policy, Group = reader.GetString(0), Approver = reader.GetString(1), At = Sql.Time(reader.GetInt64(2)) });
        }

        return list;
    }
}
