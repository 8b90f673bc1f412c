using MLOps.Runtime.Caching;
using MLOps.Tracking.Runs;
using MLOps.Tracking.Search;

namespace MLOps.Runtime.Inspection;

/// <summary>Why a step ran or was reused, compared with the same step in the run before.</summary>
public sealed record StepExplanation(
    string InstanceId,
    RunStatus Status,
    string Verdict,
    string? CachedFrom,
    string? ComparedWith,
    IReadOnlyList<CacheKeyChange> Changes);

/// <summary>
/// <c>mlpc explain</c>: for each step of a run, whether it ran or was reused, and when it ran,
/// which component of its cache key differs from the same step's previous run.
/// </summary>
public sealed class RunExplainer(ITrackingStore store)
{
    public async Task<IReadOnlyList<StepExplanation>> ExplainAsync(string runId, string? step, CancellationToken cancellationToken)
    {
        var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false)
            ?? throw new Tracking.TrackingNotFoundException($"there is no run '{runId}' in {store.Uri}");
        var steps = (await store.GetChildRunsAsync(run.RunId, cancellationToken).ConfigureAwait(false))
            .Where(s => s.Kind == RunKind.Step && (step is null || s.NodeInstanceId == step || s.Name == step))
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.NodeInstanceId, StringComparer.Ordinal)
            .ToList();
        if (step is not null && steps.Count == 0)
        {
            throw new Tracking.TrackingNotFoundException($"run {runId} has no step '{step}'");
        }

        var result = new List<StepExplanation>();
        foreach (var s in steps)
        {
            result.Add(await ExplainStepAsync(run, s, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    private async Task<StepExplanation> ExplainStepAsync(RunRecord run, RunRecord step, CancellationToken ct)
    {
        if (step.Status == RunStatus.Cached)
        {
            return new StepExplanation(step.NodeInstanceId!, step.Status, "reused: same cache key as " + step.CachedFromRunId, step.CachedFromRunId, step.CachedFromRunId, []);
        }

        if (step.Status == RunStatus.Skipped)
        {
            var history = await store.GetStatusHistoryAsync(step.RunId, ct).ConfigureAwait(false);
            return new StepExplanation(step.NodeInstanceId!, step.Status, "skipped: " + (history.LastOrDefault()?.Message ?? "its condition was false"), null, null, []);
        }

        var previous = await PreviousAsync(run, step, ct).ConfigureAwait(false);
        if (previous is null)
        {
            return new StepExplanation(step.NodeInstanceId!, step.Status, "ran: no earlier run of this step to compare with", null, null, []);
        }

        var changes = CacheKeyDiff.Compare(previous.CacheKeyComponentsJson, step.CacheKeyComponentsJson);
        var tags = (await store.GetRunDetailsAsync(step.RunId, ct).ConfigureAwait(false))?.Tags;
        var verdict = step.CacheKey is null ? "did not reach the point of computing its key (an input was not ready)"
            : tags is not null && tags.ContainsKey(CacheTags.Disabled) ? "ran: caching is off for this step (cache = false)"
            : changes.Count > 0 ? $"ran: {changes.Count} part(s) of its key changed since {previous.RootRunId}"
            : previous.Status != RunStatus.Succeeded && previous.Status != RunStatus.Cached
                ? $"ran: same key as in {previous.RootRunId}, where it {previous.Status.ToWord()}"
                : $"ran: same key as in {previous.RootRunId}, whose outputs were no longer in the artifact store";
        return new StepExplanation(step.NodeInstanceId!, step.Status, verdict, null, previous.RunId, changes);
    }

    /// <summary>The same step (pipeline and node) in the most recent earlier run that computed a key.</summary>
    private async Task<RunRecord?> PreviousAsync(RunRecord run, RunRecord step, CancellationToken ct)
    {
        var page = await store.SearchRunsAsync(new RunSearchRequest
        {
            Filter = $"kind = 'step' and pipeline = {Quote(step.Pipeline ?? "")} and node = {Quote(step.NodeInstanceId ?? "")} and root_run_id != {Quote(run.RootRunId)} and cache_key is not null and created_time < {step.CreatedAt.ToUnixTimeMilliseconds()}",
            OrderBy = "created_time desc",
            Limit = 1,
        }, ct).ConfigureAwait(false);
        return page.Runs.FirstOrDefault()?.Run;
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}

/// <summary>Tags the runtime puts on step runs.</summary>
public static class CacheTags
{
    public const string Disabled = "mlpc.cache";
}
