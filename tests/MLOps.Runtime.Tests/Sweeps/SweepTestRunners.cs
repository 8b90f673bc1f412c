using System.Collections.Concurrent;
using MLOps.Plan;
using MLOps.Runtime.Sweeps;
using MLOps.Tracking.Sqlite;

namespace MLOps.Runtime.Tests.Sweeps;

/// <summary>
/// A trial runner that evaluates a function of the sampled parameters in-process, optionally
/// streaming a learning curve (value at step s = objective + 1/s) and failing some trials.
/// </summary>
internal sealed class FunctionRunner(Func<IReadOnlyDictionary<string, double>, double> f) : ITrialRunner
{
    public int CurveSteps { get; init; }

    public string CurveMetric { get; init; } = "objective";

    public Func<TrialSpec, bool> Fails { get; init; } = _ => false;

    /// <summary>Trials that never end on their own (they wait for cancellation, or forever when <see cref="IgnoreCancel"/>).</summary>
    public Func<TrialSpec, bool> Hangs { get; init; } = _ => false;

    public bool IgnoreCancel { get; init; }

    public ConcurrentQueue<TrialSpec> Started { get; } = new();

    public ConcurrentDictionary<int, bool> SawCancel { get; } = new();

    public static double Number(PlanValue v) => v switch
    {
        FloatValue f => f.Value,
        IntValue i => i.Value,
        _ => throw new ArgumentException(v.ToString()),
    };

    public async Task<TrialOutcome> RunTrialAsync(TrialSpec spec, ITrialReporter reporter, CancellationToken cancellationToken)
    {
        Started.Enqueue(spec);
        var x = spec.Parameters.Where(p => p.Value is FloatValue or IntValue).ToDictionary(p => p.Key, p => Number(p.Value));
        var value = f(x);
        for (var s = 1; s <= CurveSteps; s++)
        {
            if (reporter.Report(CurveMetric, s, value + 1.0 / s))
            {
                SawCancel[spec.Number] = cancellationToken.IsCancellationRequested;
                return TrialOutcome.Cancelled("stopped after the prune");
            }

            await Task.Yield();
        }

        if (Hangs(spec))
        {
            if (IgnoreCancel)
            {
                await new TaskCompletionSource().Task.ConfigureAwait(false);
            }

            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }

        return Fails(spec) ? TrialOutcome.Failed("boom") : TrialOutcome.Succeeded(value);
    }
}

/// <summary>A fresh SQLite tracking store in a temp folder.</summary>
internal sealed class TempStore : IAsyncDisposable
{
    public TempStore()
    {
        Folder = Path.Combine(Path.GetTempPath(), "mlpc-sweep-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Store = Open();
    }

    public string Folder { get; }

    public string DatabasePath => Path.Combine(Folder, "tracking.db");

    public SqliteTrackingStore Store { get; }

    /// <summary>Another connection to the same database, as a second mlpc process would open.</summary>
    public SqliteTrackingStore Open() => SqliteTrackingStore.Open(DatabasePath);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: an abandoned engine may still hold the file.
        }
    }
}
