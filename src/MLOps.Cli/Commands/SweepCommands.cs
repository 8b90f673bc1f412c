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
    public static Command Create(TrackingCommandContext ctx, Func<MLOps.Tracking.TrackingStores, MLOps.Runtime.Scheduling.IRegistrationHook?>? afterRegister = null)
    {
        var file = new Argument<string?>("file") { Description = "The .mlp file with the sweep (or a sweep plan.json from mlpc build --sweep)", Arity = ArgumentArity.ZeroOrOne };
        var name = new Option<string?>("--sweep") { Description = "The sweep to run (default: the only one)" };
        var param = CompilerCommands.ParamOption();
        var trials = new Option<int?>("--trials") { Description = "Override the sweep's trial budget" };
        var parallel = new Option<int?>("--parallel") { Description = "Override how many trials run at once" };
        var seed = new Option<int?>("--seed") { Description = "Override the sweep's seed (same seed and parallel 1: the same trials)" };
        var experiment = new Option<string?>("--experiment") { Description = "Experiment to record the sweep in (default: the pipeline's name)" };
        var resume = new Option<string?>("--resume")
        {
            Description = "Resume an interrupted sweep: the given sweep RUN_ID, or the newest unfinished sweep of this plan. Finished trials are kept; running ones restart",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var sweep = new Command("sweep", "Run a hyper-parameter sweep (each trial a tracked child run of the sweep, sharing the step cache),\nor show one.\n\nExamples:\n  mlpc sweep examples/quickstart/quickstart.mlp --sweep tune\n  mlpc sweep fraud.mlp --trials 50 --parallel 4 --seed 7\n  mlpc sweep fraud.mlp --resume\n  mlpc sweep show SWEEP_RUN_ID --svg objective.svg --csv trials.csv")
        {
            file, name, param, trials, parallel, seed, experiment, resume,
        };
        sweep.Options.Add(ctx.StoreOption);
        sweep.Subcommands.Add(Show(ctx));
        sweep.SetAction(async (result, _) =>
        {
            if (result.GetValue(file) is not { } path)
            {
                ctx.Error.WriteLine("mlpc sweep: give the .mlp file with the sweep (or: mlpc sweep show RUN)");
                return ExitCodes.BadInput;
            }

            var loaded = PlanLoader.Load(path, null, result.GetValue(name), result.GetValue(param), out var code, OnlySweep);
            if (loaded is null)
            {
                return code;
            }

            if (loaded.Plan.Sweep is null)
            {
                ctx.Error.WriteLine($"mlpc sweep: {path} has no sweep to run (it is a pipeline plan: use mlpc run)");
                return ExitCodes.BadInput;
            }

            var resumeValue = result.GetResult(resume) is not null ? result.GetValue(resume) ?? "" : null;
            return await ctx.WithStoresAsync(result, async stores =>
            {
                var definition = SweepDefinition.FromPlan(loaded.Plan);
                var experimentName = result.GetValue(experiment) ?? loaded.Plan.Pipeline;
                var sweepRunId = resumeValue switch
                {
                    null => MLOps.Runtime.Scheduling.PlanRunner.NewRunId(),
                    "" => await LatestUnfinishedAsync(stores.Runs, experimentName, loaded.Digest)
                        ?? throw new MLOps.Tracking.TrackingNotFoundException($"there is no unfinished sweep of this plan in experiment '{experimentName}' to resume"),
                    _ => resumeValue,
                };
                await using var executors = RunCommands.DefaultExecutors(localKillGrace: TimeSpan.FromMilliseconds(500));
                using var cancel = new CancellationTokenSource();
                void Cancel(System.Runtime.InteropServices.PosixSignalContext c)
                {
                    if (!cancel.IsCancellationRequested)
                    {
                        c.Cancel = true;
                        ctx.Error.WriteLine("cancelling the sweep: running trials are ended and restart on --resume");
                        cancel.Cancel();
                    }
                }

                using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Cancel);
                using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Cancel);
                var runner = new PipelineTrialRunner(stores, executors, loaded.Plan, loaded.Digest, ctx.WorkingDirectory, RunCommands.WorkRoot(ctx, result),
                    Environment.ProcessorCount, null, afterRegister?.Invoke(stores));
                using var view = new SweepView(ctx.Out, ctx.Interactive, definition.Objective);
                var engine = new SweepEngine(definition, runner, stores.Runs, new SweepRunOptions
                {
                    SweepRunId = sweepRunId,
                    Experiment = experimentName,
                    Pipeline = loaded.Plan.Pipeline,
                    SourceFile = loaded.Plan.Source.File,
                    SourceDigest = loaded.Plan.Source.Digest,
                    PlanDigest = loaded.Digest,
                    GitCommit = GitInfo.HeadCommit(ctx.WorkingDirectory),
                    Trials = result.GetValue(trials),
                    Parallel = result.GetValue(parallel),
                    Seed = result.GetValue(seed),
                    Observer = view,
                });
                ctx.Out.WriteLine($"sweep {sweepRunId} over {loaded.Plan.Pipeline} ({definition.Sampler.Name} sampler{(definition.Pruner is { } p ? ", " + p.Name + " pruner" : "")})");
                var outcome = await engine.RunAsync(cancel.Token);
                view.Dispose();
                ctx.Out.WriteLine($"sweep {outcome.SweepRunId} {outcome.StopReason.ToString().ToLowerInvariant()}: {outcome.Trials.Count(t => t.Status == RunStatus.Succeeded)} succeeded, {outcome.Trials.Count(t => t.Status == RunStatus.Pruned)} pruned, {outcome.Trials.Count(t => t.Status == RunStatus.Failed)} failed");
                if (outcome.Best is { } best)
                {
                    ctx.Out.WriteLine($"best: trial {best.Number} {definition.Objective.Output}{string.Concat(definition.Objective.Path.Select(x => "." + x))} = {best.Objective?.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} with {string.Join(", ", best.Params.Select(kv => kv.Key + "=" + kv.Value))}");
                }

                ctx.Out.WriteLine($"see: mlpc sweep show {outcome.SweepRunId}");
                return outcome.StopReason == SweepStopReason.Cancelled ? RunCommands.ExitCancelled
                    : outcome.Trials.Any(t => t.Status == RunStatus.Succeeded) ? ExitCodes.Ok : ExitCodes.Errors;
            });
        });
        return sweep;
    }

    /// <summary>Without --sweep, the file's only sweep (the compiler says which exist when there are several).</summary>
    private static string? OnlySweep(MLOps.Language.Compilation compilation)
    {
        var sweeps = compilation.EntryModule.Declarations.OfType<MLOps.Language.Binding.SweepSymbol>().Select(s => s.Name).ToList();
        return sweeps.Count == 1 ? sweeps[0] : null;
    }

    private static async Task<string?> LatestUnfinishedAsync(ITrackingStore runs, string experiment, string planDigest)
    {
        var page = await runs.SearchRunsAsync(new MLOps.Tracking.Search.RunSearchRequest
        {
            Filter = $"kind = 'sweep' and experiment = '{experiment.Replace("'", "''", StringComparison.Ordinal)}' and status in ('running', 'queued', 'cancelled')",
            OrderBy = "created_time desc",
            Limit = 50,
        });
        return page.Runs.FirstOrDefault(r => r.Run.PlanDigest == planDigest)?.Run.RunId;
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
