namespace MLOps.Tracking.Registry;

/// <summary>
/// Named models with numbered versions (1, 2, 3, ...) and aliases (<c>champion</c>, ...) moved
/// only by compare-and-swap, with an append-only alias history and an audit log.
/// </summary>
public interface IModelRegistry : IPolicyRegistry, IAsyncDisposable
{
    /// <summary>Adds the next version of the model (creating the model on first use).</summary>
    Task<ModelVersionResult> RegisterAsync(NewModelVersion version, CancellationToken cancellationToken = default);

    Task<RegisteredModel?> GetModelAsync(string model, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RegisteredModel>> ListModelsAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string model, CancellationToken cancellationToken = default);

    Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken cancellationToken = default);

    /// <summary>Adds or overwrites tags of a version (others are kept); null when the version does not exist.</summary>
    Task<ModelVersion?> SetVersionTagsAsync(string model, int version, IReadOnlyDictionary<string, string> tags, string? actor = null, CancellationToken cancellationToken = default);

    /// <summary>The version an alias points at, or null when the alias is not set.</summary>
    Task<ModelVersion?> ResolveAliasAsync(string model, string alias, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets, moves or deletes an alias if it holds <see cref="AliasChange.ExpectedVersion"/>;
    /// otherwise returns a conflict naming the actual holder. Atomic across processes.
    /// </summary>
    Task<AliasChangeResult> ChangeAliasAsync(AliasChange change, CancellationToken cancellationToken = default);

    /// <summary>Alias history of a model (one alias when given), oldest first.</summary>
    Task<IReadOnlyList<AliasHistoryEntry>> GetAliasHistoryAsync(string model, string? alias = null, CancellationToken cancellationToken = default);

    /// <summary>Appends an audit event (e.g. a policy evaluation); returns it with its id and time.</summary>
    Task<RegistryAuditEvent> AppendAuditAsync(RegistryAuditEvent auditEvent, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<RegistryAuditEvent>> GetAuditAsync(string model, CancellationToken cancellationToken = default);
}
