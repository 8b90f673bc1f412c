using System.Globalization;
using System.Text.Json;
using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Samplers;

namespace MLOps.Benchmarks.Sweeps;

/// <summary>
/// Sampler quality: the best value found after 50 and 100 trials on Branin (2-D) and Hartmann6
/// (6-D) over 20 seeds, as regret (best - global minimum), median and quartiles; our tpe and random
/// against Optuna 3.1's TPESampler() and RandomSampler() run by bench/.../optuna_bench.py on the same
/// functions. Args: [--seeds N] [--optuna FILE.jsonl (reuse an earlier Optuna run)] [--no-optuna].
/// </summary>
public sealed class SweepQualityBenchmark : IBenchmark
{
    public string Name => "sweep-quality";

    public string Description => "regret after 50/100 trials on Branin and Hartmann6, ours vs Optuna 3.1";

    public Task RunAsync(string[] args)
    {
        var seeds = Arg(args, "--seeds") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 20;
        int[] budgets = [50, 100];
        var results = new List<(string Function, string Sampler, int Trials, double Best)>();
        foreach (var f in SweepFunctions.All)
        {
            foreach (var sampler in new[] { "tpe", "random" })
            {
                for (var seed = 0; seed < seeds; seed++)
                {
                    ISampler instance = sampler == "tpe" ? new TpeSampler(f.Space, ObjectiveDirection.Minimize, (ulong)seed) : new RandomSampler(f.Space, (ulong)seed);
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
                            results.Add((f.Name, "mlpc-" + sampler, n + 1, best));
                        }
                    }
                }
            }
        }

        if (!args.Contains("--no-optuna"))
        {
            var optuna = Arg(args, "--optuna") is { } file
                ? SweepFunctions.ReadJsonLines(file)
                : SweepFunctions.RunOptuna("quality", seeds.ToString(CultureInfo.InvariantCulture), string.Join(",", budgets));
            foreach (var o in optuna.Where(o => o.GetProperty("kind").GetString() == "quality"))
            {
                results.Add((o.GetProperty("function").GetString()!, o.GetProperty("sampler").GetString()!, o.GetProperty("trials").GetInt32(), o.GetProperty("best").GetDouble()));
            }
        }

        Console.WriteLine($"Regret = best value found - global minimum; {seeds} seeds (0..{seeds - 1}) per row; lower is better.");
        Console.WriteLine();
        Console.WriteLine("| function | trials | sampler | median regret | q1 | q3 |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|");
        foreach (var group in results.GroupBy(r => (r.Function, r.Trials, r.Sampler)).OrderBy(g => g.Key.Function == "branin" ? 0 : 1).ThenBy(g => g.Key.Trials).ThenBy(g => SamplerOrder(g.Key.Sampler)))
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
        "optuna-tpe" => 1,
        "mlpc-random" => 2,
        _ => 3,
    };

    internal static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
