namespace MLOps.Runtime.Sweeps.Pruners;

/// <summary>
/// Asynchronous successive halving (Li et al. 2018, as Optuna's SuccessiveHalvingPruner): rungs at
/// steps grace_period * reduction_factor^k. When a trial first reaches a rung its current value is
/// recorded there; it continues only if that value is in the top 1 / reduction_factor of every value
/// recorded at the rung so far (with fewer than reduction_factor values, only the best continues,
/// Optuna's rule for the first trials). Rungs at or past <c>max_resource</c> never prune: a trial
/// that got there runs to the end. Asynchronous: nobody waits for a rung to fill.
/// </summary>
public sealed class AshaPruner : IPruner
{
    private readonly long gracePeriod;
    private readonly double reductionFactor;
    private readonly long? maxResource;

    public AshaPruner(string metric, ObjectiveDirection mode, long gracePeriod = 1, double reductionFactor = 4, long? maxResource = null)
    {
        if (gracePeriod < 1)
        {
            throw new SweepDefinitionException("asha: grace_period must be at least 1");
        }

        if (!(reductionFactor >= 2))
        {
            throw new SweepDefinitionException("asha: reduction_factor must be at least 2");
        }

        Metric = metric;
        Mode = mode;
        this.gracePeriod = gracePeriod;
        this.reductionFactor = reductionFactor;
        this.maxResource = maxResource;
    }

    public string Name => "asha";

    public string Metric { get; }

    public ObjectiveDirection Mode { get; }

    /// <summary>The step of rung k.</summary>
    public long RungStep(int k) => (long)Math.Round(gracePeriod * Math.Pow(reductionFactor, k));

    public bool ShouldPrune(PruneContext context)
    {
        var latest = context.Latest;

        // The rungs this report crosses for the first time (the previous report was below them).
        var previous = context.Values.Count > 1 ? context.Values[^2].Step : long.MinValue;
        for (var k = 0; ; k++)
        {
            var rung = RungStep(k);
            if (rung > latest.Step)
            {
                return false;
            }

            if (rung <= previous)
            {
                continue;
            }

            if (maxResource is { } max && rung >= max)
            {
                return false;
            }

            if (double.IsNaN(latest.Value))
            {
                return true;
            }

            var competing = new List<double> { latest.Value };
            foreach (var t in context.Trials)
            {
                if (t.Number != context.Trial && ValueAtRung(t.Values, rung) is { } v && !double.IsNaN(v))
                {
                    competing.Add(v);
                }
            }

            if (!Promotable(latest.Value, competing))
            {
                return true;
            }
        }
    }

    /// <summary>The value a trial recorded at a rung: its first report at or past the rung's step.</summary>
    private static double? ValueAtRung(IReadOnlyList<IntermediateValue> values, long rung)
    {
        foreach (var v in values)
        {
            if (v.Step >= rung)
            {
                return v.Value;
            }
        }

        return null;
    }

    private bool Promotable(double value, List<double> competing)
    {
        var index = (int)(competing.Count / reductionFactor) - 1;
        if (index < 0)
        {
            index = 0;
        }

        competing.Sort();
        return Mode == ObjectiveDirection.Maximize
            ? competing[competing.Count - 1 - index] <= value
            : value <= competing[index];
    }
}
