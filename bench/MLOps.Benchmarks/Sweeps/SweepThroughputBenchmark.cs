using System.Diagnostics;
using System.Globalization;
using MLOps.Backends.Slurm;
using MLOps.Benchmarks.Tracking;
using MLOps.Language;
using MLOps.Language.Lowering;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Scheduling;
using MLOps.Runtime.Sweeps;
using MLOps.Tracking;
using MLOps.Tracking.Sqlite;

namespace MLOps.Benchmarks.Sweeps;

/// <summary>
/// Sweep throughput with parallel = 4 on a SQLite tracking store: trials per second when the
/// trial does nothing (engine plus store cost: create the trial run, log params and tags, two status
/// changes, the objective metric) and when each trial is a real process (<c>true</c> through
/// LocalExecutor, polled every 10 ms); and through the real path of <c>mlpc sweep</c>: a compiled
/// <c>.mlp</c> whose steps write their one-line output with a shell builtin (cache off, so every trial
/// runs them), each trial a child pipeline run of <see cref="PipelineTrialRunner"/> (PlanRunner, local
/// executor, SQLite store), wired as SweepCommands wires it. CPU time is this process's plus its
/// children's (the step shells). Args: [--trials N] [--pipeline-trials N] [--only-pipeline] [--keep (leave the
/// pipeline sweeps' stores and work folders, to read their timings)].
/// </summary>
public sealed class SweepThroughputBenchmark : IBenchmark
{
    public string Name => "sweep-throughput";

    public string Description => "trials/s with parallel = 4: in-process no-op trials and /bin/true processes";

    public async Task RunAsync(string[] args)
    {
        var trials = SweepQualityBenchmark.Arg(args, "--trials") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : 400;
        var pipelineTrials = SweepQualityBenchmark.Arg(args, "--pipeline-trials") is { } pt ? int.Parse(pt, CultureInfo.InvariantCulture) : 200;
        Console.WriteLine("| trial | sampler | trials | seconds | trials/s | cpu per trial (this process + children) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        if (!args.Contains("--only-pipeline"))
        {
            foreach (var sampler in new[] { "random", "tpe" })
            {
                await MeasureAsync("no-op (in process)", sampler, trials, _ => new NoOpRunner());
            }

            await using var executor = new LocalExecutor();
            await MeasureAsync("`true` process", "tpe", Math.Min(trials, 200), folder => new ProcessRunner(executor, folder));
        }

        foreach (var (label, steps) in new[] { ("pipeline, 1 step (PipelineTrialRunner)", 1), ("pipeline, 3 chained steps (PipelineTrialRunner)", 3) })
        {
            foreach (var sampler in new[] { "random", "tpe" })
            {
                await MeasurePipelineAsync(label, PipelineSource(steps, sampler), sampler, pipelineTrials, args.Contains("--keep"));
            }
        }
    }

    private static async Task MeasureAsync(string label, string sampler, int trials, Func<string, ITrialRunner> runner)
    {
        var folder = BenchStats.ScratchFolder("sweep-throughput");
        try
        {
            await using var store = SqliteTrackingStore.Open(Path.Combine(folder, "tracking.db"));
            var definition = SweepDefinition.Create("bench", SweepFunctions.Hartmann6.Space, ObjectiveDirection.Minimize, sampler, new SweepBudget(trials, 4), seed: 1);
            var cpu = Cpu.Now();
            var clock = Stopwatch.StartNew();
            await new SweepEngine(definition, runner(folder), store, new SweepRunOptions { SweepRunId = "bench", Experiment = "bench" }).RunAsync();
            Report(label, sampler, trials, clock.Elapsed.TotalSeconds, Cpu.Now() - cpu);
        }
        finally
        {
            BenchStats.Remove(folder);
        }
    }

    /// <summary>
    /// A sweep over six floats of a pipeline of <paramref name="steps"/> chained steps, cache off.
    /// Each step's command is one shell builtin writing its output record (a step needs an output
    /// for the objective; <c>echo</c> costs what <c>true</c> does: the shell is the process).
    /// </summary>
    private static string PipelineSource(int steps, string sampler)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("type Score = { value: float }");
        text.AppendLine("step first(x: float) -> (s: Score) {\n  run = \"echo '{\\\"value\\\": ${x}}' > ${out.s}\"\n  cache = false\n}");
        text.AppendLine("step next(p: Score, x: float) -> (s: Score) {\n  run = \"echo '{\\\"value\\\": ${x}}' > ${out.s}\"\n  cache = false\n}");
        text.AppendLine("pipeline noop(x0: float = 0.5, x1: float = 0.5, x2: float = 0.5, x3: float = 0.5, x4: float = 0.5, x5: float = 0.5) -> (s: Score) {");
        text.AppendLine("  let s0 = first(x: x0)");
        for (var i = 1; i < steps; i++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  let s{i} = next(p: s{i - 1}.s, x: x{i})");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  return {{ s: s{steps - 1}.s }}");
        text.AppendLine("}");
        text.AppendLine("sweep bench over noop {");
        for (var i = 0; i < 6; i++)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  x{i} ~ uniform(0.0, 1.0)");
        }

        text.AppendLine("  objective = minimize s.value");
        text.AppendLine(CultureInfo.InvariantCulture, $"  sampler = {sampler}");
        text.AppendLine("  parallel = 4");
        text.AppendLine("  seed = 1");
        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary>What <c>mlpc sweep</c> does (SweepCommands): compile, open the stores, run the engine over a PipelineTrialRunner.</summary>
    private static async Task MeasurePipelineAsync(string label, string source, string sampler, int trials, bool keep)
    {
        var folder = BenchStats.ScratchFolder("sweep-throughput");
        try
        {
            var compilation = Compilation.FromText(Path.Combine(folder, "bench.mlp"), source);
            var built = PlanBuilder.Build(compilation, new BuildOptions { Sweep = "bench" });
            if (built.Plan is not { } plan)
            {
                throw new InvalidOperationException("the benchmark's pipeline does not compile: " + string.Join("; ", built.Diagnostics));
            }

            var digest = PlanRunner.DigestOf(PlanJson.Write(plan));
            await using var stores = TrackingStoreFactory.Open(Path.Combine(folder, TrackingStoreFactory.DefaultDirectory), folder);
            await using var executors = new ExecutorProvider(TimeSpan.FromMilliseconds(500)).AddSlurm();
            var runner = new PipelineTrialRunner(stores, executors, plan, digest, folder, Path.Combine(folder, TrackingStoreFactory.DefaultDirectory, "runs"), Environment.ProcessorCount);
            var engine = new SweepEngine(SweepDefinition.FromPlan(plan), runner, stores.Runs, new SweepRunOptions
            {
                SweepRunId = "bench",
                Experiment = "bench",
                Pipeline = plan.Pipeline,
                PlanDigest = digest,
                Trials = trials,
            });
            var cpu = Cpu.Now();
            var clock = Stopwatch.StartNew();
            var outcome = await engine.RunAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            var used = Cpu.Now() - cpu;
            var succeeded = outcome.Trials.Count(t => t.Status == MLOps.Tracking.Runs.RunStatus.Succeeded);
            if (succeeded != trials)
            {
                throw new InvalidOperationException($"only {succeeded} of {trials} trials succeeded: {outcome.Trials.FirstOrDefault(t => t.Status != MLOps.Tracking.Runs.RunStatus.Succeeded)?.Message}");
            }

            Report(label, sampler, trials, seconds, used);
        }
        finally
        {
            if (keep)
            {
                Console.WriteLine("kept " + folder);
            }
            else
            {
                BenchStats.Remove(folder);
            }
        }
    }

    private static void Report(string label, string sampler, int trials, double seconds, double cpuSeconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {sampler} | {trials} | {seconds:0.00} | {trials / seconds:0.0} | {cpuSeconds / trials * 1000:0.0} ms |"));

    /// <summary>User + system CPU seconds of this process and of its waited-for children, from /proc/self/stat.</summary>
    private static class Cpu
    {
        public static double Now()
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // utime, stime, cutime, cstime are fields 14-17 of stat(5); fields[0] here is field 3.
            var ticks = Enumerable.Range(11, 4).Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
            return ticks / 100.0;
        }
    }

    private sealed class NoOpRunner : ITrialRunner
    {
        public Task<TrialOutcome> RunTrialAsync(TrialSpec spec, ITrialReporter reporter, CancellationToken cancellationToken) =>
            Task.FromResult(TrialOutcome.Succeeded(SweepFunctions.Hartmann6.F([.. spec.Parameters.Select(p => ((FloatValue)p.Value).Value)])));
    }

    private sealed class ProcessRunner(IExecutor executor, string folder) : ITrialRunner
    {
        public async Task<TrialOutcome> RunTrialAsync(TrialSpec spec, ITrialReporter reporter, CancellationToken cancellationToken)
        {
            var dir = Path.Combine(folder, spec.Number.ToString(CultureInfo.InvariantCulture));
            var handle = await executor.SubmitAsync(
                new ResolvedNode
                {
                    RunId = spec.RunId,
                    NodeInstanceId = "noop",
                    Attempt = spec.Attempt,
                    Command = "true",
                    Env = new Dictionary<string, string>(),
                    Resources = new PlanResources(1, 0, 0, null),
                    Target = new PlanTarget("local", "local", []),
                    WorkDir = dir,
                    StdoutPath = Path.Combine(dir, "stdout.log"),
                    StderrPath = Path.Combine(dir, "stderr.log"),
                },
                cancellationToken);
            while (true)
            {
                var status = (await executor.GetStatusesAsync([handle], cancellationToken))[0];
                if (status.State.IsTerminal())
                {
                    return status.State == ExecutionState.Succeeded ? TrialOutcome.Succeeded(spec.Number) : TrialOutcome.Failed(status.Message ?? "failed");
                }

                await Task.Delay(10, cancellationToken);
            }
        }
    }
}
