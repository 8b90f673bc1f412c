using System.Globalization;
using System.Text;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps.Reports;

/// <summary>
/// The trials as a plain text table (the live table while a sweep runs, and <c>mlpc sweep show</c>):
/// ranked rows, one column per param, intermediate values as a sparkline.
/// </summary>
public static class TrialTable
{
    public static string Render(IReadOnlyList<SweepTrialRecord> trials, ObjectiveDirection direction, int? limit = null)
    {
        var names = TrialRanking.ParamNames(trials);
        var header = new List<string> { "rank", "trial", "status", "objective" };
        header.AddRange(names);
        header.AddRange(["duration", "curve"]);
        var rows = new List<string[]>();
        foreach (var r in TrialRanking.Rank(trials, direction).Take(limit ?? int.MaxValue))
        {
            var t = r.Trial;
            var row = new List<string>
            {
                r.Rank?.ToString(CultureInfo.InvariantCulture) ?? "",
                t.Number.ToString(CultureInfo.InvariantCulture),
                t.Status.ToWord(),
                t.Objective is { } o ? ObjectiveChart.Label(o) : "",
            };
            row.AddRange(names.Select(n => t.Params.TryGetValue(n, out var v) ? v : ""));
            row.Add(t.Duration is { } d ? d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s" : "");
            row.Add(ObjectiveChart.Sparkline(t.Intermediates.Select(v => v.Value)));
            rows.Add([.. row]);
        }

        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells)
        {
            for (var i = 0; i < cells.Count; i++)
            {
                // Text columns left, numbers right.
                var left = i is 2 || i == cells.Count - 1;
                sb.Append(left ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i]));
                sb.Append(i == cells.Count - 1 ? "" : "  ");
            }

            sb.Append('\n');
        }

        Line(header);
        foreach (var row in rows)
        {
            Line(row);
        }

        return sb.ToString();
    }

    /// <summary>One line for the live view: counts by status and the best so far.</summary>
    public static string Summary(IReadOnlyList<SweepTrialRecord> trials, ObjectiveDirection direction, int budget)
    {
        int Count(RunStatus s) => trials.Count(t => t.Status == s);
        var best = TrialRanking.Best(trials, direction);
        return string.Create(CultureInfo.InvariantCulture, $"{trials.Count(t => t.IsFinished)}/{budget} finished · {Count(RunStatus.Running)} running · {Count(RunStatus.Succeeded)} succeeded · {Count(RunStatus.Pruned)} pruned · {Count(RunStatus.Failed)} failed")
            + (best is null ? "" : $" · best {ObjectiveChart.Label(best.Objective!.Value)} (trial {best.Number})");
    }
}
