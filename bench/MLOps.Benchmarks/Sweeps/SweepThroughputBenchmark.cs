using System.Diagnostics;
using System.Globalization;
using MLOps.Benchmarks.Tracking;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Sweeps;
using MLOps.Tracking.Sqlite;

namespace MLOps.Benchmarks.Sweeps;

/// <summary>
/// Sweep throughput with parallel = 4 on a SQLite tracking store: trials per second when the
/// trial does nothing (engine plus store cost: create the trial run, log params and tags, two status
/// changes, the objective metric) and when each trial is a real process (<c>true</c> through
/// LocalExecutor, polled every 10 ms). Not yet the scheduler's no-op pipeline: the lead's
/// ITrialRunner is not wired in; that number comes with <c>mlpc sweep</c>. Args: [--trials N].
/// </summary>
public sealed class SweepThroughputBenchmark : IBenchmark
{
    public string Name => "sweep-throughput";

    public string Description => "trials/s with parallel = 4: in-process no-op trials and /bin/true processes";

    public async Task RunAsync(string[] args)
    {
        var trials = SweepQualityBenchmark.Arg(args, "--trials") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : 400;
        Console.WriteLine("| trial | sampler | trials | seconds | trials/s |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        foreach (var sampler in new[] { "random", "tpe" })
        {
            await MeasureAsync("no-op (in process)", sampler, trials, _ => new NoOpRunner());
        }

        await using var executor = new LocalExecutor();
        await MeasureAsync("`true` process", "tpe", Math.Min(trials, 200), folder => new ProcessRunner(executor, folder));
    }

    private static async Task MeasureAsync(string label, string sampler, int trials, Func<string, ITrialRunner> runner)
    {
        var folder = BenchStats.ScratchFolder("sweep-throughput");
        try
        {
            await using var store = SqliteTrackingStore.Open(Path.Combine(folder, "tracking.db"));
            var definition = SweepDefinition.Create("bench", SweepFunctions.Hartmann6.Space, ObjectiveDirection.Minimize, sampler, new SweepBudget(trials, 4), seed: 1);
            var clock = Stopwatch.StartNew();
            await new SweepEngine(definition, runner(folder), store, new SweepRunOptions { SweepRunId = "bench", Experiment = "bench" }).RunAsync();
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {sampler} | {trials} | {seconds:0.00} | {trials / seconds:0.0} |"));
        }
        finally
        {
            BenchStats.Remove(folder);
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
