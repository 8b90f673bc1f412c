using System.Diagnostics;
using System.Globalization;
using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Samplers;

namespace MLOps.Benchmarks.Sweeps;

/// <summary>
/// Sampler latency: the time TPE takes to propose a trial after 100, 500 and 1,000 finished
/// trials (random points with their true values; every dimension goes through the Parzen
/// estimators), against Optuna 3.1's <c>study.ask(space)</c> on a study holding the same number of
/// trials. Ours: median of 50 proposals after 100 warm-up ones; Optuna: median of 10 asks.
/// Args: [--optuna FILE.jsonl] [--no-optuna].
/// </summary>
public sealed class SweepLatencyBenchmark : IBenchmark
{
    private static readonly int[] Sizes = [100, 500, 1000];

    public string Name => "sweep-latency";

    public string Description => "TPE propose time after 100/500/1000 trials, ours vs Optuna ask()";

    public Task RunAsync(string[] args)
    {
        var ours = new Dictionary<(string, int), (double Median, double Min, double Cpu)>();
        foreach (var f in SweepFunctions.All)
        {
            foreach (var size in Sizes)
            {
                var random = new RandomSampler(f.Space, 12345);
                var history = Enumerable.Range(0, size)
                    .Select(n => random.Propose(new SamplerContext(n, [], [])))
                    .Select((p, n) => new TrialObservation(n, [.. p], TrialState.Succeeded, f.F(p), []))
                    .ToList();
                var tpe = new TpeSampler(f.Space, ObjectiveDirection.Minimize, 0);
                // Warm up past tiered compilation (tier-0 code and on-stack replacement would be measured otherwise).
                for (var i = 0; i < 100; i++)
                {
                    tpe.Propose(new SamplerContext(size + 1000 + i, history, []));
                }

                Thread.Sleep(200);

                var times = new List<double>();
                var cpu = Environment.CpuUsage.TotalTime;
                for (var i = 0; i < 50; i++)
                {
                    var clock = Stopwatch.StartNew();
                    tpe.Propose(new SamplerContext(size + 5 + i, history, []));
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }

                ours[(f.Name, size)] = (SweepFunctions.Quantile(times, 50), times.Min(), (Environment.CpuUsage.TotalTime - cpu).TotalMilliseconds / 50);
            }
        }

        var optuna = new Dictionary<(string, int), (double Median, double Min, double Cpu)>();
        if (!args.Contains("--no-optuna"))
        {
            var lines = SweepQualityBenchmark.Arg(args, "--optuna") is { } file
                ? SweepFunctions.ReadJsonLines(file)
                : SweepFunctions.RunOptuna("latency", string.Join(",", Sizes), "10");
            foreach (var o in lines.Where(o => o.GetProperty("kind").GetString() == "latency"))
            {
                optuna[(o.GetProperty("function").GetString()!, o.GetProperty("finished").GetInt32())] = (o.GetProperty("median_ms").GetDouble(), o.GetProperty("min_ms").GetDouble(), o.GetProperty("cpu_ms").GetDouble());
            }
        }

        // Wall-clock medians suffer on a loaded machine (a proposal longer than a time slice waits for
        // the CPU); the CPU time per proposal (process CPU over the measured loop) is the steadier figure.
        Console.WriteLine("| function | finished trials | mlpc tpe ms: median wall (min), cpu | optuna ask() ms: median wall (min), cpu | mlpc / optuna (wall median) | mlpc / optuna (cpu) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var ((name, size), t) in ours)
        {
            var o = optuna.TryGetValue((name, size), out var v) ? v : (double.NaN, double.NaN, double.NaN);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {size:N0} | {t.Median:0.000} ({t.Min:0.000}), {t.Cpu:0.000} | {o.Item1:0.0} ({o.Item2:0.0}), {o.Item3:0.0} | {t.Median / o.Item1:0.000} | {t.Cpu / o.Item3:0.000} |"));
        }

        return Task.CompletedTask;
    }
}
