using System.Globalization;
using System.Text.Json;
using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Samplers;

namespace MLOps.Benchmarks.Sweeps;

/// <summary>
/// Sampler quality: the best value found after 50 and 100 trials on Branin (2-D) and Hartmann6
/// (6-D) over 20 seeds, as regret (best - global minimum), median and quartiles; our tpe and random
/// against Optuna 3.1's TPESampler() and RandomSampler() run by bench/.../optuna_bench.py on the same
/// functions. Args: [--seeds N] [--first-seed S (held-out seeds: S..S+N-1)] [--optuna FILE.jsonl (reuse
/// an earlier Optuna run; rows outside the seeds are ignored)] [--no-optuna] [--optuna-multivariate
/// (also Optuna's TPESampler(multivariate=True))] [--variant OPTIONS]... (extra rows for our TPE with
/// other options, e.g. <c>multivariate=false</c> (Optuna 3.1's default TPE) or <c>scott</c>
/// (Optuna 3.1's multivariate=True), <c>ei=48,gamma=0.2,textbook</c>).
/// </summary>
public sealed class SweepQualityBenchmark : IBenchmark
{
    public string Name => "sweep-quality";

    public string Description => "regret after 50/100 trials on Branin and Hartmann6, ours vs Optuna 3.1";

    public Task RunAsync(string[] args)
    {
        var seeds = Arg(args, "--seeds") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 20;
        var first = Arg(args, "--first-seed") is { } fs ? int.Parse(fs, CultureInfo.InvariantCulture) : 0;
        int[] budgets = [50, 100];
        var samplers = new List<(string Name, Func<SearchSpace, ulong, ISampler> Create)>
        {
            ("mlpc-tpe", (space, seed) => new TpeSampler(space, ObjectiveDirection.Minimize, seed)),
            ("mlpc-random", (space, seed) => new RandomSampler(space, seed)),
        };
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--variant")
            {
                var options = ParseVariant(args[i + 1]);
                samplers.Add(($"mlpc-tpe[{args[i + 1]}]", (space, seed) => new TpeSampler(space, ObjectiveDirection.Minimize, seed, options)));
            }
        }

        var results = new List<(string Function, string Sampler, int Trials, double Best)>();
        foreach (var f in SweepFunctions.All)
        {
            foreach (var (sampler, create) in samplers)
            {
                for (var seed = first; seed < first + seeds; seed++)
                {
                    var instance = create(f.Space, (ulong)seed);
                    var history = new List<TrialObservation>();
                    var best = double.PositiveInfinity;
                    for (var n = 0; n < budgets.Max(); n++)
                    {
                        var p = instance.Propose(new SamplerContext(n, history, []));
                        var v = f.F(p);
                        history.Add(new TrialObservation(n, [.. p], TrialState.Succeeded, v, []));
                        best = Math.Min(best, v);
                        if (budgets.Contains(n + 1))
                        {
                            results.Add((f.Name, sampler, n + 1, best));
                        }
                    }
                }
            }
        }

        if (!args.Contains("--no-optuna"))
        {
            var optuna = Arg(args, "--optuna") is { } file
                ? SweepFunctions.ReadJsonLines(file)
                : SweepFunctions.RunOptuna(
                    "quality",
                    seeds.ToString(CultureInfo.InvariantCulture),
                    string.Join(",", budgets),
                    first.ToString(CultureInfo.InvariantCulture),
                    args.Contains("--optuna-multivariate") ? "tpe,random,tpe-mv" : "tpe,random");
            foreach (var o in optuna.Where(o => o.GetProperty("kind").GetString() == "quality" && o.GetProperty("seed").GetInt32() is var seed && seed >= first && seed < first + seeds))
            {
                results.Add((o.GetProperty("function").GetString()!, o.GetProperty("sampler").GetString()!, o.GetProperty("trials").GetInt32(), o.GetProperty("best").GetDouble()));
            }
        }

        Console.WriteLine($"Regret = best value found - global minimum; {seeds} seeds ({first}..{first + seeds - 1}) per row; lower is better.");
        Console.WriteLine();
        Console.WriteLine("| function | trials | sampler | median regret | q1 | q3 |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Function, r.Trials, r.Sampler)).OrderBy(g => g.Key.Function == "branin" ? 0 : 1).ThenBy(g => g.Key.Trials).ThenBy(g => SamplerOrder(g.Key.Sampler)).ThenBy(g => g.Key.Sampler, StringComparer.Ordinal))
        {
            var minimum = SweepFunctions.All.Single(f => f.Name == group.Key.Function).Minimum;
            var regrets = group.Select(r => r.Best - minimum).ToList();
            Console.WriteLine($"| {group.Key.Function} | {group.Key.Trials} | {group.Key.Sampler} | {SweepFunctions.G(SweepFunctions.Quantile(regrets, 50))} | {SweepFunctions.G(SweepFunctions.Quantile(regrets, 25))} | {SweepFunctions.G(SweepFunctions.Quantile(regrets, 75))} |");
        }

        return Task.CompletedTask;
    }

    private static int SamplerOrder(string s) => s switch
    {
        "mlpc-tpe" => 0,
        "optuna-tpe" => 2,
        "optuna-tpe-mv" => 3,
        "mlpc-random" => 4,
        "optuna-random" => 5,
        _ => 1,
    };

    /// <summary>TPE options from <c>key=value</c> pairs separated by commas; a bare <c>textbook</c> is BandwidthWeighted = false.</summary>
    private static TpeOptions ParseVariant(string text)
    {
        var options = new TpeOptions();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2);
            var value = kv.Length > 1 ? kv[1] : "true";
            options = kv[0] switch
            {
                "multivariate" => options with { Multivariate = bool.Parse(value) },
                "ei" => options with { EiCandidates = int.Parse(value, CultureInfo.InvariantCulture) },
                "gamma" => options with { Gamma = double.Parse(value, CultureInfo.InvariantCulture) },
                "prior" => options with { PriorWeight = double.Parse(value, CultureInfo.InvariantCulture) },
                "startup" => options with { StartupTrials = int.Parse(value, CultureInfo.InvariantCulture) },
                "textbook" => options with { BandwidthWeighted = !bool.Parse(value) },
                "magic" => options with { MagicClip = bool.Parse(value) },
                "scott" => options with { ScottBandwidth = bool.Parse(value) },
                _ => throw new ArgumentException($"unknown TPE option '{kv[0]}'"),
            };
        }

        return options;
    }

    internal static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
