using System.Collections.Generic;
using System.Linq;
using MLOps.Language.Binding;
using MLOps.Language.Syntax;
using MLOps.Plan;

namespace MLOps.Language.Lowering;

internal static class SweepLowerer
{
    public static PlanSweep Lower(string name, BoundSweep sweep) => new()
    {
        Name = name,
        Space = [.. sweep.Dimensions.Select(d => new PlanDimension(
            d.Parameter.Name,
            PlanTypes.From(d.Parameter.Type),
            d.Distribution,
            d.Low,
            d.High,
            d.Step,
            d.Log,
            [.. d.Choices.Select(c => ConstantEvaluator.TryEvaluate(c, null, out var v) ? PlanTypes.Value(v, d.Parameter.Type) : PlanValue.Null)]))],
        Objective = new PlanObjective(sweep.Direction == ObjectiveDirection.Maximize ? "maximize" : "minimize", sweep.ObjectiveOutput, sweep.ObjectivePath),
        Sampler = Algorithm(sweep.Sampler),
        Pruner = sweep.Pruner is null ? null : Algorithm(sweep.Pruner),
        Budget = new PlanBudget(sweep.Trials, sweep.Parallel, sweep.TimeoutSeconds, sweep.MaxFailed),
        Seed = sweep.Seed,
    };

    private static PlanAlgorithm Algorithm(BoundConstructor c) => new(
        c.Kind,
        [.. c.Options
            .Select(o => new KeyValuePair<string, PlanValue>(o.Key, ConstantEvaluator.TryEvaluate(o.Value, null, out var v) ? PlanTypes.Value(v, o.Value.Type) : PlanValue.Null))
            .OrderBy(o => o.Key, System.StringComparer.Ordinal)]);
}
