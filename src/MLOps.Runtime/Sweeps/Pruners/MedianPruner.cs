namespace MLOps.Runtime.Sweeps.Pruners;

/// <summary>
/// Optuna's MedianPruner: at step s, prune when the trial's best value so far is worse than the
/// median of the values succeeded trials reported at the same step s. Nothing is pruned before
/// <c>startup_trials</c> trials succeeded (default 5), before <c>warmup_steps</c> (default 0), or
/// off the <c>interval</c> (default 1; only the first report in each interval is judged).
/// </summary>
public sealed class MedianPruner(string metric, ObjectiveDirection mode, int startupTrials = 5, long warmupSteps = 0, long interval = 1) : IPruner
{
    public string Name => "median";

    public string Metric => metric;

    public ObjectiveDirection Mode => mode;

    public bool ShouldPrune(PruneContext context)
    {
        var completed = context.Trials.Where(t => t.State == TrialState.Succeeded && t.Number != context.Trial).ToList();
        if (completed.Count == 0 || completed.Count < startupTrials)
        {
            return false;
        }

        var step = context.Latest.Step;
        if (step < warmupSteps || !FirstInInterval(context.Values, step))
        {
            return false;
        }

        var best = Best(context.Values);
        if (double.IsNaN(best))
        {
            return true;
        }

        var atStep = new List<double>();
        foreach (var t in completed)
        {
            foreach (var v in t.Values)
            {
                if (v.Step == step && !double.IsNaN(v.Value))
                {
                    atStep.Add(v.Value);
                    break;
                }
            }
        }

        if (atStep.Count == 0)
        {
            return false;
        }

        var median = Median(atStep);
        return mode == ObjectiveDirection.Maximize ? best < median : best > median;
    }

    private bool FirstInInterval(IReadOnlyList<IntermediateValue> values, long step)
    {
        var nearestLower = (step - warmupSteps) / interval * interval + warmupSteps;
        var secondLast = values.Count > 1 ? values[^2].Step : -1;
        return secondLast < nearestLower;
    }

    private double Best(IReadOnlyList<IntermediateValue> values)
    {
        var valid = values.Where(v => !double.IsNaN(v.Value)).Select(v => v.Value).ToList();
        return valid.Count == 0 ? double.NaN : mode == ObjectiveDirection.Maximize ? valid.Max() : valid.Min();
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        var n = values.Count;
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
    }
}
