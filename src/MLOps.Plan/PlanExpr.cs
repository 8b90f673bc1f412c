using System.Collections.Immutable;
using System.Linq;

namespace MLOps.Plan;

/// <summary>
/// A value the runtime computes: a constant, a node's output (optionally a field path inside a
/// record output), the current fan-out item, a model in a policy, or an operator over those.
/// </summary>
public abstract record PlanExpr;

public sealed record ConstExpr(PlanValue Value) : PlanExpr;

/// <summary>Output <c>Output</c> of node <c>Node</c>, then field <c>Path</c> inside it when it is a record.</summary>
public sealed record OutputRefExpr(string Node, string Output, ImmutableArray<string> Path) : PlanExpr
{
    public bool Equals(OutputRefExpr? other) =>
        other is not null && Node == other.Node && Output == other.Output && Path.SequenceEqual(other.Path);

    public override int GetHashCode() => (Node + "." + Output).GetHashCode();
}

/// <summary>The item of fan-out <c>FanOut</c> that the current node instance runs for, then a field path.</summary>
public sealed record FanOutItemExpr(string FanOut, ImmutableArray<string> Path) : PlanExpr
{
    public bool Equals(FanOutItemExpr? other) => other is not null && FanOut == other.FanOut && Path.SequenceEqual(other.Path);

    public override int GetHashCode() => FanOut.GetHashCode();
}

/// <summary>In policies: <c>candidate</c> or the version an alias holds, then a path such as metrics.auc.</summary>
public sealed record ModelRefExpr(string Model, ImmutableArray<string> Path) : PlanExpr
{
    public const string Candidate = "candidate";

    public bool Equals(ModelRefExpr? other) => other is not null && Model == other.Model && Path.SequenceEqual(other.Path);

    public override int GetHashCode() => Model.GetHashCode();
}

/// <summary>Operators: + - * / % == != &lt; &lt;= &gt; &gt;= and or not neg; list and record builders.</summary>
public sealed record OpExpr(string Op, ImmutableArray<PlanExpr> Args) : PlanExpr
{
    public bool Equals(OpExpr? other) => other is not null && Op == other.Op && Args.SequenceEqual(other.Args);

    public override int GetHashCode() => Op.GetHashCode();
}

/// <summary>A list whose items are computed.</summary>
public sealed record ListExpr(ImmutableArray<PlanExpr> Items) : PlanExpr
{
    public bool Equals(ListExpr? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Length;
}

public sealed record RecordExprField(string Name, PlanExpr Value);

/// <summary>A record whose fields are computed.</summary>
public sealed record RecordExpr(ImmutableArray<RecordExprField> Fields) : PlanExpr
{
    public bool Equals(RecordExpr? other) => other is not null && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Fields.Length;
}

/// <summary>Strings with interpolations that need run-time values: parts are concatenated as command text.</summary>
public sealed record ConcatExpr(ImmutableArray<PlanExpr> Parts) : PlanExpr
{
    public bool Equals(ConcatExpr? other) => other is not null && Parts.SequenceEqual(other.Parts);

    public override int GetHashCode() => Parts.Length;
}

/// <summary><c>env("NAME")</c>: read from the environment of the machine that runs the step.</summary>
public sealed record EnvExpr(string Name) : PlanExpr;

/// <summary>A pipeline parameter left open in sweep plans: each trial supplies its value.</summary>
public sealed record ParamRefExpr(string Name) : PlanExpr;

/// <summary>The values of <c>Value</c> across every instance of fan-out <c>FanOut</c>, as a list (what <c>let xs = for ...</c> yields).</summary>
public sealed record GatherExpr(string FanOut, PlanExpr Value) : PlanExpr;
