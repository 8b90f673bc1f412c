using System.Xml.Linq;
using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Reports;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Tests.Sweeps;

public sealed class ReportTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static SweepTrialRecord Trial(int n, RunStatus status, double? objective, string lr, string? message = null) => new()
    {
        Number = n,
        RunId = "s-trial-" + n,
        Status = status,
        Objective = objective,
        Params = new Dictionary<string, string> { ["lr"] = lr, ["opt"] = n % 2 == 0 ? "adam" : "sgd" },
        FinishSequence = status == RunStatus.Running ? null : n,
        StartTime = T0,
        EndTime = status == RunStatus.Running ? null : T0.AddSeconds(n + 1),
        Message = message,
        Intermediates = [new IntermediateValue(1, 0.5), new IntermediateValue(2, 0.7)],
    };

    private static readonly SweepTrialRecord[] Trials =
    [
        Trial(0, RunStatus.Succeeded, 0.81, "0.01"),
        Trial(1, RunStatus.Pruned, null, "0.1", "pruned by asha at step 1"),
        Trial(2, RunStatus.Succeeded, 0.93, "0.003"),
        Trial(3, RunStatus.Failed, null, "0.5", "exit 1, \"oops\""),
        Trial(4, RunStatus.Succeeded, 0.93, "0.002"),
        Trial(5, RunStatus.Running, null, "0.02"),
    ];

    [Fact]
    public void Ranking_puts_the_best_first_breaks_ties_by_number_and_lists_the_rest_after()
    {
        var ranked = TrialRanking.Rank(Trials, ObjectiveDirection.Maximize);
        Assert.Equal([2, 4, 0, 1, 3, 5], ranked.Select(r => r.Trial.Number));
        Assert.Equal([1, 2, 3, null, null, null], ranked.Select(r => r.Rank));
        Assert.Equal(0, TrialRanking.Best(Trials, ObjectiveDirection.Minimize)!.Number);
        Assert.Equal([0.81, 0.81, 0.93, 0.93, 0.93, 0.93], TrialRanking.BestSoFar(Trials, ObjectiveDirection.Maximize).Select(b => b.BestSoFar!.Value));
    }

    [Fact]
    public void Csv_has_a_row_per_trial_with_params_and_quotes_what_needs_it()
    {
        var lines = TrialCsv.Write(Trials, ObjectiveDirection.Maximize).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("trial,status,objective,rank,finish_seq,proposed_after,attempt,duration_s,param.lr,param.opt,run_id,message", lines[0]);
        Assert.Equal("0,succeeded,0.81,3,0,0,1,1,0.01,adam,s-trial-0,", lines[1]);
        Assert.Equal("3,failed,,,3,0,1,4,0.5,sgd,s-trial-3,\"exit 1, \"\"oops\"\"\"", lines[4]);
        Assert.Equal(7, lines.Length);
    }

    [Fact]
    public void The_svg_is_well_formed_and_shows_every_trial()
    {
        var svg = ObjectiveChart.Svg(Trials, ObjectiveDirection.Maximize, "tune <churn>");
        var doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(3, doc.Descendants(ns + "circle").Count());
        Assert.Equal(2, doc.Descendants(ns + "rect").Count(r => r.Attribute("width")?.Value == "4"));
        Assert.Single(doc.Descendants(ns + "path"));
        Assert.Contains("tune &lt;churn&gt;", svg);
        Assert.Equal(svg, ObjectiveChart.Svg(Trials, ObjectiveDirection.Maximize, "tune <churn>"));
    }

    [Fact]
    public void The_html_page_holds_the_chart_and_the_ranked_table()
    {
        var html = ObjectiveChart.Html(Trials, ObjectiveDirection.Maximize, "tune");
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<svg", html);
        Assert.Equal(7, html.Split("<tr>").Length - 1);
    }

    [Fact]
    public void The_terminal_chart_marks_trials_the_best_line_and_pruned_or_failed_trials()
    {
        var text = ObjectiveChart.Terminal(Trials, ObjectiveDirection.Maximize, width: 11, height: 5);
        var lines = text.Split('\n');
        Assert.StartsWith("0.93 │", lines[0]);
        Assert.StartsWith("0.81 │•", lines[4]);
        Assert.Contains('p', lines[5]);
        Assert.Contains('x', lines[5]);
        Assert.Equal(3, text.Count(c => c == '•'));
        Assert.Equal("(no succeeded trials yet)\n", ObjectiveChart.Terminal([Trials[5]], ObjectiveDirection.Maximize));
    }

    [Fact]
    public void Sparklines_scale_between_min_and_max()
    {
        Assert.Equal("▁▅█", ObjectiveChart.Sparkline([0, 0.6, 1]));
        Assert.Equal("▅▅", ObjectiveChart.Sparkline([2, 2]));
        Assert.Equal("", ObjectiveChart.Sparkline([]));
    }

    [Fact]
    public void The_table_lists_ranked_trials_with_params_and_a_summary_line()
    {
        var table = TrialTable.Render(Trials, ObjectiveDirection.Maximize);
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith("rank  trial  status", lines[0]);
        Assert.Contains("0.003", lines[1]);
        Assert.Equal("5/6 finished · 1 running · 3 succeeded · 1 pruned · 1 failed · best 0.93 (trial 2)", TrialTable.Summary(Trials, ObjectiveDirection.Maximize, 6));
    }

    [Fact]
    public async Task Reports_read_a_real_sweep_back_from_the_store()
    {
        await using var temp = new TempStore();
        var progress = new SweepProgress();
        var definition = SweepDefinition.Create("tune", SweepTestSpaces.Branin, ObjectiveDirection.Minimize, "random", new SweepBudget(8, 2), seed: 1);
        await new SweepEngine(definition, new FunctionRunner(x => SweepTestSpaces.BraninValue([x["x1"], x["x2"]])), temp.Store, new SweepRunOptions { SweepRunId = "r", Experiment = "tune", Observer = progress }).RunAsync();

        var history = (await SweepHistoryReader.LoadAsync(temp.Store, "r"))!;
        Assert.Equal(ObjectiveDirection.Minimize, history.Direction);
        Assert.Equal(8, history.Trials.Count);
        Assert.Equal(history.Trials.Select(t => (t.Number, t.Status, t.Objective)), progress.Snapshot().Select(t => (t.Number, t.Status, t.Objective)));
        Assert.Equal(9, TrialCsv.Write(history.Trials, history.Direction).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(8, XDocument.Parse(ObjectiveChart.Svg(history.Trials, history.Direction, "tune")).Descendants().Count(e => e.Name.LocalName == "circle"));
    }
}
