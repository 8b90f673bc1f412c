using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Search;

/// <summary>
/// A run search: <see cref="Filter"/> in the run query language (docs/search.md), e.g.
/// <c>metrics.auc &gt; 0.9 and (params.lr in (0.1, 0.01) or tags.team = 'vision')</c>;
/// <see cref="OrderBy"/> like <c>metrics.auc desc, start_time</c>. Paging: either
/// <see cref="PageToken"/> (from a previous page) or <see cref="Offset"/>.
/// </summary>
public sealed record RunSearchRequest
{
    public string? Filter { get; init; }

    public string? OrderBy { get; init; }

    /// <summary>Page size, 1..10,000.</summary>
    public int Limit { get; init; } = 100;

    public int Offset { get; init; }

    public string? PageToken { get; init; }
}

/// <summary>One page of results; <see cref="NextPageToken"/> is null on the last page.</summary>
public sealed record RunPage(IReadOnlyList<RunDetails> Runs, string? NextPageToken);
