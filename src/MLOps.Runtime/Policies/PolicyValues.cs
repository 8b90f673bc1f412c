using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using MLOps.Plan;

namespace MLOps.Runtime.Policies;

/// <summary>
/// A rule could not be judged: a value it reads is missing (an unset alias, a metric the version
/// does not have) or the operands do not fit the operator. The rule fails with this message.
/// </summary>
public sealed class PolicyValueException(string message) : Exception(message);

/// <summary>Values in policy expressions are plan values: conversions from registry JSON and how they are shown.</summary>
public static class PolicyValues
{
    /// <summary>A JSON value as a plan value; integral numbers written without a point or exponent stay ints.</summary>
    public static PlanValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => PlanValue.Of(e.GetString()!),
        JsonValueKind.True => PlanValue.Of(true),
        JsonValueKind.False => PlanValue.Of(false),
        JsonValueKind.Number when e.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0 && e.TryGetInt64(out var l) => PlanValue.Of(l),
        JsonValueKind.Number => PlanValue.Of(e.GetDouble()),
        JsonValueKind.Array => new ListValue([.. e.EnumerateArray().Select(FromJson)]),
        JsonValueKind.Object => new MapValue([.. e.EnumerateObject().Select(p => new KeyValuePair<string, PlanValue>(p.Name, FromJson(p.Value)))]),
        _ => PlanValue.Null,
    };

    public static MapValue FromJsonObject(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromJson(doc.RootElement) as MapValue ?? new MapValue([]);
    }

    public static MapValue FromTags(IReadOnlyDictionary<string, string> tags) =>
        new([.. tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new KeyValuePair<string, PlanValue>(t.Key, PlanValue.Of(t.Value)))]);

    /// <summary>How a value is shown in verdicts: numbers in round-trip form (what was really compared), strings quoted.</summary>
    public static string Format(PlanValue value) => value switch
    {
        NullValue => "null",
        BoolValue b => b.Value ? "true" : "false",
        IntValue i => i.Value.ToString(CultureInfo.InvariantCulture),
        FloatValue f => f.Value.ToString("R", CultureInfo.InvariantCulture),
        StringValue s => JsonSerializer.Serialize(s.Value),
        ListValue l => "[" + string.Join(", ", l.Items.Select(Format)) + "]",
        MapValue m => "{" + string.Join(", ", m.Entries.Select(e => e.Key + ": " + Format(e.Value))) + "}",
        EnvValue env => "env(" + env.Name + ")",
        _ => value.ToString(),
    };

    public static string KindName(PlanValue value) => value switch
    {
        NullValue => "null",
        BoolValue => "bool",
        IntValue => "int",
        FloatValue => "float",
        StringValue => "string",
        ListValue => "list",
        MapValue => "record",
        _ => "value",
    };

    public static ImmutableArray<string> Keys(MapValue map) => [.. map.Entries.Select(e => e.Key)];
}
