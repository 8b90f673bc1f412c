using System.Globalization;
using System.Net;
using System.Text;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps.Reports;

/// <summary>
/// The objective over trials: every succeeded trial as a point (x = trial number), the best so far
/// as a step line, pruned and failed trials as marks on the axis. As SVG (a string, deterministic
/// for the same trials), as a self-contained HTML page, and as text for the terminal.
/// </summary>
public static class ObjectiveChart
{
    private const string Ticks = "▁▂▃▄▅▆▇█";

    public static string Svg(IReadOnlyList<SweepTrialRecord> trials, ObjectiveDirection direction, string title, int width = 720, int height = 360)
    {
        const int left = 64, right = 16, top = 32, bottom = 40;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var scored = trials.Where(t => t.Status == RunStatus.Succeeded && t.Objective is not null).ToList();
        var maxN = Math.Max(1, trials.Count == 0 ? 1 : trials.Max(t => t.Number));
        var (lo, hi) = Range(scored.Select(t => t.Objective!.Value));
        string X(double n) => F(left + plotW * n / maxN);
        string Y(double v) => F(top + plotH * (1 - (v - lo) / (hi - lo)));

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{WebUtility.HtmlEncode(title)}</title>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"20\" font-size=\"13\">{WebUtility.HtmlEncode(title)}</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#444\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{top + plotH}\" stroke=\"#444\"/>\n");
        for (var i = 0; i <= 4; i++)
        {
            var v = lo + (hi - lo) * i / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{Y(v)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{Label(v)}</text>\n");
            var n = maxN * i / 4.0;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(n)}\" y=\"{top + plotH + 16}\" text-anchor=\"middle\">{Label(Math.Round(n))}</text>\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + plotW / 2}\" y=\"{height - 6}\" text-anchor=\"middle\">trial</text>\n");
        var best = TrialRanking.BestSoFar(trials, direction).Where(b => b.BestSoFar is not null).ToList();
        if (best.Count > 0)
        {
            var path = new StringBuilder();
            double? previous = null;
            foreach (var (n, v) in best)
            {
                path.Append(previous is null ? "M" : " H").Append(previous is null ? X(n) + " " + Y(v!.Value) : X(n));
                if (previous is not null && previous != v)
                {
                    path.Append(" V").Append(Y(v!.Value));
                }

                previous = v;
            }

            path.Append(" H").Append(X(maxN));
            sb.Append(CultureInfo.InvariantCulture, $"<path d=\"{path}\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"><title>best so far</title></path>\n");
        }

        foreach (var t in trials.OrderBy(t => t.Number))
        {
            if (t.Status == RunStatus.Succeeded && t.Objective is { } v)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(t.Number)}\" cy=\"{Y(v)}\" r=\"3\" fill=\"#1f77b4\"><title>trial {t.Number}: {Label(v)}</title></circle>\n");
            }
            else if (t.Status is RunStatus.Pruned or RunStatus.Failed)
            {
                var color = t.Status == RunStatus.Pruned ? "#ff7f0e" : "#7f7f7f";
                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(left + plotW * (double)t.Number / maxN - 2)}\" y=\"{top + plotH - 6}\" width=\"4\" height=\"6\" fill=\"{color}\"><title>trial {t.Number}: {t.Status.ToWord()}</title></rect>\n");
            }
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>A standalone page: the chart and the ranked trials.</summary>
    public static string Html(IReadOnlyList<SweepTrialRecord> trials, ObjectiveDirection direction, string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n");
        sb.Append("<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}</style></head><body>\n");
        sb.Append(Svg(trials, direction, title));
        var names = TrialRanking.ParamNames(trials);
        sb.Append("<table><tr><th>rank</th><th>trial</th><th>status</th><th>objective</th>");
        foreach (var n in names)
        {
            sb.Append("<th>").Append(WebUtility.HtmlEncode(n)).Append("</th>");
        }

        sb.Append("</tr>\n");
        foreach (var r in TrialRanking.Rank(trials, direction))
        {
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{r.Rank}</td><td>{r.Trial.Number}</td><td>{r.Trial.Status.ToWord()}</td><td>{(r.Trial.Objective is { } o ? Label(o) : "")}</td>");
            foreach (var n in names)
            {
                sb.Append("<td>").Append(WebUtility.HtmlEncode(r.Trial.Params.TryGetValue(n, out var v) ? v : "")).Append("</td>");
            }

            sb.Append("</tr>\n");
        }

        sb.Append("</table></body></html>\n");
        return sb.ToString();
    }

    /// <summary>One block character per value, scaled between the smallest and the largest.</summary>
    public static string Sparkline(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count == 0)
        {
            return "";
        }

        var (lo, hi) = Range(list);
        return string.Concat(list.Select(v => Ticks[(int)Math.Clamp(Math.Round((v - lo) / (hi - lo) * (Ticks.Length - 1)), 0, Ticks.Length - 1)]));
    }

    /// <summary>
    /// A text chart: '•' for each succeeded trial, '─' for the best so far, 'p' and 'x' under the axis
    /// for pruned and failed trials; columns are trial numbers scaled to <paramref name="width"/>.
    /// </summary>
    public static string Terminal(IReadOnlyList<SweepTrialRecord> trials, ObjectiveDirection direction, int width = 60, int height = 12)
    {
        var scored = trials.Where(t => t.Status == RunStatus.Succeeded && t.Objective is not null).ToList();
        if (scored.Count == 0)
        {
            return "(no succeeded trials yet)\n";
        }

        var maxN = Math.Max(1, trials.Max(t => t.Number));
        var (lo, hi) = Range(scored.Select(t => t.Objective!.Value));
        var grid = new char[height, width];
        for (var r = 0; r < height; r++)
        {
            for (var c = 0; c < width; c++)
            {
                grid[r, c] = ' ';
            }
        }

        int Col(int n) => (int)Math.Round((double)n / maxN * (width - 1));
        int Row(double v) => (int)Math.Round((hi - v) / (hi - lo) * (height - 1));
        var best = TrialRanking.BestSoFar(trials, direction);
        var column = new double?[width];
        foreach (var (n, v) in best)
        {
            column[Col(n)] = v;
        }

        double? carry = null;
        for (var c = 0; c < width; c++)
        {
            carry = column[c] ?? carry;
            if (carry is { } b)
            {
                grid[Row(b), c] = '─';
            }
        }

        foreach (var t in scored)
        {
            grid[Row(t.Objective!.Value), Col(t.Number)] = '•';
        }

        var axis = new char[width];
        Array.Fill(axis, '─');
        foreach (var t in trials.Where(t => t.Status is RunStatus.Pruned or RunStatus.Failed))
        {
            axis[Col(t.Number)] = t.Status == RunStatus.Pruned ? 'p' : 'x';
        }

        var labels = new[] { Label(hi), Label(lo) };
        var pad = labels.Max(l => l.Length);
        var sb = new StringBuilder();
        for (var r = 0; r < height; r++)
        {
            var label = r == 0 ? labels[0] : r == height - 1 ? labels[1] : "";
            sb.Append(label.PadLeft(pad)).Append(" │");
            for (var c = 0; c < width; c++)
            {
                sb.Append(grid[r, c]);
            }

            sb.Append('\n');
        }

        sb.Append(new string(' ', pad)).Append(" └").Append(axis).Append('\n');
        sb.Append(new string(' ', pad + 2)).Append('0').Append(maxN.ToString(CultureInfo.InvariantCulture).PadLeft(width - 1)).Append('\n');
        return sb.ToString();
    }

    private static (double Lo, double Hi) Range(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).ToList();
        if (list.Count == 0)
        {
            return (0, 1);
        }

        var (lo, hi) = (list.Min(), list.Max());
        if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi)))
        {
            (lo, hi) = (lo - 0.5, hi + 0.5);
        }

        return (lo, hi);
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Label(double v) => v.ToString(Math.Abs(v) >= 1e5 || (v != 0 && Math.Abs(v) < 1e-3) ? "0.###e+0" : "0.####", CultureInfo.InvariantCulture);
}
