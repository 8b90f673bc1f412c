using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using MLOps.Plan;

namespace MLOps.Runtime.Values;

/// <summary>
/// Conversions between what steps read and write (JSON files, command text) and plan values.
/// One home for the runtime's value encoding: outputs read back, inputs written, params logged.
/// </summary>
public static class RuntimeValues
{
    /// <summary>Reads a JSON value that has already been validated against <paramref name="type"/>.</summary>
    public static PlanValue FromJson(JsonElement e, PlanType type) => type switch
    {
        OptionalPlanType o => e.ValueKind == JsonValueKind.Null ? PlanValue.Null : FromJson(e, o.Inner),
        ScalarPlanType { Name: "int" } => PlanValue.Of(e.GetInt64()),
        ScalarPlanType { Name: "float" } => PlanValue.Of(e.GetDouble()),
        ScalarPlanType { Name: "bool" } => PlanValue.Of(e.GetBoolean()),
        ScalarPlanType { Name: "size" or "duration" } when e.ValueKind == JsonValueKind.Number =>
            e.TryGetInt64(out var l) ? PlanValue.Of(l) : PlanValue.Of(e.GetDouble()),
        ScalarPlanType or EnumPlanType => e.ValueKind == JsonValueKind.String ? PlanValue.Of(e.GetString()!) : PlanJsonReader.Value(e),
        ListPlanType l => new ListValue([.. e.EnumerateArray().Select(i => FromJson(i, l.Element))]),
        MapPlanType m => new MapValue([.. e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => new KeyValuePair<string, PlanValue>(p.Name, FromJson(p.Value, m.Value)))]),
        RecordPlanType r => new MapValue([.. r.Fields.Select(f => new KeyValuePair<string, PlanValue>(
            f.Name, e.TryGetProperty(f.Name, out var v) ? FromJson(v, f.Type) : PlanValue.Null))]),
        _ => PlanJsonReader.Value(e),
    };

    /// <summary>JSON for a value (artifacts as their path, environment values read), e.g. a record input or metrics for the registry.</summary>
    public static string ToJson(PlanValue value) => PlanJson.WriteValue(Plain(value));

    /// <summary>The value with run-time leaves made plain: what a step or the registry sees.</summary>
    private static PlanValue Plain(PlanValue value) => value switch
    {
        ArtifactValue a => PlanValue.Of(a.Path),
        EnvValue env => PlanValue.Of(Environment.GetEnvironmentVariable(env.Name) ?? ""),
        ListValue l => new ListValue([.. l.Items.Select(Plain)]),
        MapValue m => new MapValue([.. m.Entries.Select(e => new KeyValuePair<string, PlanValue>(e.Key, Plain(e.Value)))]),
        _ => value,
    };

    /// <summary>
    /// The text a value takes inside a command: scalars as written, artifacts as their path,
    /// lists and records as JSON. Shell-quoted unless it needs no quoting (as the compiler does).
    /// </summary>
    public static string ToShellWord(PlanValue value)
    {
        var text = value switch
        {
            ListValue or MapValue => ToJson(value),
            EnvValue env => Environment.GetEnvironmentVariable(env.Name) ?? "",
            _ => value.ToCommandText(),
        };
        return Quote(text);
    }

    public static string Quote(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "_./:=@%+,-".Contains(c))
            ? text
            : "'" + text.Replace("'", "'\\''") + "'";

    /// <summary>How a value is shown to people and logged as a run parameter.</summary>
    public static string Display(PlanValue value) => value switch
    {
        StringValue s => s.Value,
        ArtifactValue a => a.Digest ?? a.Path,
        ListValue or MapValue => ToJson(value),
        _ => value.ToCommandText(),
    };

    /// <summary>Numeric leaves of a value as (dotted path, number): how record outputs become metrics.</summary>
    public static IEnumerable<KeyValuePair<string, double>> NumericLeaves(PlanValue value, string prefix)
    {
        switch (value)
        {
            case IntValue i:
                yield return new(prefix, i.Value);
                break;
            case FloatValue f when double.IsFinite(f.Value):
                yield return new(prefix, f.Value);
                break;
            case MapValue m:
                foreach (var (key, item) in m.Entries)
                {
                    foreach (var leaf in NumericLeaves(item, prefix.Length == 0 ? key : prefix + "." + key))
                    {
                        yield return leaf;
                    }
                }

                break;
        }
    }

    public static double? AsNumber(PlanValue value) => value switch
    {
        IntValue i => i.Value,
        FloatValue f => f.Value,
        _ => null,
    };

    internal static string Invariant(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    internal static ImmutableArray<PlanValue> Items(PlanValue value, string what) => value switch
    {
        ListValue l => l.Items,
        NullValue => [],
        _ => throw new RuntimeEvaluationException($"{what} should be a list but is {Display(value)}"),
    };
}

/// <summary>An expression could not be evaluated at run time (a type the compiler could not rule out, a division by zero).</summary>
public sealed class RuntimeEvaluationException(string message) : Exception(message);
