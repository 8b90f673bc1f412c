using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Pruners;

namespace MLOps.Runtime.Tests.Sweeps;

public sealed class PrunerTests
{
    private static IntermediateValue[] Curve(params double[] values) => [.. values.Select((v, i) => new IntermediateValue(i + 1, v))];

    private static TrialProgress Done(int number, params double[] values) => new(number, TrialState.Succeeded, Curve(values));

    [Fact]
    public void Median_prunes_a_trial_worse_than_the_median_at_the_same_step()
    {
        var pruner = new MedianPruner("loss", ObjectiveDirection.Minimize, startupTrials: 3);
        var others = new[] { Done(0, 1.0, 0.8, 0.6), Done(1, 0.9, 0.7, 0.5), Done(2, 1.1, 0.9, 0.7) };
        Assert.False(pruner.ShouldPrune(new PruneContext(3, Curve(0.95, 0.75), others)));
        Assert.True(pruner.ShouldPrune(new PruneContext(3, Curve(0.95, 0.85), others)));
    }

    [Fact]
    public void Median_judges_the_best_value_so_far_and_respects_direction()
    {
        var pruner = new MedianPruner("acc", ObjectiveDirection.Maximize, startupTrials: 1);
        var others = new[] { Done(0, 0.5, 0.6, 0.7) };

        // Its best so far (0.9 at step 1) beats the median at step 3 (0.7) even though 0.2 does not.
        Assert.False(pruner.ShouldPrune(new PruneContext(1, Curve(0.9, 0.1, 0.2), others)));
        Assert.True(pruner.ShouldPrune(new PruneContext(1, Curve(0.3, 0.4, 0.5), others)));
    }

    [Fact]
    public void Median_waits_for_start_up_trials_warm_up_and_intervals()
    {
        var others = new[] { Done(0, 1, 1, 1, 1), Done(1, 1, 1, 1, 1) };
        var bad = Curve(5, 5, 5, 5);
        Assert.False(new MedianPruner("l", ObjectiveDirection.Minimize, startupTrials: 3).ShouldPrune(new PruneContext(2, bad, others)));
        Assert.True(new MedianPruner("l", ObjectiveDirection.Minimize, startupTrials: 2).ShouldPrune(new PruneContext(2, bad, others)));
        Assert.False(new MedianPruner("l", ObjectiveDirection.Minimize, startupTrials: 2, warmupSteps: 5).ShouldPrune(new PruneContext(2, bad, others)));

        // interval 3 from warm-up 0: steps 3 and 6 are judged; step 4 is not.
        var interval = new MedianPruner("l", ObjectiveDirection.Minimize, startupTrials: 2, interval: 3);
        Assert.True(interval.ShouldPrune(new PruneContext(2, Curve(5, 5, 5), others)));
        Assert.False(interval.ShouldPrune(new PruneContext(2, bad, others)));

        // Running and pruned trials do not count as start-up trials.
        var notDone = new[] { new TrialProgress(0, TrialState.Running, Curve(1, 1, 1, 1)), new TrialProgress(1, TrialState.Pruned, Curve(1)) };
        Assert.False(new MedianPruner("l", ObjectiveDirection.Minimize, startupTrials: 1).ShouldPrune(new PruneContext(2, bad, notDone)));
    }

    [Fact]
    public void Asha_rungs_grow_by_the_reduction_factor()
    {
        var asha = new AshaPruner("loss", ObjectiveDirection.Minimize, gracePeriod: 2, reductionFactor: 3);
        Assert.Equal([2, 6, 18, 54], Enumerable.Range(0, 4).Select(asha.RungStep));
    }

    [Fact]
    public void Asha_keeps_the_top_fraction_at_each_rung()
    {
        var asha = new AshaPruner("loss", ObjectiveDirection.Minimize, gracePeriod: 1, reductionFactor: 2);

        // Rung 0 (step 1) holds 0.1, 0.2, 0.3 from others; with this trial, 4 values: the top 2 continue.
        var others = new[] { Done(0, 0.1), Done(1, 0.2), new TrialProgress(2, TrialState.Running, Curve(0.3)) };
        Assert.False(asha.ShouldPrune(new PruneContext(3, Curve(0.15), others)));
        Assert.True(asha.ShouldPrune(new PruneContext(3, Curve(0.25), others)));
    }

    [Fact]
    public void Asha_judges_a_trial_once_per_rung_when_it_first_reaches_it()
    {
        var asha = new AshaPruner("loss", ObjectiveDirection.Minimize, gracePeriod: 1, reductionFactor: 2);
        var others = new[] { Done(0, 0.1, 0.1, 0.1, 0.1), Done(1, 0.2, 0.2, 0.2, 0.2) };

        // Step 3 is between rungs 2 and 4: no decision there, whatever the value.
        Assert.False(asha.ShouldPrune(new PruneContext(2, Curve(0.05, 0.05, 9), others)));

        // Step 4 reaches rung 4 with a value worse than both others: pruned.
        Assert.True(asha.ShouldPrune(new PruneContext(2, Curve(0.05, 0.05, 9, 9), others)));
    }

    [Fact]
    public void Asha_with_few_trials_promotes_only_the_best_and_never_prunes_past_the_max_resource()
    {
        var asha = new AshaPruner("acc", ObjectiveDirection.Maximize, gracePeriod: 1, reductionFactor: 3, maxResource: 3);
        var others = new[] { Done(0, 0.9, 0.9, 0.9) };
        Assert.True(asha.ShouldPrune(new PruneContext(1, Curve(0.5), others)));
        Assert.False(asha.ShouldPrune(new PruneContext(1, Curve(0.95), others)));

        // Rung 3 is at max_resource: a bad value there is not pruned.
        Assert.False(asha.ShouldPrune(new PruneContext(1, Curve(0.95, 0.95, 0.1), others)));

        // The first trial has nobody to compete with.
        Assert.False(asha.ShouldPrune(new PruneContext(0, Curve(0.0), [])));
    }
}
