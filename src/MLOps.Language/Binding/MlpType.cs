using System.Collections.Immutable;
using System.Linq;

namespace MLOps.Language.Binding;

/// <summary>The types of the language. <see cref="ErrorType"/> is given to anything erroneous and is compatible with everything, so one mistake gives one diagnostic.</summary>
public abstract record MlpType
{
    public abstract string Display { get; }

    public override string ToString() => Display;

    public bool IsError => this is ErrorType;

    public bool IsNumeric => this == PrimitiveType.Int || this == PrimitiveType.Float;
}

public sealed record ErrorType : MlpType
{
    public static readonly ErrorType Instance = new();

    private ErrorType()
    {
    }

    public override string Display => "<error>";
}

public sealed record PrimitiveType : MlpType
{
    public static readonly PrimitiveType Int = new("int");
    public static readonly PrimitiveType Float = new("float");
    public static readonly PrimitiveType Bool = new("bool");
    public static readonly PrimitiveType String = new("string");
    public static readonly PrimitiveType Duration = new("duration");
    public static readonly PrimitiveType Size = new("size");
    public static readonly PrimitiveType Path = new("path");

    /// <summary>The type of the literal <c>none</c>; converts to any optional type.</summary>
    public static readonly PrimitiveType None = new("none");

    private PrimitiveType(string name) => Name = name;

    public string Name { get; }

    public override string Display => Name;

    public static readonly ImmutableArray<PrimitiveType> Named = [Int, Float, Bool, String, Duration, Size, Path];

    /// <summary>The named primitive type called <paramref name="name"/>, if any (a loop: every type reference asks).</summary>
    public static PrimitiveType? Find(string name)
    {
        foreach (var p in Named)
        {
            if (p.Name == name)
            {
                return p;
            }
        }

        return null;
    }
}

/// <summary>A file or folder produced or consumed by steps: Dataset, Model, File, Dir or user-declared.</summary>
public sealed record ArtifactType(string Name) : MlpType
{
    public static readonly ImmutableArray<string> BuiltIn = ["Dataset", "Model", "File", "Dir"];

    // One instance per built-in kind (types compare by value): a type per parameter was garbage
    // that lived as long as the compilation.
    private static readonly ImmutableArray<ArtifactType> BuiltInTypes = [.. BuiltIn.Select(n => new ArtifactType(n))];

    public override string Display => Name;

    /// <summary>The built-in artifact type of that name, or null.</summary>
    internal static ArtifactType? FindBuiltIn(string name)
    {
        foreach (var t in BuiltInTypes)
        {
            if (t.Name == name)
            {
                return t;
            }
        }

        return null;
    }
}

public sealed record ListType(MlpType Element) : MlpType
{
    public override string Display => $"list<{Element.Display}>";
}

public sealed record MapType(MlpType Value) : MlpType
{
    public override string Display => $"map<{Value.Display}>";
}

public sealed record OptionalType(MlpType Inner) : MlpType
{
    public override string Display => Inner.Display + "?";
}

public sealed record EnumType(string Name, ImmutableArray<string> Members) : MlpType
{
    public override string Display => Name;

    public bool Equals(EnumType? other) => other is not null && Name == other.Name && Members.SequenceEqual(other.Members);

    public override int GetHashCode() => Name.GetHashCode();
}

public sealed record FieldSymbol(string Name, MlpType Type);

/// <summary>A record. Named records come from <c>type</c> declarations; anonymous ones from literals. Compatibility is structural.</summary>
public sealed record RecordType(string? Name, ImmutableArray<FieldSymbol> Fields) : MlpType
{
    public override string Display => Name ?? "{ " + string.Join(", ", Fields.Select(f => f.Name + ": " + f.Type.Display)) + " }";

    /// <summary>The field of that name, or null. A loop: a lambda would allocate its closure on every member access bound.</summary>
    public FieldSymbol? Find(string name)
    {
        foreach (var f in Fields)
        {
            if (f.Name == name)
            {
                return f;
            }
        }

        return null;
    }

    public bool Equals(RecordType? other) => other is not null && Name == other.Name && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => Name?.GetHashCode() ?? Fields.Length;
}

/// <summary>What calling a step or pipeline gives: its outputs, reached with <c>.name</c>.</summary>
public sealed record CallResultType(CallableSymbol Callee) : MlpType
{
    public override string Display => $"outputs of {Callee.Name}";
}

/// <summary>A registered model version in a policy: <c>candidate</c> or an alias holder.</summary>
public sealed record ModelVersionType(string Model, MlpType Metrics) : MlpType
{
    public override string Display => $"version of '{Model}'";

    public RecordType Shape { get; } = new(null, [new("version", PrimitiveType.Int), new("metrics", Metrics), new("tags", new MapType(PrimitiveType.String))]);
}

/// <summary>The value of an imported module's alias (<c>py</c> in <c>py.script(...)</c>).</summary>
public sealed record ModuleType(ModuleSymbol Module) : MlpType
{
    public override string Display => $"module '{Module.Path}'";
}

/// <summary><c>out</c> inside a step's <c>run</c>: the places its outputs are written.</summary>
public sealed record StepOutputsType(StepSymbol Step) : MlpType
{
    public override string Display => $"outputs of {Step.Name}";
}

public static class TypeFacts
{
    /// <summary>Whether a value of type <paramref name="from"/> can be used where <paramref name="to"/> is expected.</summary>
    public static bool IsAssignable(MlpType from, MlpType to)
    {
        if (from.IsError || to.IsError || from.Equals(to))
        {
            return true;
        }

        switch (to)
        {
            case OptionalType o:
                return from == PrimitiveType.None || IsAssignable(from is OptionalType fo ? fo.Inner : from, o.Inner);
            case PrimitiveType p when p == PrimitiveType.Float:
                return from == PrimitiveType.Int;
            case PrimitiveType p when p == PrimitiveType.Path:
                // A path is text on the executing machine; artifacts become their paths.
                return from == PrimitiveType.String || from is ArtifactType;
            case ArtifactType:
                // An existing file given by path becomes an input artifact.
                return from == PrimitiveType.Path || from == PrimitiveType.String;
            case ListType l:
                return from is ListType fl && IsAssignable(fl.Element, l.Element);
            case MapType m:
                return (from is MapType fm && IsAssignable(fm.Value, m.Value))
                    || (from is RecordType fr && fr.Fields.All(f => IsAssignable(f.Type, m.Value)));
            case RecordType r:
                return from is RecordType fr2 && fr2.Fields.Length == r.Fields.Length
                    && r.Fields.All(f => fr2.Find(f.Name) is { } ff && IsAssignable(ff.Type, f.Type));
            default:
                return false;
        }
    }

    /// <summary>Types a string interpolation accepts: scalars and artifacts.</summary>
    public static bool IsInterpolatable(MlpType type) =>
        type.IsError || type is PrimitiveType or ArtifactType or EnumType || (type is OptionalType o && IsInterpolatable(o.Inner));

    public static bool IsOrderable(MlpType type) =>
        type.IsNumeric || type == PrimitiveType.Duration || type == PrimitiveType.Size || type == PrimitiveType.String;
}
