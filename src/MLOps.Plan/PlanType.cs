using System.Collections.Immutable;
using System.Linq;

namespace MLOps.Plan;

/// <summary>A type spelled out in full, so a runtime can validate values without the source.</summary>
public abstract record PlanType
{
    public abstract string Display { get; }
}

/// <summary>int, float, bool, string, duration, size, path.</summary>
public sealed record ScalarPlanType(string Name) : PlanType
{
    public override string Display => Name;
}

/// <summary>Dataset, Model, File, Dir or a user-declared artifact kind; its value is a file or folder.</summary>
public sealed record ArtifactPlanType(string Name) : PlanType
{
    public override string Display => Name;
}

public sealed record ListPlanType(PlanType Element) : PlanType
{
    public override string Display => $"list<{Element.Display}>";
}

public sealed record MapPlanType(PlanType Value) : PlanType
{
    public override string Display => $"map<{Value.Display}>";
}

public sealed record OptionalPlanType(PlanType Inner) : PlanType
{
    public override string Display => Inner.Display + "?";
}

public sealed record EnumPlanType(string Name, ImmutableArray<string> Members) : PlanType
{
    public override string Display => Name;

    public bool Equals(EnumPlanType? other) => other is not null && Name == other.Name && Members.SequenceEqual(other.Members);

    public override int GetHashCode() => Name.GetHashCode();
}

public sealed record PlanField(string Name, PlanType Type);

public sealed record RecordPlanType(string Name, ImmutableArray<PlanField> Fields) : PlanType
{
    public override string Display => Name;

    public bool Equals(RecordPlanType? other) => other is not null && Name == other.Name && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Name.GetHashCode();
}
