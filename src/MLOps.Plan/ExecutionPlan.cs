using System.Collections.Generic;
using System.Collections.Immutable;

namespace MLOps.Plan;

/// <summary>
/// The contract between compiler and runtime (<c>mlp.plan/v1</c>). Everything a runtime needs
/// to run a pipeline or a sweep without the source. Arrays keep a deterministic order.
/// </summary>
public sealed record ExecutionPlan
{
    public const string SchemaId = "mlp.plan/v1";

    public string Schema { get; init; } = SchemaId;

    /// <summary>"pipeline" or "sweep".</summary>
    public string Kind { get; init; } = "pipeline";

    public required PlanSource Source { get; init; }

    /// <summary>The pipeline this plan runs (for a sweep, the pipeline each trial runs).</summary>
    public required string Pipeline { get; init; }

    /// <summary>Pipeline and module parameters with the values this plan was built with.</summary>
    public ImmutableArray<PlanParam> Params { get; init; } = [];

    public ImmutableArray<PlanTarget> Targets { get; init; } = [];

    /// <summary>Fan-outs (<c>for x in list</c>): the runtime expands each into one instance per item.</summary>
    public ImmutableArray<PlanFanOut> FanOuts { get; init; } = [];

    public ImmutableArray<PlanNode> Nodes { get; init; } = [];

    /// <summary>What the pipeline returns.</summary>
    public ImmutableArray<PlanOutputBinding> Outputs { get; init; } = [];

    public ImmutableArray<PlanRegistration> Registrations { get; init; } = [];

    public ImmutableArray<PlanPolicy> Policies { get; init; } = [];

    public PlanSweep? Sweep { get; init; }
}

/// <summary>Where the plan came from: the entry file (as given) and a digest over every module's text.</summary>
public sealed record PlanSource(string File, string Digest);

public sealed record PlanParam(string Name, PlanType Type, PlanValue Value);

public sealed record PlanTarget(string Name, string Kind, ImmutableArray<KeyValuePair<string, PlanValue>> Properties);

public sealed record PlanFanOut(string Id, string Variable, PlanExpr Items, string? Parent);

public sealed record PlanResources(double Cpu, long MemoryBytes, int Gpu, string? GpuType);

public sealed record PlanRetry(int Attempts, double BackoffSeconds, double Factor);

/// <summary>An input of a node: either a constant or a value computed from other nodes' outputs.</summary>
public sealed record PlanInput(string Name, PlanType Type, PlanExpr Value);

public sealed record PlanOutput(string Name, PlanType Type);

/// <summary>
/// How a node's cache key is made: <c>DefinitionDigest</c> hashes every part of the resolved
/// definition named in <c>Components</c>; the runtime adds the input values and input
/// artifact digests listed in <c>Inputs</c> when the node is ready.
/// </summary>
public sealed record PlanCacheKey(bool Enabled, string DefinitionDigest, ImmutableArray<string> Components, ImmutableArray<string> Inputs);

public sealed record PlanNode
{
    /// <summary>Unique in the plan; sub-pipeline nodes are prefixed with the call's binding: <c>train/fit</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The step this node runs (qualified by module alias when imported: <c>py.script</c>).</summary>
    public required string Step { get; init; }

    /// <summary>
    /// Shell command. Compile-time values are substituted; run-time values stay as placeholders
    /// <c>{{in.NAME}}</c> (inputs computed at run time, artifacts as paths) and <c>{{out.NAME}}</c>
    /// (where the step writes an output).
    /// </summary>
    public required string Command { get; init; }

    public string? Image { get; init; }

    public ImmutableArray<KeyValuePair<string, string>> Env { get; init; } = [];

    public required PlanResources Resources { get; init; }

    public required PlanRetry Retry { get; init; }

    public double? TimeoutSeconds { get; init; }

    public required string Target { get; init; }

    public ImmutableArray<PlanInput> Inputs { get; init; } = [];

    public ImmutableArray<PlanOutput> Outputs { get; init; } = [];

    /// <summary>Ids of nodes whose outputs this node reads or whose condition it depends on.</summary>
    public ImmutableArray<string> DependsOn { get; init; } = [];

    /// <summary>The node runs only when this evaluates to true (from enclosing <c>if</c>s).</summary>
    public PlanExpr? Condition { get; init; }

    /// <summary>The innermost fan-out this node belongs to, if any.</summary>
    public string? FanOut { get; init; }

    public required PlanCacheKey Cache { get; init; }
}

public sealed record PlanOutputBinding(string Name, PlanType Type, PlanExpr Value);

public sealed record PlanRegistration
{
    public required string Id { get; init; }

    public required string Model { get; init; }

    /// <summary>The artifact registered as the new version.</summary>
    public required PlanExpr Artifact { get; init; }

    /// <summary>A record of metrics, when given; its type is spelled out for policies.</summary>
    public PlanExpr? Metrics { get; init; }

    public PlanType? MetricsType { get; init; }

    public PlanExpr? Tags { get; init; }

    public ImmutableArray<string> DependsOn { get; init; } = [];

    public PlanExpr? Condition { get; init; }

    public string? FanOut { get; init; }
}

/// <summary>A rule of a policy: <c>require</c> a condition, or an approval from a group.</summary>
public sealed record PlanRule(string Kind, string Text, PlanExpr? Condition, string? Message, string? Group);

/// <summary>alias @name | tag {..} | notify url (signed with the secret from an environment variable).</summary>
public sealed record PlanAction(string Kind, string? Alias, ImmutableArray<KeyValuePair<string, string>> Tags, string? Url, string? SecretEnv);

public sealed record PlanPolicy
{
    public required string Name { get; init; }

    public required string Model { get; init; }

    /// <summary>The aliases the rules read (e.g. <c>champion</c>), so the runtime can fetch their holders.</summary>
    public ImmutableArray<string> ReadsAliases { get; init; } = [];

    public ImmutableArray<PlanRule> Rules { get; init; } = [];

    public ImmutableArray<PlanAction> OnPass { get; init; } = [];

    public ImmutableArray<PlanAction> OnFail { get; init; } = [];
}

/// <summary>One searched dimension: <c>uniform</c>, <c>loguniform</c>, <c>int</c> (with step/log), <c>choice</c>.</summary>
public sealed record PlanDimension(string Param, PlanType Type, string Distribution, double? Low, double? High, double? Step, bool Log, ImmutableArray<PlanValue> Choices);

public sealed record PlanObjective(string Direction, string Output, ImmutableArray<string> Path);

public sealed record PlanAlgorithm(string Name, ImmutableArray<KeyValuePair<string, PlanValue>> Options);

public sealed record PlanBudget(int Trials, int Parallel, double? TimeoutSeconds, int? MaxFailed);

public sealed record PlanSweep
{
    public required string Name { get; init; }

    public ImmutableArray<PlanDimension> Space { get; init; } = [];

    public required PlanObjective Objective { get; init; }

    public required PlanAlgorithm Sampler { get; init; }

    public PlanAlgorithm? Pruner { get; init; }

    public required PlanBudget Budget { get; init; }

    public int? Seed { get; init; }
}
