using System.Diagnostics;
using System.Globalization;
using MLOps.Benchmarks.Tracking;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Scheduling;
using MLOps.Tracking;

namespace MLOps.Benchmarks.Runtime;

/// <summary>
/// Metric ingest through the step contract: a real step appends N JSON lines to
/// <c>MLP_METRICS_FILE</c>; the time from the run's start until every point is stored, minus the
/// same run with a step that writes none, gives points per second end to end (tail, parse,
/// batched writer). Args: N (default 500000).
/// </summary>
public sealed class StepMetricsBenchmark : IBenchmark
{
    public string Name => "step-metrics";

    public string Description => "points/s from a step streaming metrics through MLP_METRICS_FILE into SQLite";

    public async Task RunAsync(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 500_000;
        var dir = BenchStats.ScratchFolder("step-metrics");
        try
        {
            var lines = Path.Combine(dir, "points.jsonl");
            await using (var w = new StreamWriter(lines))
            {
                for (var i = 0; i < n; i++)
                {
                    await w.WriteLineAsync($"{{\"name\": \"m{i % 10}\", \"value\": {i * 0.5}, \"step\": {i / 10}}}");
                }
            }

            Console.WriteLine("| run | points | seconds | points/s |");
            Console.WriteLine("|---|---:|---:|---:|");
            for (var round = 1; round <= 2; round++)
            {
                var baseline = await RunAsync(dir, "cat points.jsonl > /dev/null; : > {{out.o}}", $"b{round}");
                var streaming = await RunAsync(dir, "cat points.jsonl >> $MLP_METRICS_FILE; : > {{out.o}}", $"s{round}");
                var seconds = Math.Max(1e-3, streaming.Seconds - baseline.Seconds);
                Console.WriteLine($"| round {round} | {streaming.Points:N0} | {BenchStats.F(seconds, 2)} | {BenchStats.F(streaming.Points / seconds, 0)} |");
            }
        }
        finally
        {
            BenchStats.Remove(dir);
        }
    }

    private static async Task<(double Seconds, long Points)> RunAsync(string dir, string command, string id)
    {
        var plan = new ExecutionPlan
        {
            Source = new PlanSource("bench.mlp", "sha256:" + id),
            Pipeline = "metrics",
            Targets = [new PlanTarget("local", "local", [])],
            Nodes =
            [
                new PlanNode
                {
                    Id = "emit",
                    Step = "emit",
                    Command = command,
                    Resources = new PlanResources(1, 0, 0, null),
                    Retry = new PlanRetry(1, 0, 1),
                    Target = "local",
                    Outputs = [new PlanOutput("o", new ArtifactPlanType("File"))],
                    Cache = new PlanCacheKey(false, "sha256:0", [], []),
                },
            ],
        };
        await using var stores = TrackingStoreFactory.Open(".mlp/", dir);
        await using var executors = new ExecutorProvider();
        var watch = Stopwatch.StartNew();
        var result = await new PlanRunner(stores, executors).RunAsync(new RunRequest
        {
            Plan = plan,
            PlanDigest = "sha256:" + id,
            ProjectDirectory = dir,
            WorkRoot = Path.Combine(dir, ".mlp", "runs"),
            ResumeInterrupted = false,
        }, CancellationToken.None);
        var seconds = watch.Elapsed.TotalSeconds;
        long points = 0;
        for (var m = 0; m < 10; m++)
        {
            points += (await stores.Runs.GetMetricHistoryAsync(result.RunId + "/emit", "m" + m)).Count;
        }

        return (seconds, points);
    }
}
