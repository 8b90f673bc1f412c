using System.CommandLine;
using System.Runtime.InteropServices;
using MLOps.Backends.Slurm;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Inspection;
using MLOps.Runtime.Scheduling;
using MLOps.Tracking;
using MLOps.Tracking.Runs;

namespace MLOps.Cli.Commands;

/// <summary>run, logs, explain: the runtime's commands.</summary>
public static class RunCommands
{
    public const int ExitCancelled = 130;

    public static Command Run(TrackingCommandContext ctx, Func<ExecutorProvider>? executors = null, Func<TrackingStores, IRegistrationHook?>? afterRegister = null)
    {
        var file = new Argument<string>("file") { Description = "A .mlp file (compiled first; errors stop the run) or a plan.json from mlpc build" };
        var pipeline = new Option<string?>("--pipeline") { Description = "The pipeline to run (default: the only top-level one)" };
        var param = CompilerCommands.ParamOption();
        var experiment = new Option<string?>("--experiment") { Description = "Experiment to record the run in (default: the pipeline's name)" };
        var maxParallel = new Option<int?>("--max-parallel", "-j") { Description = "Most steps at once (default: the number of cores); local steps also wait for cores, memory and GPUs" };
        var resume = new Option<string?>("--resume")
        {
            Description = "Finish an interrupted run: the given RUN_ID, or without one the newest interrupted run of this plan (also what a plain re-run does)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var fresh = new Option<bool>("--fresh") { Description = "Start a new run even when an interrupted run of this plan exists (the cache still applies)" };
        var command = new Command("run", "Run a pipeline, tracked: steps start when their inputs are ready, results are cached by content,\nand a run whose mlpc was stopped is finished by running the same command again.\n\nExamples:\n  mlpc run examples/quickstart/quickstart.mlp\n  mlpc run churn.mlp --param lr=0.01 --experiment churn-lr -j 4\n  mlpc run plan.json --resume 20261201-223701-3fa9c2");
        command.Arguments.Add(file);
        command.Options.Add(pipeline);
        command.Options.Add(param);
        command.Options.Add(experiment);
        command.Options.Add(maxParallel);
        command.Options.Add(resume);
        command.Options.Add(fresh);
        command.Options.Add(ctx.StoreOption);
        command.SetAction(async (result, _) =>
        {
            var loaded = PlanLoader.Load(result.GetValue(file)!, result.GetValue(pipeline), null, result.GetValue(param), out var code);
            if (loaded is null)
            {
                return code;
            }

            if (loaded.Plan.Kind == "sweep")
            {
                ctx.Error.WriteLine("mlpc run: this plan is a sweep; run it with mlpc sweep");
                return ExitCodes.BadInput;
            }

            var resumeValue = result.GetResult(resume) is not null ? result.GetValue(resume) ?? "" : null;
            return await ctx.WithStoresAsync(result, async stores =>
            {
                await using var provider = executors?.Invoke() ?? DefaultExecutors();
                using var cancel = new CancellationTokenSource();
                using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Cancel(c, cancel, ctx));
                using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Cancel(c, cancel, ctx));
                using var view = new RunView(ctx.Out, ctx.Interactive);
                var runner = new PlanRunner(stores, provider, view);
                var request = new RunRequest
                {
                    Plan = loaded.Plan,
                    PlanDigest = loaded.Digest,
                    ProjectDirectory = ctx.WorkingDirectory,
                    WorkRoot = WorkRoot(ctx, result),
                    Experiment = result.GetValue(experiment),
                    MaxParallel = result.GetValue(maxParallel) ?? Environment.ProcessorCount,
                    ResumeRunId = string.IsNullOrEmpty(resumeValue) ? null : resumeValue,
                    ResumeInterrupted = !result.GetValue(fresh),
                    GitCommit = GitInfo.HeadCommit(ctx.WorkingDirectory),
                    AfterRegister = afterRegister?.Invoke(stores),
                };
                RunResult run;
                try
                {
                    run = await runner.RunAsync(request, cancel.Token);
                }
                catch (RunRefusedException e)
                {
                    view.Dispose();
                    foreach (var problem in e.Problems)
                    {
                        ctx.Error.WriteLine("error: " + problem);
                    }

                    ctx.Error.WriteLine("nothing was started");
                    return ExitCodes.Errors;
                }

                view.Dispose();
                Summarize(ctx, run);
                return run.Status switch
                {
                    RunStatus.Succeeded => ExitCodes.Ok,
                    RunStatus.Cancelled => ExitCancelled,
                    _ => ExitCodes.Errors,
                };
            });
        });
        return command;
    }

    /// <summary>Local processes, and Slurm through slurmrestd (a target's settings are checked before the run starts).</summary>
    public static ExecutorProvider DefaultExecutors(TimeSpan? localKillGrace = null) => new ExecutorProvider(localKillGrace).AddSlurm();

    private static void Cancel(PosixSignalContext signal, CancellationTokenSource cancel, TrackingCommandContext ctx)
    {
        if (cancel.IsCancellationRequested)
        {
            return; // a second Ctrl-C ends mlpc at once; the run is resumed next time
        }

        signal.Cancel = true;
        ctx.Error.WriteLine("cancelling: ending the running steps (Ctrl-C again to quit at once; the run can be resumed)");
        cancel.Cancel();
    }

    /// <summary>Run folders live beside the tracking database (<c>.mlp/runs</c> by default).</summary>
    public static string WorkRoot(TrackingCommandContext ctx, ParseResult result)
    {
        var location = TrackingStoreLocation.Parse(ctx.StoreUri(result), ctx.WorkingDirectory);
        var root = location.DatabasePath is { } db ? Path.GetDirectoryName(db)! : Path.Combine(ctx.WorkingDirectory, TrackingStoreFactory.DefaultDirectory);
        return Path.Combine(root, "runs");
    }

    private static void Summarize(TrackingCommandContext ctx, RunResult run)
    {
        var counts = run.Steps.GroupBy(s => s.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWord()}");
        ctx.Out.WriteLine($"run {run.RunId} {run.Status.ToWord()}: {string.Join(", ", counts)}");
        foreach (var failed in run.Steps.Where(s => s.State == StepState.Failed))
        {
            ctx.Error.WriteLine($"error: step {failed.InstanceId} failed: {failed.Message}");
        }

        if (run.Status == RunStatus.Failed && run.Steps.All(s => s.State != StepState.Failed) && run.Message is { } message)
        {
            ctx.Error.WriteLine("error: " + message);
        }

        foreach (var (name, value) in run.Outputs)
        {
            ctx.Out.WriteLine($"  {name} = {Runtime.Values.RuntimeValues.Display(value)}");
        }

        foreach (var registered in run.Registered)
        {
            ctx.Out.WriteLine($"  registered {registered}");
        }

        if (run.Status == RunStatus.Cancelled)
        {
            ctx.Out.WriteLine($"resume it with: mlpc run ... --resume {run.RunId}");
        }
    }

    public static Command Logs(TrackingCommandContext ctx)
    {
        var runId = new Argument<string>("run") { Description = "A run id (mlpc runs list)" };
        var step = new Argument<string?>("step") { Description = "One step (node id such as train or fit[2]); all steps when left out", Arity = ArgumentArity.ZeroOrOne };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing while the step runs" };
        var attempt = new Option<int?>("--attempt") { Description = "One attempt (default: every attempt)" };
        var stderr = new Option<bool>("--stderr") { Description = "Only stderr" };
        var stdout = new Option<bool>("--stdout") { Description = "Only stdout" };
        var command = new Command("logs", "Print the stdout and stderr of a run's steps, attempt by attempt.\n\nExamples:\n  mlpc logs 20261201-223701-3fa9c2\n  mlpc logs 20261201-223701-3fa9c2 train --follow\n  mlpc logs RUN fit[2] --attempt 2 --stderr");
        command.Arguments.Add(runId);
        command.Arguments.Add(step);
        command.Options.Add(follow);
        command.Options.Add(attempt);
        command.Options.Add(stderr);
        command.Options.Add(stdout);
        command.Options.Add(ctx.StoreOption);
        command.SetAction((result, token) => ctx.WithStoresAsync(result, async stores =>
        {
            var logs = new StepLogs(stores.Runs);
            var attempts = await logs.FindAsync(result.GetValue(runId)!, result.GetValue(step), result.GetValue(attempt), token);
            if (attempts.Count == 0)
            {
                ctx.Error.WriteLine("no step of this run has started yet" + (result.GetValue(step) is null ? "" : " (or the step never ran: see mlpc explain)"));
                return ExitCodes.Errors;
            }

            var several = attempts.Count > 1;
            foreach (var a in attempts)
            {
                foreach (var (name, path) in new[] { ("stdout", a.StdoutPath), ("stderr", a.StderrPath) })
                {
                    if (path is null || (name == "stdout" && result.GetValue(stderr)) || (name == "stderr" && result.GetValue(stdout)))
                    {
                        continue;
                    }

                    if (several || name == "stderr")
                    {
                        ctx.Out.WriteLine($"==> {a.InstanceId} attempt {a.Attempt} {name}{(a.State is null ? " (running)" : $" ({a.State})")} <==");
                    }

                    await logs.CopyAsync(a, path, ctx.Out, result.GetValue(follow), token);
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Explain(TrackingCommandContext ctx)
    {
        var runId = new Argument<string>("run") { Description = "A run id (mlpc runs list)" };
        var step = new Argument<string?>("step") { Description = "One step; all steps when left out", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("explain", "Say for each step whether it ran or was reused from the cache, and when it ran,\nwhich part of its cache key changed since the step's previous run.\n\nExamples:\n  mlpc explain 20261201-223701-3fa9c2\n  mlpc explain 20261201-223701-3fa9c2 train");
        command.Arguments.Add(runId);
        command.Arguments.Add(step);
        command.Options.Add(ctx.StoreOption);
        command.SetAction((result, token) => ctx.WithStoresAsync(result, async stores =>
        {
            var explanations = await new RunExplainer(stores.Runs).ExplainAsync(result.GetValue(runId)!, result.GetValue(step), token);
            foreach (var e in explanations)
            {
                ctx.Out.WriteLine($"{e.InstanceId}: {e.Status.ToWord()} — {e.Verdict}");
                foreach (var change in e.Changes)
                {
                    ctx.Out.WriteLine($"    {change.Component}: {Short(change.Before) ?? "(absent)"} → {Short(change.After) ?? "(absent)"}");
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string? Short(string? text) => text is null ? null : text.Length > 120 ? text[..117] + "..." : text.Replace("\n", "; ", StringComparison.Ordinal);
}
