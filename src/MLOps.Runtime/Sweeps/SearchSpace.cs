using System.Collections.Immutable;
using System.Globalization;
using MLOps.Plan;

namespace MLOps.Runtime.Sweeps;

/// <summary>
/// One searched pipeline parameter. Samplers work on an internal number per dimension: the value
/// itself for numeric dimensions, the index into <see cref="ChoiceDimension.Choices"/> for
/// categoricals. <see cref="ToValue"/> turns it into the value the pipeline receives.
/// </summary>
public abstract record SearchDimension(string Name)
{
    /// <summary>The pipeline value for an internal number.</summary>
    public abstract PlanValue ToValue(double internalValue);

    /// <summary>Reads back a value as the tracking store holds it (a param's text); false when it is not one of ours.</summary>
    public abstract bool TryParse(string text, out double internalValue);

    /// <summary>Whether an internal number is a value this dimension can produce.</summary>
    public abstract bool Contains(double internalValue);
}

/// <summary><c>uniform(low, high)</c> or <c>loguniform(low, high)</c> over a float parameter.</summary>
public sealed record FloatDimension(string Name, double Low, double High, bool Log) : SearchDimension(Name)
{
    public override PlanValue ToValue(double internalValue) => PlanValue.Of(internalValue);

    public override bool TryParse(string text, out double internalValue) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out internalValue) && Contains(internalValue);

    public override bool Contains(double internalValue) => internalValue >= Low && internalValue <= High;
}

/// <summary>
/// <c>int(low, high, step: s, log: b)</c>: the values low, low + s, ... up to high. The parameter
/// may be an int (values are <see cref="IntValue"/>) or a float (values are whole-step floats).
/// </summary>
public sealed record IntDimension(string Name, double Low, double High, double Step, bool Log, bool IntegerParameter) : SearchDimension(Name)
{
    /// <summary>How many values the range holds.</summary>
    public long Count => (long)Math.Floor((High - Low) / Step + 1e-9) + 1;

    /// <summary>The largest value on the grid (high itself when the step divides the range).</summary>
    public double Top => Low + (Count - 1) * Step;

    public double ValueAt(long index) => Low + index * Step;

    /// <summary>The grid value nearest to <paramref name="x"/>.</summary>
    public double Snap(double x) => ValueAt(Math.Clamp((long)Math.Round((x - Low) / Step, MidpointRounding.AwayFromZero), 0, Count - 1));

    public override PlanValue ToValue(double internalValue) =>
        IntegerParameter ? PlanValue.Of((long)Math.Round(internalValue)) : PlanValue.Of(internalValue);

    public override bool TryParse(string text, out double internalValue) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out internalValue) && Contains(internalValue);

    public override bool Contains(double internalValue) =>
        internalValue >= Low && internalValue <= Top && Math.Abs(Snap(internalValue) - internalValue) <= 1e-9 * Math.Max(1, Math.Abs(internalValue));
}

/// <summary><c>choice(a, b, ...)</c>: a categorical; the internal number is the index.</summary>
public sealed record ChoiceDimension(string Name, ImmutableArray<PlanValue> Choices) : SearchDimension(Name)
{
    public override PlanValue ToValue(double internalValue) => Choices[(int)internalValue];

    public override bool TryParse(string text, out double internalValue)
    {
        for (var i = 0; i < Choices.Length; i++)
        {
            if (Choices[i].ToCommandText() == text)
            {
                internalValue = i;
                return true;
            }
        }

        internalValue = -1;
        return false;
    }

    public override bool Contains(double internalValue) => internalValue >= 0 && internalValue < Choices.Length && internalValue % 1 == 0;

    public bool Equals(ChoiceDimension? other) => other is not null && Name == other.Name && Choices.SequenceEqual(other.Choices);

    public override int GetHashCode() => HashCode.Combine(Name, Choices.Length);
}

/// <summary>The dimensions of a sweep, in declaration order (the order samplers draw them in).</summary>
public sealed class SearchSpace
{
    public SearchSpace(IEnumerable<SearchDimension> dimensions)
    {
        Dimensions = [.. dimensions];
        if (Dimensions.IsEmpty)
        {
            throw new ArgumentException("a sweep needs at least one dimension", nameof(dimensions));
        }

        foreach (var d in Dimensions)
        {
            Validate(d);
        }
    }

    public ImmutableArray<SearchDimension> Dimensions { get; }

    public int Count => Dimensions.Length;

    public static SearchSpace FromPlan(IEnumerable<PlanDimension> dimensions) => new(dimensions.Select(FromPlan));

    public static SearchDimension FromPlan(PlanDimension d)
    {
        var type = d.Type is OptionalPlanType o ? o.Inner : d.Type;
        var integer = type is ScalarPlanType { Name: "int" };
        return d.Distribution switch
        {
            "uniform" => new FloatDimension(d.Param, Required(d.Low, d, "low"), Required(d.High, d, "high"), d.Log),
            "loguniform" => new FloatDimension(d.Param, Required(d.Low, d, "low"), Required(d.High, d, "high"), Log: true),
            "int" => new IntDimension(d.Param, Required(d.Low, d, "low"), Required(d.High, d, "high"), d.Step ?? 1, d.Log, integer),
            "choice" => new ChoiceDimension(d.Param, d.Choices),
            _ => throw new SweepDefinitionException($"dimension '{d.Param}': unknown distribution '{d.Distribution}' (expected uniform, loguniform, int or choice)"),
        };
    }

    private static double Required(double? value, PlanDimension d, string what) =>
        value ?? throw new SweepDefinitionException($"dimension '{d.Param}': {d.Distribution}(...) has no {what} bound");

    private static void Validate(SearchDimension d)
    {
        switch (d)
        {
            case FloatDimension f when !(f.Low < f.High) || !double.IsFinite(f.Low) || !double.IsFinite(f.High):
                throw new SweepDefinitionException($"dimension '{d.Name}': the low bound {f.Low} must be below the high bound {f.High}");
            case FloatDimension { Log: true, Low: <= 0 }:
                throw new SweepDefinitionException($"dimension '{d.Name}': a log scale needs a low bound above zero");
            case IntDimension i when !(i.Low <= i.High) || !(i.Step > 0):
                throw new SweepDefinitionException($"dimension '{d.Name}': int({i.Low}, {i.High}, step: {i.Step}) is empty");
            case IntDimension { Log: true, Low: <= 0 }:
                throw new SweepDefinitionException($"dimension '{d.Name}': a log scale needs a low bound above zero");
            case ChoiceDimension { Choices.IsEmpty: true }:
                throw new SweepDefinitionException($"dimension '{d.Name}': choice(...) needs at least one value");
        }
    }

    /// <summary>The parameter values a trial's internal numbers stand for, by parameter name.</summary>
    public ImmutableArray<KeyValuePair<string, PlanValue>> ToValues(ReadOnlySpan<double> point)
    {
        var result = ImmutableArray.CreateBuilder<KeyValuePair<string, PlanValue>>(Count);
        for (var i = 0; i < Count; i++)
        {
            result.Add(new(Dimensions[i].Name, Dimensions[i].ToValue(point[i])));
        }

        return result.MoveToImmutable();
    }

    /// <summary>The texts logged as the trial run's params.</summary>
    public Dictionary<string, string> ToParams(ReadOnlySpan<double> point)
    {
        var result = new Dictionary<string, string>(Count, StringComparer.Ordinal);
        for (var i = 0; i < Count; i++)
        {
            result[Dimensions[i].Name] = Dimensions[i].ToValue(point[i]).ToCommandText();
        }

        return result;
    }

    /// <summary>Reads a trial's point back from its logged params; null when one is missing or out of the space.</summary>
    public double[]? TryParseParams(IReadOnlyDictionary<string, string> parameters)
    {
        var point = new double[Count];
        for (var i = 0; i < Count; i++)
        {
            if (!parameters.TryGetValue(Dimensions[i].Name, out var text) || !Dimensions[i].TryParse(text, out point[i]))
            {
                return null;
            }
        }

        return point;
    }
}

/// <summary>A sweep definition the engine cannot run (a bad plan, an unknown sampler, a bad option).</summary>
public sealed class SweepDefinitionException(string message) : Exception(message);
