namespace MLOps.Tracking.Artifacts;

/// <summary>
/// A stored blob or directory, named by content: <see cref="Digest"/> is <c>sha256:HEX</c> of the
/// file's bytes, or for a directory of its manifest (see docs/stores.md). <see cref="Size"/> is the
/// byte count of the file, or the sum over the directory's files.
/// </summary>
public sealed record StoredArtifact(string Digest, long Size, string Uri, bool IsDirectory);

/// <summary>One file of a directory artifact: path relative to the directory with '/' separators.</summary>
public sealed record ManifestEntry(string Path, string Digest, long Size);

/// <summary>
/// Content-addressed artifact storage. Puts are atomic (a reader never sees a partial object)
/// and deduplicated (the same content is stored once).
/// </summary>
public interface IArtifactStore
{
    /// <summary>The URI the store was opened with.</summary>
    string Uri { get; }

    Task<StoredArtifact> PutFileAsync(string path, CancellationToken cancellationToken = default);

    Task<StoredArtifact> PutDirectoryAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Stores a file or a directory, whichever the path is.</summary>
    Task<StoredArtifact> PutAsync(string path, CancellationToken cancellationToken = default);

    Task<StoredArtifact> PutStreamAsync(Stream content, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string digest, CancellationToken cancellationToken = default);

    /// <summary>The stored object, or null when absent.</summary>
    Task<StoredArtifact?> StatAsync(string digest, CancellationToken cancellationToken = default);

    /// <summary>The files of a directory artifact, sorted by path (ordinal).</summary>
    Task<IReadOnlyList<ManifestEntry>> GetManifestAsync(string digest, CancellationToken cancellationToken = default);

    /// <summary>Opens a file artifact for reading; throws <see cref="TrackingNotFoundException"/> when absent.</summary>
    Task<Stream> OpenReadAsync(string digest, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the artifact (file or directory tree) to <paramref name="destination"/>, which must
    /// not exist yet (or be an empty directory); contents are verified against their digests.
    /// </summary>
    Task<StoredArtifact> MaterializeAsync(string digest, string destination, CancellationToken cancellationToken = default);
}
