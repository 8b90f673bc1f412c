using System.CommandLine;
using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Reports;
using MLOps.Tracking.Runs;
using static MLOps.Cli.Commands.TrackingCommandContext;

namespace MLOps.Cli.Commands;

/// <summary>
/// <c>mlpc sweep show RUN</c>: the best trial, the trials ranked, a chart of the objective over
/// trials, and SVG / HTML / CSV exports. Running sweeps (<c>mlpc sweep FILE --sweep NAME</c>) is
/// added to this command with the scheduler; the logic lives in MLOps.Runtime.Sweeps.
/// </summary>
public static class SweepCommands
{
    public static Command Create(TrackingCommandContext ctx)
    {
        var sweep = new Command("sweep", "Run hyper-parameter sweeps and show their trials");
        sweep.Options.Add(ctx.StoreOption);
        sweep.Subcommands.Add(Show(ctx));
        return sweep;
    }

    private static Command Show(TrackingCommandContext ctx)
    {
        var run = new Argument<string>("run") { Description = "The sweep's run id" };
        var top = new Option<int?>("--top", "-n") { Description = "Show only the N best trials (default: all)" };
        var svg = new Option<string?>("--svg") { Description = "Write the chart of the objective over trials to this SVG file" };
        var html = new Option<string?>("--html") { Description = "Write the chart and the ranked trials to this HTML file" };
        var csv = new Option<string?>("--csv") { Description = "Write every trial (status, objective, params) to this CSV file" };
        var command = new Command("show", "The best trial, the trials ranked and the objective over trials") { run, top, svg, html, csv };
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var id = result.GetValue(run)!;
            SweepHistory? history;
            try
            {
                history = await SweepHistoryReader.LoadAsync(stores.Runs, id);
            }
            catch (SweepDefinitionException e)
            {
                ctx.Error.WriteLine("error: " + e.Message);
                return ExitUsage;
            }

            if (history is null)
            {
                ctx.Error.WriteLine($"error: no sweep run '{id}' in {stores.Uri}");
                return ExitNotFound;
            }

            var trials = history.Trials;
            var direction = history.Direction;
            var objective = history.Tag(SweepTags.ObjectiveName) ?? "objective";
            var budget = int.TryParse(history.Tag(SweepTags.TrialsBudget), System.Globalization.CultureInfo.InvariantCulture, out var b) ? b : trials.Count;
            ctx.Out.WriteLine($"sweep {history.Sweep.Run.Name} ({id}): {history.Sweep.Run.Status.ToWord()}, {(direction == ObjectiveDirection.Maximize ? "maximize" : "minimize")} {objective}, sampler {history.Tag(SweepTags.Sampler) ?? "?"}, pruner {history.Tag(SweepTags.Pruner) ?? "none"}, seed {history.Tag(SweepTags.Seed) ?? "?"}");
            ctx.Out.WriteLine(TrialTable.Summary(trials, direction, budget));
            if (TrialRanking.Best(trials, direction) is { } best)
            {
                ctx.Out.WriteLine($"best: trial {best.Number} ({best.RunId}) {objective} = {Number(best.Objective!.Value)}  " + string.Join(" ", best.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value)));
            }

            ctx.Out.WriteLine();
            ctx.Out.Write(TrialTable.Render(trials, direction, result.GetValue(top)));
            ctx.Out.WriteLine();
            ctx.Out.Write(ObjectiveChart.Terminal(trials, direction));
            var title = $"{history.Sweep.Run.Name}: {objective} over trials";
            if (result.GetValue(svg) is { } svgPath)
            {
                await File.WriteAllTextAsync(svgPath, ObjectiveChart.Svg(trials, direction, title));
                ctx.Out.WriteLine("wrote " + svgPath);
            }

            if (result.GetValue(html) is { } htmlPath)
            {
                await File.WriteAllTextAsync(htmlPath, ObjectiveChart.Html(trials, direction, title));
                ctx.Out.WriteLine("wrote " + htmlPath);
            }

            if (result.GetValue(csv) is { } csvPath)
            {
                await File.WriteAllTextAsync(csvPath, TrialCsv.Write(trials, direction));
                ctx.Out.WriteLine("wrote " + csvPath);
            }

            return ExitOk;
        }));
        return command;
    }
}
