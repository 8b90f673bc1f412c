using System.Globalization;
using System.Text;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps.Reports;

/// <summary>CSV export of a sweep's trials (RFC 4180 quoting, invariant numbers, one row per trial by number).</summary>
public static class TrialCsv
{
    public static string Write(IEnumerable<SweepTrialRecord> trials, ObjectiveDirection direction)
    {
        var list = trials.OrderBy(t => t.Number).ToList();
        var ranks = TrialRanking.Rank(list, direction).Where(r => r.Rank is not null).ToDictionary(r => r.Trial.Number, r => r.Rank!.Value);
        var names = TrialRanking.ParamNames(list);
        var sb = new StringBuilder();
        Row(sb, ["trial", "status", "objective", "rank", "finish_seq", "proposed_after", "attempt", "duration_s", .. names.Select(n => "param." + n), "run_id", "message"]);
        foreach (var t in list)
        {
            Row(sb, [
                t.Number.ToString(CultureInfo.InvariantCulture),
                t.Status.ToWord(),
                t.Objective?.ToString("R", CultureInfo.InvariantCulture) ?? "",
                ranks.TryGetValue(t.Number, out var r) ? r.ToString(CultureInfo.InvariantCulture) : "",
                t.FinishSequence?.ToString(CultureInfo.InvariantCulture) ?? "",
                t.ProposedAfter.ToString(CultureInfo.InvariantCulture),
                t.Attempt.ToString(CultureInfo.InvariantCulture),
                t.Duration?.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) ?? "",
                .. names.Select(n => t.Params.TryGetValue(n, out var v) ? v : ""),
                t.RunId,
                t.Message ?? "",
            ]);
        }

        return sb.ToString();
    }

    private static void Row(StringBuilder sb, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            var f = fields[i];
            if (f.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                sb.Append('"').Append(f.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(f);
            }
        }

        sb.Append("\r\n");
    }
}
