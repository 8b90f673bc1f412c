namespace MLOps.Tracking.Runs;

/// <summary>Whether a run wrote an artifact or read it.</summary>
public enum ArtifactDirection
{
    Output,
    Input,
}

/// <summary>
/// An artifact a run produced or consumed, by content: <see cref="Digest"/> is <c>sha256:HEX</c>
/// (for a directory, the digest of its manifest; see <c>IArtifactStore</c>). <see cref="Name"/> is
/// the step's output or input name.
/// </summary>
public sealed record RunArtifact
{
    public required string RunId { get; init; }

    public required string Name { get; init; }

    public required ArtifactDirection Direction { get; init; }

    public required string Uri { get; init; }

    public required string Digest { get; init; }

    public required long Size { get; init; }

    public bool IsDirectory { get; init; }

    public DateTimeOffset LoggedAt { get; init; }
}

/// <summary>Which runs produced an artifact (by digest) and which consumed it.</summary>
public sealed record ArtifactLineage(string Digest, IReadOnlyList<RunArtifact> ProducedBy, IReadOnlyList<RunArtifact> ConsumedBy);
