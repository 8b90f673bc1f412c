using System.Collections;

namespace MLOps.Runtime.Execution;

/// <summary>
/// This process's environment as it was when captured, kept as the NAME=VALUE strings a child
/// gets. An executor captures it once: rebuilding it from <see cref="Environment.GetEnvironmentVariables()"/>
/// for every spawn allocated about 20 KiB per step (176 → 157 KiB in the scheduling benchmark).
/// </summary>
public sealed class InheritedEnvironment
{
    private readonly (string Name, string Entry)[] entries;

    private InheritedEnvironment((string Name, string Entry)[] entries) => this.entries = entries;

    public static InheritedEnvironment Capture()
    {
        var entries = new List<(string, string)>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            entries.Add((name, name + "=" + ((string?)entry.Value ?? "")));
        }

        return new InheritedEnvironment([.. entries]);
    }

    /// <summary>The captured variables with <paramref name="overrides"/> applied (a later override of a name wins), as NAME=VALUE strings.</summary>
    public List<string> With(IEnumerable<KeyValuePair<string, string>> overrides)
    {
        var changed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in overrides)
        {
            changed[name] = value;
        }

        var result = new List<string>(entries.Length + changed.Count);
        foreach (var (name, entry) in entries)
        {
            if (!changed.ContainsKey(name))
            {
                result.Add(entry);
            }
        }

        foreach (var (name, value) in changed)
        {
            result.Add(name + "=" + value);
        }

        return result;
    }
}
