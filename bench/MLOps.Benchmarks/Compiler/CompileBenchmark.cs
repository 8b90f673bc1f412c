using System.Diagnostics;
using System.Text;
using MLOps.Language;
using MLOps.Language.Lowering;
using MLOps.Language.Parsing;
using MLOps.Language.Text;

namespace MLOps.Benchmarks.Compiler;

/// <summary>Parse, check and build throughput on generated modules of 1k, 10k and 100k lines (warm).</summary>
public sealed class CompileBenchmark : IBenchmark
{
    public string Name => "compile";

    public string Description => "parse / check / build lines per second on generated 1k, 10k, 100k-line modules";

    /// <summary>
    /// Arguments (all optional): sizes to run (<c>100000</c>), <c>--check</c> for the parse+check
    /// row only, <c>--runs N</c> measured runs. Without them: every size and phase.
    /// </summary>
    public Task RunAsync(string[] args)
    {
        var sizes = args.Where(a => a.All(char.IsDigit) && !IsRunsValue(args, a)).Select(int.Parse).ToArray();
        var checkOnly = args.Contains("--check");
        var runsIndex = Array.IndexOf(args, "--runs");
        int? runsOverride = runsIndex >= 0 && runsIndex + 1 < args.Length ? int.Parse(args[runsIndex + 1]) : null;
        Console.WriteLine("| lines | phase | median ms | lines/s | median CPU ms | lines/CPU s | allocated MB | median GC pause ms | GCs gen0/1/2 per run |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var target in sizes.Length > 0 ? sizes : [1_000, 10_000, 100_000])
        {
            var text = Generate(target, out var lines);
            var file = new SourceFile("bench.mlp", text);
            var runs = runsOverride ?? (target >= 100_000 ? 5 : 15);
            if (checkOnly)
            {
                Report(lines, "parse+check", Measure(runs, () => Compilation.WithLargeStack(() => Compilation.FromText("bench.mlp", text))));
                continue;
            }

            Report(lines, "parse", Measure(runs, () => SyntaxParser.Parse(file)));
            Report(lines, "parse+check", Measure(runs, () => Compilation.WithLargeStack(() => Compilation.FromText("bench.mlp", text))));
            var compilation = Compilation.WithLargeStack(() => Compilation.FromText("bench.mlp", text));
            if (compilation.HasErrors)
            {
                throw new InvalidOperationException("generated module has errors: " + compilation.Diagnostics[0]);
            }

            Report(lines, "build (lowering)", Measure(runs, () => PlanBuilder.Build(compilation, new BuildOptions { Pipeline = "main" })));
        }

        return Task.CompletedTask;
    }

    private static bool IsRunsValue(string[] args, string arg)
    {
        var i = Array.IndexOf(args, arg);
        return i > 0 && args[i - 1] == "--runs";
    }

    private static void Report(int lines, string phase, Measurement m) =>
        Console.WriteLine($"| {lines:N0} | {phase} | {m.Ms:F1} | {lines / (m.Ms / 1000):N0} | {m.CpuMs:F1} | {lines / (m.CpuMs / 1000):N0} | {m.Bytes / 1e6:F1} | {m.GcPauseMs:F1} | {m.Gen0PerRun:F1}/{m.Gen1PerRun:F1}/{m.Gen2PerRun:F1} |");

    /// <summary>Medians of wall, CPU and GC pause time; the collections are averaged over the runs.</summary>
    private readonly record struct Measurement(double Ms, double CpuMs, long Bytes, double GcPauseMs, double Gen0PerRun, double Gen1PerRun, double Gen2PerRun);

    private static readonly TimeSpan WarmupTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Wall time and the process's CPU time (GC threads included): on a shared machine the wall
    /// time also counts waiting for a core, the CPU time much less so.
    /// </summary>
    private static Measurement Measure(int runs, Func<object> action)
    {
        // Warm means steady state: one run of a small module finishes before the tiered JIT has
        // replaced the first, unoptimized code, so warm up for a while rather than once.
        var warmup = Stopwatch.StartNew();
        do
        {
            action();
        }
        while (warmup.Elapsed < WarmupTime);

        var times = new List<double>();
        var cpu = new List<double>();
        var pauses = new List<double>();
        long bytes = 0;
        // GC.CollectionCount(0) counts every collection, gen1 and gen2 ones too: take differences.
        var gen2 = GC.CollectionCount(2);
        var gen1 = GC.CollectionCount(1) - gen2;
        var gen0 = GC.CollectionCount(0) - gen1 - gen2;
        using var process = Process.GetCurrentProcess();
        for (var i = 0; i < runs; i++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: false);
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var pauseBefore = GC.GetTotalPauseDuration();
            var sw = Stopwatch.StartNew();
            GC.KeepAlive(action());
            sw.Stop();
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            bytes = GC.GetTotalAllocatedBytes(precise: false) - before;
            times.Add(sw.Elapsed.TotalMilliseconds);
            pauses.Add((GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds);
        }

        var gen2After = GC.CollectionCount(2);
        var gen1After = GC.CollectionCount(1) - gen2After;
        var gen0After = GC.CollectionCount(0) - gen1After - gen2After;
        times.Sort();
        cpu.Sort();
        pauses.Sort();
        return new Measurement(
            times[times.Count / 2],
            cpu[cpu.Count / 2],
            bytes,
            pauses[pauses.Count / 2],
            (double)(gen0After - gen0) / runs,
            (double)(gen1After - gen1) / runs,
            (double)(gen2After - gen2) / runs);
    }

    /// <summary>Realistic modules: records, steps with resources and retries, pipelines with lets, ifs and calls.</summary>
    public static string Generate(int targetLines, out int lines)
    {
        var sb = new StringBuilder("// generated benchmark module\nparam data: path = \"data.csv\"\n\n");

        // A group's own lines plus its call in main: as many groups as make the target.
        var linesPerGroup = Group(0).Count(c => c == '\n') + 1;
        var groups = Math.Max(1, (targetLines - 5) / linesPerGroup);
        for (var g = 0; g < groups; g++)
        {
            sb.Append(Group(g));
        }

        sb.Append("pipeline main() {\n");
        for (var g = 0; g < groups; g++)
        {
            sb.Append($"  train{g}(lr: 0.01)\n");
        }

        sb.Append("}\n");
        var text = sb.ToString();
        lines = text.Count(c => c == '\n');
        return text;
    }

    private static string Group(int g) =>
        $$"""
                type Metrics{{g}} = { accuracy: float, auc: float, loss: float }

                step prepare{{g}}(source: path, fraction: float = 0.2) -> (train: Dataset, test: Dataset) {
                  run   = "python3 prepare.py --in ${source} --fraction ${fraction} --train ${out.train} --test ${out.test}"
                  cache = true
                }

                step fit{{g}}(train: Dataset, lr: float, epochs: int = 10) -> (model: Model) {
                  run       = "python3 train.py --data ${train} --lr ${lr} --epochs ${epochs} --out ${out.model}"
                  resources = { cpu: 4, memory: 16GiB, gpu: 1 }
                  retry     = { attempts: 3, backoff: 10s, factor: 2.0 }
                  timeout   = 2h
                }

                step evaluate{{g}}(model: Model, test: Dataset) -> (metrics: Metrics{{g}}) {
                  run = "python3 evaluate.py --model ${model} --data ${test} --out ${out.metrics}"
                }

                pipeline train{{g}}(lr: float = 0.001) -> (model: Model, metrics: Metrics{{g}}) {
                  let d = prepare{{g}}(source: data)
                  let f = fit{{g}}(train: d.train, lr: lr * 2)
                  let s = evaluate{{g}}(model: f.model, test: d.test)
                  if s.metrics.auc > 0.7 and s.metrics.loss < 0.5 {
                    register f.model as "model{{g}}" with { metrics: s.metrics }
                  }
                  return { model: f.model, metrics: s.metrics }
                }


                """;
}

/// <summary>A fresh <c>mlpc check</c> process, as a user runs it: startup included.</summary>
public sealed class ColdCheckBenchmark : IBenchmark
{
    public string Name => "cold-check";

    public string Description => "wall time of a fresh './mlpc check' on the quickstart and on a 100k-line module";

    public Task RunAsync(string[] args)
    {
        var root = FindRoot();
        var big = Path.Combine(Path.GetTempPath(), "mlpc-bench-100k.mlp");
        File.WriteAllText(big, CompileBenchmark.Generate(100_000, out var lines));
        Run(root, "--help");
        Console.WriteLine("| input | lines | min ms | median ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, path) in new[] { ("quickstart", Path.Combine(root, "examples/quickstart/quickstart.mlp")), ("generated", big) })
        {
            var times = Enumerable.Range(0, 5).Select(_ => Run(root, "check", path)).Order().ToList();
            var count = File.ReadAllText(path).Count(c => c == '\n');
            Console.WriteLine($"| {name} | {count:N0} | {times[0]:F0} | {times[2]:F0} |");
        }

        return Task.CompletedTask;
    }

    private static double Run(string root, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(root, "mlpc")) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MLOps.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("run from inside the repository");
    }
}
