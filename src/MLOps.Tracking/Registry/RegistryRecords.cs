namespace MLOps.Tracking.Registry;

public sealed record RegisteredModel(string Name, DateTimeOffset CreatedAt, int LatestVersion, IReadOnlyDictionary<string, int> Aliases);

/// <summary>
/// A request to add a version. With <see cref="IdempotencyKey"/> (the runtime uses
/// <c>RUN_ID/REGISTRATION_ID</c>) a repeated register returns the version made the first time.
/// </summary>
public sealed record NewModelVersion
{
    public required string Model { get; init; }

    public string? SourceRunId { get; init; }

    public required string ArtifactUri { get; init; }

    public required string ArtifactDigest { get; init; }

    /// <summary>A JSON object of metrics (e.g. <c>{"auc":0.93}</c>); "{}" when none.</summary>
    public string MetricsJson { get; init; } = "{}";

    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    public string? IdempotencyKey { get; init; }

    /// <summary>Who registers (user or service); defaults to the OS user.</summary>
    public string? Actor { get; init; }
}

public sealed record ModelVersion
{
    public required string Model { get; init; }

    public required int Version { get; init; }

    public string? SourceRunId { get; init; }

    public required string ArtifactUri { get; init; }

    public required string ArtifactDigest { get; init; }

    public required string MetricsJson { get; init; }

    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string? CreatedBy { get; init; }

    /// <summary>Aliases currently pointing at this version.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];
}

/// <summary>The result of a register: the version and whether this call created it.</summary>
public sealed record ModelVersionResult(ModelVersion Version, bool Created);

/// <summary>
/// A compare-and-swap on an alias. <see cref="ExpectedVersion"/> is the version the caller
/// believes the alias holds now, null for "the alias does not exist". <see cref="NewVersion"/>
/// null deletes the alias.
/// </summary>
public sealed record AliasChange
{
    public required string Model { get; init; }

    public required string Alias { get; init; }

    public required int? ExpectedVersion { get; init; }

    public required int? NewVersion { get; init; }

    public string? Actor { get; init; }

    public string? Reason { get; init; }
}

public enum AliasChangeOutcome
{
    /// <summary>The alias now holds <see cref="AliasChange.NewVersion"/> (history appended).</summary>
    Applied,

    /// <summary>The alias already held the new version and the expectation matched: nothing written.</summary>
    Unchanged,

    /// <summary>The alias holds <see cref="AliasChangeResult.ActualVersion"/>, not the expected one; nothing written.</summary>
    Conflict,

    /// <summary>The model or the target version does not exist; nothing written.</summary>
    NotFound,
}

public sealed record AliasChangeResult(AliasChangeOutcome Outcome, int? ActualVersion, string Message, AliasHistoryEntry? Entry = null)
{
    public bool Succeeded => Outcome is AliasChangeOutcome.Applied or AliasChangeOutcome.Unchanged;
}

/// <summary>One entry of the append-only alias history (per model, <see cref="Sequence"/> grows by one).</summary>
public sealed record AliasHistoryEntry(string Model, string Alias, long Sequence, int? FromVersion, int? ToVersion, string Actor, DateTimeOffset At, string? Reason);

/// <summary>
/// An audit event of the registry: registrations, alias moves, and (later) pending promotions and
/// policy evaluations. <see cref="Kind"/> is a word like <c>register</c>, <c>alias</c>,
/// <c>policy.evaluate</c>, <c>promotion.pending</c>; <see cref="VerdictsJson"/> carries a policy's
/// per-rule verdicts; <see cref="DetailsJson"/> anything else.
/// </summary>
public sealed record RegistryAuditEvent
{
    public long Id { get; init; }

    public required string Kind { get; init; }

    public required string Model { get; init; }

    public int? Version { get; init; }

    public string? Alias { get; init; }

    public string? Policy { get; init; }

    /// <summary>e.g. <c>passed</c>, <c>failed</c>, <c>pending</c>, <c>applied</c>.</summary>
    public string? Outcome { get; init; }

    public string? VerdictsJson { get; init; }

    public string? DetailsJson { get; init; }

    public string? Actor { get; init; }

    public DateTimeOffset At { get; init; }
}
