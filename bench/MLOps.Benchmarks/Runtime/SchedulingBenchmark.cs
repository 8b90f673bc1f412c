using System.Collections.Immutable;
using System.Diagnostics;
using MLOps.Benchmarks.Tracking;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Scheduling;
using MLOps.Tracking;

namespace MLOps.Benchmarks.Runtime;

/// <summary>
/// Scheduling overhead: no-op DAGs (a chain, and a fan-out/fan-in) of N steps run by mlpc's
/// scheduler on the local executor with a real SQLite store, against the bare cost of spawning a
/// shell, and against Snakemake on the same DAG in the same run.
/// Args: sizes (default "1000,10000"), then "--snakemake-max N" (largest size given to Snakemake; default 1000).
/// </summary>
public sealed class SchedulingBenchmark : IBenchmark
{
    public string Name => "scheduling";

    public string Description => "no-op DAG overhead per step: mlpc vs process spawn vs Snakemake";

    public async Task RunAsync(string[] args)
    {
        var sizes = args.Length > 0 && !args[0].StartsWith('-') ? args[0].Split(',').Select(int.Parse).ToArray() : [1000, 10000];
        var snakeMax = args.SkipWhile(a => a != "--snakemake-max").Skip(1).Select(int.Parse).FirstOrDefault(1000);
        var floor = SpawnFloorMs(300);
        var snakemake = File.Exists("/usr/bin/snakemake");
        Console.WriteLine($"spawn floor (/bin/sh -c ':' through setsid, one at a time): {BenchStats.F(floor, 3)} ms");
        Console.WriteLine();
        Console.WriteLine("| DAG | steps | mlpc wall | mlpc overhead/step beyond spawn | Snakemake wall | Snakemake overhead/step | ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var shape in new[] { "chain", "fan-out/fan-in" })
        {
            foreach (var n in sizes)
            {
                var parallel = shape == "chain" ? 1 : Environment.ProcessorCount;
                var wall = await MlpcAsync(shape, n);
                // The floor a perfect scheduler pays: n spawns, spread over the parallel slots.
                var floorTotal = floor * n / parallel;
                var ours = Math.Max(0, wall - floorTotal) / n;
                string snakeWall = "not run", snakeOverhead = "", ratio = "";
                if (snakemake && n <= snakeMax)
                {
                    try
                    {
                        var s = Snakemake(shape, n);
                        var theirs = Math.Max(0, s - floorTotal) / n;
                        snakeWall = BenchStats.F(s / 1000, 2) + " s";
                        snakeOverhead = BenchStats.F(theirs, 2) + " ms";
                        ratio = BenchStats.F(theirs / Math.Max(ours, 1e-6), 0) + "×";
                    }
                    catch (InvalidOperationException e)
                    {
                        snakeWall = "failed: " + e.Message.Split('\n').FirstOrDefault(l => l.Contains("Error", StringComparison.Ordinal))?.Trim();
                    }
                }

                Console.WriteLine($"| {shape} | {n:N0} | {BenchStats.F(wall / 1000, 2)} s | {BenchStats.F(ours, 3)} ms | {snakeWall} | {snakeOverhead} | {ratio} |");
            }
        }
    }

    private static double SpawnFloorMs(int count)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
            psi.ArgumentList.Add("/bin/sh");
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(":");
            using var p = Process.Start(psi)!;
            p.WaitForExit();
        }

        return watch.Elapsed.TotalMilliseconds / count;
    }

    private static async Task<double> MlpcAsync(string shape, int n)
    {
        var dir = BenchStats.ScratchFolder("sched");
        try
        {
            var plan = shape == "chain" ? Chain(n) : FanOut(n);
            var json = PlanJson.Write(plan);
            await using var stores = TrackingStoreFactory.Open(".mlp/", dir);
            await using var executors = new ExecutorProvider();
            var runner = new PlanRunner(stores, executors, null, new MachineResources(Environment.ProcessorCount, 0, 0));
            var watch = Stopwatch.StartNew();
            var result = await runner.RunAsync(new RunRequest
            {
                Plan = plan,
                PlanDigest = PlanRunner.DigestOf(json),
                ProjectDirectory = dir,
                WorkRoot = Path.Combine(dir, ".mlp", "runs"),
                MaxParallel = shape == "chain" ? 1 : Environment.ProcessorCount,
            }, CancellationToken.None);
            var ms = watch.Elapsed.TotalMilliseconds;
            if (result.Status != MLOps.Tracking.Runs.RunStatus.Succeeded)
            {
                throw new InvalidOperationException($"the {shape} run {result.Status}: {result.Message}");
            }

            return ms;
        }
        finally
        {
            BenchStats.Remove(dir);
        }
    }

    private static readonly PlanType FileType = new ArtifactPlanType("File");

    private static PlanNode Node(string id, string command, ImmutableArray<PlanInput> inputs, ImmutableArray<string> dependsOn, string? fanOut = null) => new()
    {
        Id = id,
        Step = id.Split('_')[0],
        Command = command,
        Resources = new PlanResources(1, 0, 0, null),
        Retry = new PlanRetry(1, 0, 1),
        Target = "local",
        Inputs = inputs,
        Outputs = [new PlanOutput("o", FileType)],
        DependsOn = dependsOn,
        FanOut = fanOut,
        Cache = new PlanCacheKey(true, "sha256:0", [], []),
    };

    private static ExecutionPlan Base(ImmutableArray<PlanNode> nodes, ImmutableArray<PlanFanOut> fanOuts) => new()
    {
        Source = new PlanSource("bench.mlp", "sha256:0"),
        Pipeline = "bench",
        Targets = [new PlanTarget("local", "local", [])],
        Nodes = nodes,
        FanOuts = fanOuts,
    };

    private static ExecutionPlan Chain(int n) => Base(
        [.. Enumerable.Range(0, n).Select(i => i == 0
            ? Node("s_0", ": > {{out.o}}", [], [])
            : Node($"s_{i}", ": > {{out.o}}", [new PlanInput("prev", FileType, new OutputRefExpr($"s_{i - 1}", "o", []))], [$"s_{i - 1}"]))],
        []);

    private static ExecutionPlan FanOut(int n) => Base(
        [
            Node("leaf", ": > {{out.o}}", [new PlanInput("i", new ScalarPlanType("int"), new FanOutItemExpr("f", []))], [], "f"),
            Node("gather", ": > {{out.o}}", [new PlanInput("all", new ListPlanType(FileType), new GatherExpr("f", new OutputRefExpr("leaf", "o", [])))], ["leaf"]),
        ],
        [new PlanFanOut("f", "i", new ConstExpr(new ListValue([.. Enumerable.Range(0, n).Select(i => PlanValue.Of((long)i))])), null)]);

    private static double Snakemake(string shape, int n)
    {
        var dir = BenchStats.ScratchFolder("snake");
        try
        {
            File.WriteAllText(Path.Combine(dir, "Snakefile"), shape == "chain"
                ? """
                  import sys
                  sys.setrecursionlimit(1000000)  # Snakemake resolves a chain recursively
                  N = int(config["n"])
                  rule all:
                      input: f"c/{N - 1}.txt"
                  rule first:
                      output: "c/0.txt"
                      shell: ": > {output}"
                  rule step:
                      input: lambda w: f"c/{int(w.i) - 1}.txt"
                      output: "c/{i}.txt"
                      wildcard_constraints: i="[1-9][0-9]*"
                      shell: ": > {output}"
                  """
                : """
                  N = int(config["n"])
                  rule all:
                      input: "done.txt"
                  rule leaf:
                      output: "o/{i}.txt"
                      shell: ": > {output}"
                  rule gather:
                      input: expand("o/{i}.txt", i=range(N))
                      output: "done.txt"
                      shell: ": > {output}"
                  """);
            var psi = new ProcessStartInfo("/usr/bin/snakemake") { WorkingDirectory = dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "--cores", shape == "chain" ? "1" : Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", "n=" + n, "--quiet" })
            {
                psi.ArgumentList.Add(a);
            }

            var watch = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException("snakemake failed: " + stderr.Result[..Math.Min(2000, stderr.Result.Length)]);
            }

            return watch.Elapsed.TotalMilliseconds;
        }
        finally
        {
            BenchStats.Remove(dir);
        }
    }
}
