using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLOps.Plan;
using MLOps.Runtime.Values;

namespace MLOps.Runtime.Caching;

/// <summary>
/// A node instance's cache key and the components it hashes. The components are kept (as a JSON
/// object) next to the key, so <c>mlpc explain</c> can say which one changed between two runs:
/// the command, the image, the environment, the resources, the output types, or an input's
/// value or content digest. Retry and timeout are left out: they do not change results.
/// </summary>
public sealed record CacheKey(string Key, IReadOnlyList<KeyValuePair<string, string>> Components)
{
    public string ComponentsJson
    {
        get
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                foreach (var (name, value) in Components)
                {
                    w.WriteString(name, value);
                }

                w.WriteEndObject();
            }

            return Encoding.UTF8.GetString(stream.ToArray());
        }
    }

    public static CacheKey Compute(PlanNode node, IReadOnlyList<KeyValuePair<string, PlanValue>> inputs)
    {
        var components = new List<KeyValuePair<string, string>>
        {
            new("step", node.Step),
            new("command", node.Command),
            new("image", node.Image ?? ""),
            new("env", string.Join("\n", node.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + e.Value))),
            new("resources", Resources(node.Resources)),
            new("outputs", string.Join(", ", node.Outputs.Select(o => o.Name + ": " + TypeText(o.Type)))),
        };
        foreach (var (name, value) in inputs)
        {
            components.Add(new("inputs." + name, InputText(value)));
        }

        var canonical = string.Join("\n", components.Select(c => c.Key + "\u001f" + c.Value));
        var key = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        return new CacheKey(key, components);
    }

    /// <summary>Artifacts by content (their digest), lists and records by the same rule, element by element.</summary>
    private static string InputText(PlanValue value) => value switch
    {
        ArtifactValue a => a.Digest ?? "missing digest: " + a.Path,
        ListValue l => "[" + string.Join(", ", l.Items.Select(InputText)) + "]",
        MapValue m => "{" + string.Join(", ", m.Entries.Select(e => e.Key + ": " + InputText(e.Value))) + "}",
        StringValue s => JsonSerializer.Serialize(s.Value),
        _ => value.ToCommandText(),
    };

    private static string Resources(PlanResources r) =>
        $"cpu={PlanNumbers.Format(r.Cpu)} memory={r.MemoryBytes} gpu={r.Gpu}" + (r.GpuType is null ? "" : " gpu_type=" + r.GpuType);

    private static string TypeText(PlanType type) => type switch
    {
        RecordPlanType r => r.Name + "{" + string.Join(", ", r.Fields.Select(f => f.Name + ": " + TypeText(f.Type))) + "}",
        ListPlanType l => "list<" + TypeText(l.Element) + ">",
        MapPlanType m => "map<" + TypeText(m.Value) + ">",
        OptionalPlanType o => TypeText(o.Inner) + "?",
        _ => type.Display,
    };
}

/// <summary>One component that differs between two cache keys.</summary>
public sealed record CacheKeyChange(string Component, string? Before, string? After);

public static class CacheKeyDiff
{
    /// <summary>The components that differ, in the order of <paramref name="afterJson"/> (then removed ones).</summary>
    public static IReadOnlyList<CacheKeyChange> Compare(string? beforeJson, string? afterJson)
    {
        var before = Parse(beforeJson);
        var after = Parse(afterJson);
        var changes = new List<CacheKeyChange>();
        foreach (var (name, value) in after)
        {
            var old = before.FirstOrDefault(b => b.Key == name);
            if (old.Key is null)
            {
                changes.Add(new CacheKeyChange(name, null, value));
            }
            else if (old.Value != value)
            {
                changes.Add(new CacheKeyChange(name, old.Value, value));
            }
        }

        changes.AddRange(before.Where(b => after.All(a => a.Key != b.Key)).Select(b => new CacheKeyChange(b.Key, b.Value, null)));
        return changes;
    }

    private static List<KeyValuePair<string, string>> Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? ""))];
    }
}
