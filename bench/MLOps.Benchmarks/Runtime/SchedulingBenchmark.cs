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
/// Args: sizes (default "1000,10000"), then "--snakemake-max N" (largest size given to Snakemake;
/// default 10000) and "--snakemake-budget SECONDS" (default 600): a Snakemake run still going then
/// is stopped and reported as a bound ("&gt; 600 s"; its overhead at least what that time implies),
/// and "--snakemake-scheduler ilp|greedy" (default: Snakemake's own, ilp; it matters only when
/// more steps are ready than there are cores, as in the fan-out).
/// </summary>
public sealed class SchedulingBenchmark : IBenchmark
{
    public string Name => "scheduling";

    public string Description => "no-op DAG overhead per step: mlpc vs process spawn vs Snakemake";

    /// <summary>
    /// Scratch folders removed only when the benchmark ends. Deleting thousands of files makes the
    /// next run's file creation slow on ext4 without a journal (as here): the inode allocator skips,
    /// one lookup each, inodes deleted in the last minute (5 minutes while their blocks are dirty).
    /// </summary>
    private static readonly List<string> Finished = [];

    public async Task RunAsync(string[] args)
    {
        try
        {
            await MeasureAsync(args);
        }
        finally
        {
            Finished.ForEach(BenchStats.Remove);
        }
    }

    private static async Task MeasureAsync(string[] args)
    {
        var sizes = args.Length > 0 && !args[0].StartsWith('-') ? args[0].Split(',').Select(int.Parse).ToArray() : [1000, 10000];
        var snakeMax = args.SkipWhile(a => a != "--snakemake-max").Skip(1).Select(int.Parse).FirstOrDefault(10000);
        var snakeBudget = TimeSpan.FromSeconds(args.SkipWhile(a => a != "--snakemake-budget").Skip(1).Select(int.Parse).FirstOrDefault(600));
        var snakeScheduler = args.SkipWhile(a => a != "--snakemake-scheduler").Skip(1).FirstOrDefault();
        var shapes = args.SkipWhile(a => a != "--shapes").Skip(1).Select(a => a.Split(',')).FirstOrDefault(["chain", "fan-out/fan-in"]);
        var warmup = args.SkipWhile(a => a != "--warmup").Skip(1).Select(int.Parse).FirstOrDefault(200);
        var scratch = args.SkipWhile(a => a != "--dir").Skip(1).FirstOrDefault();
        if (scratch is not null)
        {
            Environment.SetEnvironmentVariable("TMPDIR", scratch);
        }

        var floor = SpawnFloor(300);
        var snakemake = File.Exists("/usr/bin/snakemake");
        if (!snakemake)
        {
            Console.WriteLine("Snakemake is not installed (`apt-get install snakemake`: 7.21 on Debian 12): its columns stay empty.");
        }

        Console.WriteLine($"spawn floor (/bin/sh -c ':' by posix_spawn in a new session, then waitpid; one at a time): {BenchStats.F(floor.WallMs, 3)} ms wall, {BenchStats.F(floor.CpuMs, 3)} ms CPU (parent and child)");
        Console.WriteLine($"Snakemake: up to {snakeMax:N0} steps, {snakeBudget.TotalSeconds:0} s at most per run, scheduler {snakeScheduler ?? "ilp (its default)"}");
        Console.WriteLine($"load average before: {LoadAverage()}; scratch folders under {Path.GetTempPath()}; warm-up: {(warmup > 0 ? $"a {warmup}-step run of each shape first (JIT done before timing)" : "none (the first run in the process pays the JIT)")}");
        Console.WriteLine();
        Console.WriteLine("Overhead per step = (measured − N × spawn floor [÷ parallel for wall]) ÷ N; CPU counts the orchestrator and every process it started.");
        Console.WriteLine();
        Console.WriteLine("| DAG | steps | mlpc wall | mlpc overhead/step: wall, CPU | mlpc allocated/step | Snakemake wall | Snakemake overhead/step: wall, CPU | ratio: wall, CPU |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var shape in shapes)
        {
            if (warmup > 0)
            {
                await MlpcAsync(shape, warmup);
            }

            foreach (var n in sizes)
            {
                var parallel = Parallel(shape);
                var (cost, allocated) = await MlpcAsync(shape, n);
                var ours = Overhead(cost, floor, n, parallel);
                string snakeWall = snakemake ? "not run (over --snakemake-max)" : "not installed", snakeOverhead = "", ratio = "";
                if (snakemake && n <= snakeMax)
                {
                    try
                    {
                        var (s, done) = Snakemake(shape, n, snakeBudget, snakeScheduler);
                        var theirs = Overhead(s, floor, n, parallel);
                        // Stopped at the budget: the whole run would have taken longer, so every figure is a lower bound.
                        var atLeast = done < n ? "> " : "";
                        snakeWall = atLeast + BenchStats.F(s.WallMs / 1000, 2) + " s" + (done < n ? $" (stopped; {done:N0} of {n:N0} steps done)" : "");
                        snakeOverhead = $"{atLeast}{BenchStats.F(theirs.WallMs, 2)} ms, {atLeast}{BenchStats.F(theirs.CpuMs, 2)} ms";
                        ratio = $"{atLeast}{BenchStats.F(theirs.WallMs / Math.Max(ours.WallMs, 1e-3), 0)}×, {atLeast}{BenchStats.F(theirs.CpuMs / Math.Max(ours.CpuMs, 1e-3), 0)}×";
                    }
                    catch (InvalidOperationException e)
                    {
                        snakeWall = "failed: " + e.Message.Split('\n').FirstOrDefault(l => l.Contains("Error", StringComparison.Ordinal))?.Trim();
                    }
                }

                Console.WriteLine($"| {shape} | {n:N0} | {BenchStats.F(ours.TotalWallMs / 1000, 2)} s | {BenchStats.F(ours.WallMs, 3)} ms, {BenchStats.F(ours.CpuMs, 3)} ms | {BenchStats.F(allocated / 1024.0 / n, 1)} KiB | {snakeWall} | {snakeOverhead} | {ratio} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average after: {LoadAverage()}");
    }

    /// <summary>Steps at a time: the chain allows one; the fan-out as many as the machine has cores (MLPC_BENCH_PARALLEL overrides).</summary>
    private static int Parallel(string shape) =>
        shape == "chain" ? 1 : int.TryParse(Environment.GetEnvironmentVariable("MLPC_BENCH_PARALLEL"), out var p) ? p : Environment.ProcessorCount;

    /// <summary>What one run cost: wall time, and CPU time of the orchestrator and all it started.</summary>
    private readonly record struct Cost(double WallMs, double CpuMs);

    private readonly record struct PerStep(double TotalWallMs, double WallMs, double CpuMs);

    private static PerStep Overhead(Cost run, Cost floor, int n, int parallel) => new(
        run.WallMs,
        Math.Max(0, run.WallMs - floor.WallMs * n / parallel) / n,
        Math.Max(0, run.CpuMs - floor.CpuMs * n) / n);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    /// <summary>
    /// The cheapest way to run a process as mlpc must (a new session, so a group to signal): the
    /// primitive the local executor itself uses, posix_spawn of <c>/bin/sh -c ':'</c> and waitpid.
    /// </summary>
    private static Cost SpawnFloor(int count)
    {
        var environment = InheritedEnvironment.Capture().With([]);
        var cpu = CpuUsage.Now();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            SessionProcess.WaitForExit(SessionProcess.Start("/bin/sh", ["/bin/sh", "-c", ":"], environment));
        }

        return new Cost(watch.Elapsed.TotalMilliseconds / count, (CpuUsage.Now() - cpu).TotalMs / count);
    }

    /// <summary>mlpc on the DAG: what it cost, and the bytes .NET allocated meanwhile (every thread; steadier than time on a shared VM).</summary>
    private static async Task<(Cost Cost, long Allocated)> MlpcAsync(string shape, int n)
    {
        var dir = BenchStats.ScratchFolder("sched");
        try
        {
            var plan = shape == "chain" ? Chain(n) : FanOut(n);
            var json = PlanJson.Write(plan);
            await using var stores = TrackingStoreFactory.Open(".mlp/", dir);
            await using var executors = new ExecutorProvider();
            var runner = new PlanRunner(stores, executors, null, new MachineResources(Environment.ProcessorCount, 0, 0));
            var cpu = CpuUsage.Now();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            var result = await runner.RunAsync(new RunRequest
            {
                Plan = plan,
                PlanDigest = PlanRunner.DigestOf(json),
                ProjectDirectory = dir,
                WorkRoot = Path.Combine(dir, ".mlp", "runs"),
                MaxParallel = Parallel(shape),
            }, CancellationToken.None);
            var ms = new Cost(watch.Elapsed.TotalMilliseconds, (CpuUsage.Now() - cpu).TotalMs);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            if (result.Status != MLOps.Tracking.Runs.RunStatus.Succeeded)
            {
                throw new InvalidOperationException($"the {shape} run {result.Status}: {result.Message}");
            }

            return (ms, allocated);
        }
        finally
        {
            Finished.Add(dir);
        }
    }

    private static readonly PlanType FileType = new ArtifactPlanType("File");

    private static PlanNode Node(string id, string command, ImmutableArray<PlanInput> inputs, ImmutableArray<string> dependsOn, string? fanOut = null) => new()
    {
        Id = id,
        // Every chain step is its own step: steps alike in name, command and input would share a cache key and be reused, not run.
        Step = id,
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

    /// <summary>Snakemake on the same DAG: what it cost, and how many of the steps it ran (fewer than n when stopped at the budget).</summary>
    private static (Cost Cost, int Done) Snakemake(string shape, int n, TimeSpan budget, string? scheduler)
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
            foreach (var a in new[] { "--cores", Parallel(shape).ToString(System.Globalization.CultureInfo.InvariantCulture), "--config", "n=" + n, "--quiet" })
            {
                psi.ArgumentList.Add(a);
            }

            if (scheduler is not null)
            {
                psi.ArgumentList.Add("--scheduler");
                psi.ArgumentList.Add(scheduler);
            }

            var cpu = CpuUsage.Now();
            var watch = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(budget))
            {
                var wall = watch.Elapsed.TotalMilliseconds;
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                // Only a reaped child's CPU is counted: read it once Snakemake has been waited for.
                var stopped = new Cost(wall, (CpuUsage.Now() - cpu).TotalMs);
                var outputs = Path.Combine(dir, shape == "chain" ? "c" : "o");
                return (stopped, Directory.Exists(outputs) ? Directory.GetFiles(outputs).Length : 0);
            }

            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException("snakemake failed: " + stderr.Result[..Math.Min(2000, stderr.Result.Length)]);
            }

            return (new Cost(watch.Elapsed.TotalMilliseconds, (CpuUsage.Now() - cpu).TotalMs), n);
        }
        finally
        {
            Finished.Add(dir);
        }
    }
}
