using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps.Reports;

/// <summary>A trial with its rank among succeeded trials (1 = best); null for trials without an objective.</summary>
public sealed record RankedTrial(int? Rank, SweepTrialRecord Trial);

/// <summary>Orders trials for <c>mlpc sweep show</c>: succeeded best first (ties: lower number), then the rest by number.</summary>
public static class TrialRanking
{
    public static IReadOnlyList<RankedTrial> Rank(IEnumerable<SweepTrialRecord> trials, ObjectiveDirection direction)
    {
        var all = trials.ToList();
        var scored = all.Where(t => t.Status == RunStatus.Succeeded && t.Objective is not null)
            .OrderBy(t => direction == ObjectiveDirection.Maximize ? -t.Objective!.Value : t.Objective!.Value)
            .ThenBy(t => t.Number)
            .Select((t, i) => new RankedTrial(i + 1, t));
        var rest = all.Where(t => t.Status != RunStatus.Succeeded || t.Objective is null)
            .OrderBy(t => t.Number)
            .Select(t => new RankedTrial(null, t));
        return [.. scored, .. rest];
    }

    public static SweepTrialRecord? Best(IEnumerable<SweepTrialRecord> trials, ObjectiveDirection direction) =>
        Rank(trials, direction).FirstOrDefault(r => r.Rank == 1)?.Trial;

    /// <summary>The best objective after each trial, by trial number (null until a trial succeeded).</summary>
    public static IReadOnlyList<(int Number, double? BestSoFar)> BestSoFar(IEnumerable<SweepTrialRecord> trials, ObjectiveDirection direction)
    {
        double? best = null;
        var result = new List<(int, double?)>();
        foreach (var t in trials.OrderBy(t => t.Number))
        {
            if (t.Status == RunStatus.Succeeded && t.Objective is { } v && (best is not { } b || (direction == ObjectiveDirection.Maximize ? v > b : v < b)))
            {
                best = v;
            }

            result.Add((t.Number, best));
        }

        return result;
    }

    /// <summary>Every param name across the trials, sorted (the columns of tables and CSV).</summary>
    public static IReadOnlyList<string> ParamNames(IEnumerable<SweepTrialRecord> trials) =>
        [.. trials.SelectMany(t => t.Params.Keys).Distinct().Order(StringComparer.Ordinal)];
}
