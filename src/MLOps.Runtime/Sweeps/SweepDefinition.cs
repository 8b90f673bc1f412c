using System.Collections.Immutable;
using MLOps.Plan;
using MLOps.Runtime.Sweeps.Pruners;
using MLOps.Runtime.Sweeps.Samplers;

namespace MLOps.Runtime.Sweeps;

/// <summary>The sweep's limits: trials in total, trials at once, wall-clock limit, failed trials tolerated.</summary>
public sealed record SweepBudget(int Trials, int Parallel, TimeSpan? Timeout = null, int? MaxFailed = null);

/// <summary>
/// Everything the engine needs from a plan's <c>sweep</c> section, checked: the space, the
/// objective, the sampler and pruner (with their options read and defaulted), the budget and seed.
/// </summary>
public sealed record SweepDefinition
{
    public required string Name { get; init; }

    public required SearchSpace Space { get; init; }

    public required ObjectiveDirection Direction { get; init; }

    /// <summary>The pipeline output holding the objective, and the field path inside it (e.g. metrics, [auc]).</summary>
    public required PlanObjective Objective { get; init; }

    public required PlanAlgorithm Sampler { get; init; }

    public PlanAlgorithm? Pruner { get; init; }

    public required SweepBudget Budget { get; init; }

    /// <summary>The seed written in the plan (sweep <c>seed</c>, or the sampler's <c>seed</c> option), if any.</summary>
    public int? Seed { get; init; }

    public static SweepDefinition FromPlan(ExecutionPlan plan) =>
        FromPlan(plan.Sweep ?? throw new SweepDefinitionException($"the plan for '{plan.Pipeline}' is a {plan.Kind} plan, not a sweep"));

    public static SweepDefinition FromPlan(PlanSweep sweep)
    {
        var direction = sweep.Objective.Direction switch
        {
            "maximize" => ObjectiveDirection.Maximize,
            "minimize" => ObjectiveDirection.Minimize,
            var other => throw new SweepDefinitionException($"sweep '{sweep.Name}': unknown objective direction '{other}'"),
        };
        var b = sweep.Budget;
        var definition = new SweepDefinition
        {
            Name = sweep.Name,
            Space = SearchSpace.FromPlan(sweep.Space),
            Direction = direction,
            Objective = sweep.Objective,
            Sampler = sweep.Sampler,
            Pruner = sweep.Pruner is { Name: "none" } ? null : sweep.Pruner,
            Budget = new SweepBudget(b.Trials, Math.Max(1, b.Parallel), b.TimeoutSeconds is { } t ? TimeSpan.FromSeconds(t) : null, b.MaxFailed),
            Seed = sweep.Seed ?? (int?)OptionLong(sweep.Sampler, "seed"),
        };

        // Fail now, not at the first proposal, on unknown algorithms or bad options.
        definition.CreateSampler(0);
        definition.CreatePruner();
        return definition;
    }

    /// <summary>The sampler for this sweep with a resolved seed.</summary>
    public ISampler CreateSampler(ulong seed) => Sampler.Name switch
    {
        "grid" => new GridSampler(Space),
        "random" => new RandomSampler(Space, seed),
        "tpe" => new TpeSampler(Space, Direction, seed, new TpeOptions
        {
            StartupTrials = (int)(OptionLong(Sampler, "startup_trials") ?? 10),
            EiCandidates = (int)(OptionLong(Sampler, "n_ei_candidates") ?? 24),
            Gamma = OptionDouble(Sampler, "gamma") ?? 0.1,
        }.Checked()),
        var other => throw new SweepDefinitionException($"unknown sampler '{other}' (expected grid, random or tpe)"),
    };

    /// <summary>The pruner, or null without one. Its metric defaults to the objective's last field name, its mode to the objective's direction.</summary>
    public IPruner? CreatePruner()
    {
        if (Pruner is null)
        {
            return null;
        }

        var metric = OptionString(Pruner, "metric") ?? (Objective.Path.IsDefaultOrEmpty ? Objective.Output : Objective.Path[^1]);
        var mode = OptionString(Pruner, "mode") switch
        {
            null => Direction,
            "min" => ObjectiveDirection.Minimize,
            "max" => ObjectiveDirection.Maximize,
            var other => throw new SweepDefinitionException($"pruner {Pruner.Name}: mode must be min or max, not '{other}'"),
        };
        return Pruner.Name switch
        {
            "median" => new MedianPruner(
                metric,
                mode,
                (int)(OptionLong(Pruner, "startup_trials") ?? 5),
                OptionLong(Pruner, "warmup_steps") ?? 0,
                Math.Max(1, OptionLong(Pruner, "interval") ?? 1)),
            "asha" => new AshaPruner(
                metric,
                mode,
                OptionLong(Pruner, "grace_period") ?? 1,
                OptionDouble(Pruner, "reduction_factor") ?? 4,
                OptionLong(Pruner, "max_resource")),
            var other => throw new SweepDefinitionException($"unknown pruner '{other}' (expected median or asha)"),
        };
    }

    private static PlanValue? Option(PlanAlgorithm algorithm, string name) =>
        algorithm.Options.Where(o => o.Key == name).Select(o => o.Value).FirstOrDefault(v => v is not NullValue);

    private static long? OptionLong(PlanAlgorithm algorithm, string name) => Option(algorithm, name) switch
    {
        null => null,
        IntValue i => i.Value,
        FloatValue f when f.Value % 1 == 0 => (long)f.Value,
        var v => throw new SweepDefinitionException($"{algorithm.Name}: option '{name}' must be an integer, not {v.ToCommandText()}"),
    };

    private static double? OptionDouble(PlanAlgorithm algorithm, string name) => Option(algorithm, name) switch
    {
        null => null,
        IntValue i => i.Value,
        FloatValue f => f.Value,
        var v => throw new SweepDefinitionException($"{algorithm.Name}: option '{name}' must be a number, not {v.ToCommandText()}"),
    };

    private static string? OptionString(PlanAlgorithm algorithm, string name) => Option(algorithm, name) switch
    {
        null => null,
        StringValue s => s.Value,
        var v => v.ToCommandText(),
    };

    /// <summary>A definition for tests and benchmarks, without a plan.</summary>
    public static SweepDefinition Create(string name, SearchSpace space, ObjectiveDirection direction, string sampler, SweepBudget budget, int? seed = null, PlanAlgorithm? pruner = null, ImmutableArray<KeyValuePair<string, PlanValue>> samplerOptions = default) => new()
    {
        Name = name,
        Space = space,
        Direction = direction,
        Objective = new PlanObjective(direction == ObjectiveDirection.Maximize ? "maximize" : "minimize", "metrics", ["objective"]),
        Sampler = new PlanAlgorithm(sampler, samplerOptions.IsDefault ? [] : samplerOptions),
        Pruner = pruner,
        Budget = budget,
        Seed = seed,
    };
}

internal static class TpeOptionsChecks
{
    public static TpeOptions Checked(this TpeOptions o)
    {
        if (o.StartupTrials < 0 || o.EiCandidates < 1 || !(o.Gamma > 0 && o.Gamma <= 1))
        {
            throw new SweepDefinitionException($"tpe: startup_trials must be >= 0, n_ei_candidates >= 1 and gamma in (0, 1] (got {o.StartupTrials}, {o.EiCandidates}, {o.Gamma})");
        }

        return o;
    }
}
