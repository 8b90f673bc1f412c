using System.Diagnostics;
using MLOps.Tracking;
using MLOps.Tracking.Registry;
using MLOps.Tracking.Sqlite;
using static MLOps.Benchmarks.Tracking.BenchStats;

namespace MLOps.Benchmarks.Tracking;

/// <summary>
/// Alias compare-and-swap: latency of one move (resolve + change) and moves/s with 1 and 4
/// registry instances (each its own writer connection) racing on one alias of one SQLite file.
/// </summary>
public sealed class AliasMoveBenchmark : IBenchmark
{
    public string Name => "tracking-alias-move";

    public string Description => "alias CAS move latency p50/p99 and throughput, 1 and 4 concurrent movers";

    public async Task RunAsync(string[] args)
    {
        var moves = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
        Console.WriteLine("| movers | applied moves | conflicts | moves/s | p50 ms | p99 ms |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var movers in new[] { 1, 4 })
        {
            var folder = ScratchFolder("alias");
            try
            {
                var path = Path.Combine(folder, "tracking.db");
                await using (var stores = TrackingStoreFactory.Open("sqlite://" + path))
                {
                    for (var v = 0; v < 3; v++)
                    {
                        await stores.Registry.RegisterAsync(new NewModelVersion { Model = "m", ArtifactUri = "file:///x", ArtifactDigest = "sha256:" + new string('0', 64) });
                    }
                }

                var samples = new List<double>();
                var conflicts = 0;
                var watch = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, movers).Select(w => Task.Run(async () =>
                {
                    await using var registry = SqliteModelRegistry.Open(path);
                    var mine = new List<double>();
                    var myConflicts = 0;
                    while (mine.Count < moves / movers)
                    {
                        var one = Stopwatch.StartNew();
                        var current = (await registry.ResolveAliasAsync("m", "champion"))?.Version;
                        var result = await registry.ChangeAliasAsync(new AliasChange { Model = "m", Alias = "champion", ExpectedVersion = current, NewVersion = ((current ?? 0) % 3) + 1, Actor = $"w{w}" });
                        if (result.Outcome == AliasChangeOutcome.Applied)
                        {
                            mine.Add(one.Elapsed.TotalMilliseconds);
                        }
                        else
                        {
                            myConflicts++;
                        }
                    }

                    lock (samples)
                    {
                        samples.AddRange(mine);
                        conflicts += myConflicts;
                    }
                })));
                var seconds = watch.Elapsed.TotalSeconds;
                Console.WriteLine($"| {movers} | {samples.Count:N0} | {conflicts:N0} | {F(samples.Count / seconds, 0)} | {F(Percentile(samples, 50), 3)} | {F(Percentile(samples, 99), 3)} |");
            }
            finally
            {
                Remove(folder);
            }
        }
    }
}
