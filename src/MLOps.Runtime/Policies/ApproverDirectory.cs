using System.Text.Json;

namespace MLOps.Runtime.Policies;

/// <summary>
/// Who may approve for which group, from a JSON file: <c>{"groups": {"ml-leads": ["alice", "bob"]}}</c>.
/// Names compare exactly (ordinal). The file is an access list people agree on, not
/// authentication: the approver's name comes from <c>--as</c>, <c>$MLPC_USER</c> or <c>$USER</c>.
/// </summary>
public sealed class ApproverDirectory
{
    public const string FileName = "approvers.json";
    public const string EnvironmentVariable = "MLPC_APPROVERS";

    private readonly Dictionary<string, string[]> _groups;

    public ApproverDirectory(IReadOnlyDictionary<string, string[]> groups, string source)
    {
        _groups = groups.ToDictionary(g => g.Key, g => g.Value, StringComparer.Ordinal);
        Source = source;
    }

    /// <summary>The file the groups came from (for messages).</summary>
    public string Source { get; }

    public IReadOnlyList<string> Members(string group) => _groups.TryGetValue(group, out var members) ? members : [];

    public bool IsMember(string group, string user) => Members(group).Contains(user, StringComparer.Ordinal);

    public static ApproverDirectory Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new PolicyConfigException($"no approvers file at {path}: create it with {{\"groups\": {{\"GROUP\": [\"USER\", ...]}}}}, or pass --approvers FILE");
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            if (!doc.RootElement.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Object)
            {
                throw new PolicyConfigException($"{path}: expected an object {{\"groups\": {{\"GROUP\": [\"USER\", ...]}}}}");
            }

            var map = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var group in groups.EnumerateObject())
            {
                if (group.Value.ValueKind != JsonValueKind.Array || group.Value.EnumerateArray().Any(u => u.ValueKind != JsonValueKind.String))
                {
                    throw new PolicyConfigException($"{path}: group '{group.Name}' must be a list of user names");
                }

                map[group.Name] = [.. group.Value.EnumerateArray().Select(u => u.GetString()!)];
            }

            return new ApproverDirectory(map, path);
        }
        catch (JsonException e)
        {
            throw new PolicyConfigException($"{path} is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The approver's name: the explicit one, else <c>$MLPC_USER</c>, else <c>$USER</c>, else the OS user.</summary>
    public static string Identity(string? explicitName, Func<string, string?> environment) =>
        NonEmpty(explicitName) ?? NonEmpty(environment("MLPC_USER")) ?? NonEmpty(environment("USER")) ?? Environment.UserName;

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary>A policy cannot be run as asked: missing or bad approvers file, unknown policy, a refused approver.</summary>
public class PolicyConfigException(string message) : Exception(message);

/// <summary>The approver is not a member of any group the policy waits for.</summary>
public sealed class ApprovalRefusedException(string message) : PolicyConfigException(message);

/// <summary>The version already passed the policy: there is nothing left to approve.</summary>
public sealed class AlreadyPromotedException(string message) : PolicyConfigException(message);
