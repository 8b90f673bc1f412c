using System.Globalization;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps;

/// <summary>What a stored sweep looks like: its run, its settings tags and its trials by number.</summary>
public sealed record SweepHistory(RunDetails Sweep, IReadOnlyList<SweepTrialRecord> Trials)
{
    public ObjectiveDirection Direction => Sweep.Tags.TryGetValue(SweepTags.Direction, out var d) && d == "minimize" ? ObjectiveDirection.Minimize : ObjectiveDirection.Maximize;

    public string? Tag(string name) => Sweep.Tags.TryGetValue(name, out var v) ? v : null;
}

/// <summary>Reads a sweep and its trials back from the tracking store (for resume and for reports).</summary>
public static class SweepHistoryReader
{
    /// <summary>The sweep run with its trials ordered by number; null when there is no such run.</summary>
    public static async Task<SweepHistory?> LoadAsync(ITrackingStore store, string sweepRunId, CancellationToken cancellationToken = default)
    {
        var sweep = await store.GetRunDetailsAsync(sweepRunId, cancellationToken).ConfigureAwait(false);
        if (sweep is null)
        {
            return null;
        }

        if (sweep.Run.Kind != RunKind.Sweep)
        {
            throw new SweepDefinitionException($"run '{sweepRunId}' is a {sweep.Run.Kind.ToString().ToLowerInvariant()} run, not a sweep");
        }

        var prunerMetric = sweep.Tags.TryGetValue(SweepTags.PrunerMetric, out var m) ? m : null;
        var trials = new List<SweepTrialRecord>();
        foreach (var child in await store.GetChildRunsAsync(sweepRunId, cancellationToken).ConfigureAwait(false))
        {
            if (child.Kind != RunKind.Trial)
            {
                continue;
            }

            var details = await store.GetRunDetailsAsync(child.RunId, cancellationToken).ConfigureAwait(false);
            if (details is null || !details.Tags.TryGetValue(SweepTags.Trial, out var numberText) || !int.TryParse(numberText, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }

            var intermediates = prunerMetric is null
                ? []
                : (await store.GetMetricHistoryAsync(child.RunId, prunerMetric, cancellationToken).ConfigureAwait(false))
                    .Select(p => new IntermediateValue(p.Step, p.Value))
                    .ToList();

            // A restarted trial logged its steps again: the history is ordered by step then time,
            // so the last point of each step is the latest attempt's.
            intermediates = [.. intermediates.GroupBy(v => v.Step).Select(g => g.Last())];
            trials.Add(new SweepTrialRecord
            {
                Number = number,
                RunId = child.RunId,
                Status = child.Status,
                Params = details.Params,
                Objective = Double(details.Tags, SweepTags.Objective),
                FinishSequence = Int(details.Tags, SweepTags.FinishSequence),
                ProposedAfter = Int(details.Tags, SweepTags.ProposedAfter) ?? 0,
                Attempt = Int(details.Tags, SweepTags.Attempt) ?? 1,
                Message = details.Tags.TryGetValue(SweepTags.Message, out var message) ? message : null,
                StartTime = child.StartTime,
                EndTime = child.EndTime,
                Intermediates = [.. intermediates],
            });
        }

        trials.Sort((a, b) => a.Number.CompareTo(b.Number));
        return new SweepHistory(sweep, trials);
    }

    internal static int? Int(IReadOnlyDictionary<string, string> tags, string name) =>
        tags.TryGetValue(name, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var i) ? i : null;

    internal static double? Double(IReadOnlyDictionary<string, string> tags, string name) =>
        tags.TryGetValue(name, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
}
