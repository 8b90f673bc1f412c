namespace MLOps.Tracking.Registry;

/// <summary>
/// A promotion policy kept in the registry so <c>mlpc promote</c> finds it without the source:
/// <see cref="PolicyJson"/> is the lowered policy (<c>mlp.plan/v1</c> form); the registry does
/// not interpret it (MLOps.Tracking does not depend on the plan).
/// </summary>
public sealed record StoredPolicy
{
    public required string Model { get; init; }

    public required string Name { get; init; }

    public required string PolicyJson { get; init; }

    /// <summary>The digest of the source the policy was compiled from (the plan's <c>source.digest</c>).</summary>
    public string? SourceDigest { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public string? UpdatedBy { get; init; }
}

/// <summary>Promotion states: evaluated and waiting for approvals, or finished one way or another.</summary>
public static class PromotionStates
{
    public const string Pending = "pending";
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Conflict = "conflict";
}

/// <summary>
/// The latest evaluation of one policy for one version. A pending promotion keeps the policy it
/// was evaluated with, so <c>mlpc approve</c> judges against the same rules.
/// </summary>
public sealed record PromotionRecord
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string Policy { get; init; }

    /// <summary>One of <see cref="PromotionStates"/>.</summary>
    public required string State { get; init; }

    public required string PolicyJson { get; init; }

    /// <summary>Groups whose approval is still missing.</summary>
    public IReadOnlyList<string> PendingGroups { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public string? UpdatedBy { get; init; }

    /// <summary>The <c>policy.evaluate</c> audit event of the latest evaluation.</summary>
    public long? AuditId { get; init; }
}

/// <summary>An approval of a version under a policy by a member of a group: who and when.</summary>
public sealed record PromotionApproval
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public required string Policy { get; init; }

    public required string Group { get; init; }

    public required string Approver { get; init; }

    public DateTimeOffset At { get; init; }
}

/// <summary>The approval on record and whether this call created it (false: the group had already approved).</summary>
public sealed record ApprovalResult(PromotionApproval Approval, bool Created);

/// <summary>What policies and promotions need from the registry beyond versions and aliases.</summary>
public interface IPolicyRegistry
{
    /// <summary>Adds or replaces the policy (model, name); an audit event is written when its text changes.</summary>
    Task<StoredPolicy> SavePolicyAsync(StoredPolicy policy, CancellationToken cancellationToken = default);

    /// <summary>The policies stored for a model, by name.</summary>
    Task<IReadOnlyList<StoredPolicy>> GetPoliciesAsync(string model, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds or replaces the promotion (model, version, policy), keeping its creation time. A stale
    /// pending state (one that saw fewer approvals) does not replace a passed one or a pending one
    /// missing fewer groups; the stored row is returned.
    /// </summary>
    Task<PromotionRecord> SavePromotionAsync(PromotionRecord promotion, CancellationToken cancellationToken = default);

    Task<PromotionRecord?> GetPromotionAsync(string model, int version, string policy, CancellationToken cancellationToken = default);

    /// <summary>Promotions of a model (every model when null), optionally in one state, newest first.</summary>
    Task<IReadOnlyList<PromotionRecord>> ListPromotionsAsync(string? model, string? state = null, CancellationToken cancellationToken = default);

    /// <summary>Records an approval once per group; a second approval for the same group returns the first.</summary>
    Task<ApprovalResult> AddApprovalAsync(PromotionApproval approval, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<PromotionApproval>> ListApprovalsAsync(string model, int version, string policy, CancellationToken cancellationToken = default);
}
