using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace MLOps.Plan;

/// <summary>A literal value in a plan: what a compile-time constant lowers to.</summary>
public abstract record PlanValue
{
    public static readonly PlanValue Null = new NullValue();

    public static PlanValue Of(bool value) => new BoolValue(value);
    public static PlanValue Of(long value) => new IntValue(value);
    public static PlanValue Of(double value) => new FloatValue(value);
    public static PlanValue Of(string value) => new StringValue(value);

    /// <summary>The text a value takes when substituted into a command line.</summary>
    public abstract string ToCommandText();
}

public sealed record NullValue : PlanValue
{
    public override string ToCommandText() => "";
}

public sealed record BoolValue(bool Value) : PlanValue
{
    public override string ToCommandText() => Value ? "true" : "false";
}

public sealed record IntValue(long Value) : PlanValue
{
    public override string ToCommandText() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record FloatValue(double Value) : PlanValue
{
    public override string ToCommandText() => PlanNumbers.Format(Value);
}

/// <summary>A value read from the environment of the machine that runs the plan (target properties such as a URL).</summary>
public sealed record EnvValue(string Name) : PlanValue
{
    public override string ToCommandText() => "{{env." + Name + "}}";
}

public sealed record StringValue(string Value) : PlanValue
{
    public override string ToCommandText() => Value;
}

public sealed record ListValue(ImmutableArray<PlanValue> Items) : PlanValue
{
    public override string ToCommandText() => string.Join(",", Items.Select(i => i.ToCommandText()));

    public bool Equals(ListValue? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Length;
}

/// <summary>Records and maps; keys keep declaration order (records) or sorted order (maps).</summary>
public sealed record MapValue(ImmutableArray<KeyValuePair<string, PlanValue>> Entries) : PlanValue
{
    public override string ToCommandText() => string.Join(",", Entries.Select(e => e.Key + "=" + e.Value.ToCommandText()));

    public PlanValue? this[string key] => Entries.Where(e => e.Key == key).Select(e => e.Value).FirstOrDefault();

    public bool Equals(MapValue? other) => other is not null && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode() => Entries.Length;
}

public static class PlanNumbers
{
    /// <summary>Culture-independent shortest round-trip form, always with a decimal point or exponent.</summary>
    public static string Format(double value)
    {
        var text = value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        if (text.IndexOfAny(['.', 'E', 'e', 'N', 'I']) < 0)
        {
            text += ".0";
        }

        return text;
    }
}
