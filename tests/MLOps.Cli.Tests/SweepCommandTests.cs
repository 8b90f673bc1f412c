using System.CommandLine;
using MLOps.Cli.Commands;
using MLOps.Plan;
using MLOps.Runtime.Sweeps;
using MLOps.Tracking.Sqlite;

namespace MLOps.Cli.Tests;

public sealed class SweepCommandTests
{
    private sealed class QuadraticRunner : ITrialRunner
    {
        public Task<TrialOutcome> RunTrialAsync(TrialSpec spec, ITrialReporter reporter, CancellationToken cancellationToken)
        {
            var x = ((FloatValue)spec.Parameters[0].Value).Value;
            return Task.FromResult(TrialOutcome.Succeeded(-(x - 0.3) * (x - 0.3)));
        }
    }

    [Fact]
    public async Task Sweep_show_prints_the_best_trial_and_writes_svg_html_and_csv()
    {
        var dir = MlpcProcess.TempDir();
        var db = Path.Combine(dir, "tracking.db");
        await using (var store = SqliteTrackingStore.Open(db))
        {
            var space = new SearchSpace([new FloatDimension("lr", 0, 1, false)]);
            var definition = SweepDefinition.Create("tune", space, ObjectiveDirection.Maximize, "tpe", new SweepBudget(12, 2), seed: 3);
            await new SweepEngine(definition, new QuadraticRunner(), store, new SweepRunOptions { SweepRunId = "sw1", Experiment = "tune" }).RunAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var output = new StringWriter();
        var error = new StringWriter();
        var ctx = new TrackingCommandContext(output, error, interactive: false, dir, _ => null);
        var root = new RootCommand { SweepCommands.Create(ctx) };
        var svg = Path.Combine(dir, "chart.svg");
        var html = Path.Combine(dir, "chart.html");
        var csv = Path.Combine(dir, "trials.csv");
        var code = await root.Parse(["sweep", "show", "sw1", "--store", "sqlite://" + db, "--svg", svg, "--html", html, "--csv", csv]).InvokeAsync();

        Assert.True(code == 0, error.ToString());
        var text = output.ToString();
        Assert.Contains("sweep tune (sw1): succeeded, maximize metrics.objective, sampler tpe", text);
        Assert.Contains("12/12 finished", text);
        Assert.Contains("best: trial ", text);
        Assert.StartsWith("<svg", File.ReadAllText(svg));
        Assert.Contains("<table>", File.ReadAllText(html));
        Assert.Equal(13, File.ReadAllLines(csv).Length);

        var missing = await root.Parse(["sweep", "show", "nope", "--store", "sqlite://" + db]).InvokeAsync();
        Assert.Equal(TrackingCommandContext.ExitNotFound, missing);
    }
}
