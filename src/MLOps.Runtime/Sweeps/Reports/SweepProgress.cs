using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps.Reports;

/// <summary>
/// An observer that keeps the latest state of every trial, for a live table: pass it as
/// <see cref="SweepRunOptions.Observer"/> and render <see cref="Snapshot"/> with
/// <see cref="TrialTable"/> on a timer. Thread-safe; <see cref="Changed"/> fires after each event.
/// </summary>
public sealed class SweepProgress : ISweepObserver
{
    private readonly Lock gate = new();
    private readonly SortedDictionary<int, SweepTrialRecord> trials = [];

    public event Action? Changed;

    public IReadOnlyList<SweepTrialRecord> Snapshot()
    {
        lock (gate)
        {
            return [.. trials.Values];
        }
    }

    public void TrialStarted(SweepTrialRecord trial) => Set(trial);

    public void TrialReported(SweepTrialRecord trial, string metric, IntermediateValue value)
    {
        lock (gate)
        {
            // Reports carry no start time; keep the one the start event had.
            if (trials.TryGetValue(trial.Number, out var known) && known.Status == RunStatus.Running)
            {
                trials[trial.Number] = known with { Intermediates = trial.Intermediates.IsEmpty ? known.Intermediates : trial.Intermediates };
            }
        }

        Changed?.Invoke();
    }

    public void TrialFinished(SweepTrialRecord trial) => Set(trial);

    private void Set(SweepTrialRecord trial)
    {
        lock (gate)
        {
            trials[trial.Number] = trial;
        }

        Changed?.Invoke();
    }
}
