using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace MLOps.Language.Binding;

/// <summary>A property a target kind accepts.</summary>
public sealed record TargetProperty(string Name, MlpType Type, bool Required, string Description);

/// <summary>The execution target kinds and their properties (docs/language.md#targets lists the same).</summary>
public static class TargetKinds
{
    public static readonly ImmutableDictionary<string, ImmutableArray<TargetProperty>> Properties = new Dictionary<string, ImmutableArray<TargetProperty>>
    {
        ["local"] =
        [
            new("workdir", PrimitiveType.Path, false, "folder for runs (default .mlp/runs)"),
            new("max_parallel", PrimitiveType.Int, false, "steps run at once on this target"),
        ],
        ["slurm"] =
        [
            new("url", PrimitiveType.String, true, "slurmrestd base URL, e.g. http://host:6820"),
            new("partition", PrimitiveType.String, false, "partition jobs are submitted to (default: the cluster's default partition)"),
            new("account", PrimitiveType.String, false, "account charged"),
            new("qos", PrimitiveType.String, false, "quality of service"),
            new("user", PrimitiveType.String, false, "user name sent as X-SLURM-USER-NAME (default: SLURM_USER_NAME, else the current user)"),
            new("token_env", PrimitiveType.String, false, "environment variable holding a JWT (default SLURM_JWT)"),
            new("jwt_key_file", PrimitiveType.Path, false, "JWT key file to mint tokens from (AuthAltParameters=jwt_key=...)"),
            new("workdir", PrimitiveType.Path, false, "absolute run folder on the shared filesystem"),
            new("constraint", PrimitiveType.String, false, "node features, e.g. \"a100\""),
            new("poll_interval", PrimitiveType.Duration, false, "how often job states are polled (default 1s)"),
        ],
        ["kubernetes"] =
        [
            new("namespace", PrimitiveType.String, true, "namespace Jobs are created in"),
            new("context", PrimitiveType.String, false, "kubeconfig context"),
            new("kubeconfig", PrimitiveType.Path, false, "kubeconfig file (default: in-cluster or ~/.kube/config)"),
            new("service_account", PrimitiveType.String, false, "service account of the pods"),
            new("image_pull_secret", PrimitiveType.String, false, "secret for pulling images"),
            new("node_selector", new MapType(PrimitiveType.String), false, "labels pods must be scheduled on"),
            new("ttl", PrimitiveType.Duration, false, "how long finished Jobs are kept"),
        ],
        ["ray"] =
        [
            new("address", PrimitiveType.String, true, "Ray dashboard URL, e.g. http://head:8265"),
            new("working_dir", PrimitiveType.Path, false, "working directory shipped with the job"),
            new("pip", new ListType(PrimitiveType.String), false, "pip packages for the job's runtime env"),
            new("metadata", new MapType(PrimitiveType.String), false, "job metadata"),
        ],
    }.ToImmutableDictionary();

    /// <summary>
    /// Checks of property values the schema's types cannot express (literal values only: a value from
    /// <c>env("...")</c> is checked when the run starts). Each problem names the property.
    /// </summary>
    public static IEnumerable<(string Property, string Message)> CheckValues(string kind, IReadOnlyDictionary<string, object?> literals)
    {
        if (kind != "slurm")
        {
            yield break;
        }

        if (literals.TryGetValue("url", out var url) && url is string u && !IsHttpAddress(u))
        {
            yield return ("url", $"'url' must be the http:// or https:// address of slurmrestd, e.g. \"http://head:6820\"; it is \"{u}\".");
        }

        foreach (var name in new[] { "partition", "account", "qos", "user", "constraint", "token_env" })
        {
            if (literals.TryGetValue(name, out var v) && v is string text && text.Trim().Length == 0)
            {
                yield return (name, $"'{name}' must not be empty; leave it out to use the default.");
            }
        }

        if (literals.TryGetValue("token_env", out var env) && env is string e && e.Trim().Length > 0 && !IsEnvironmentName(e))
        {
            yield return ("token_env", $"'token_env' names the environment variable holding the token; \"{e}\" is not a variable name (letters, digits and _).");
        }

        if (literals.TryGetValue("workdir", out var dir) && dir is string d && !d.StartsWith("/", System.StringComparison.Ordinal))
        {
            yield return ("workdir", $"'workdir' must be an absolute path on the filesystem shared with the compute nodes; \"{d}\" is relative.");
        }
    }

    private static bool IsHttpAddress(string u)
    {
        var rest = u.StartsWith("http://", System.StringComparison.Ordinal) ? u.Substring(7) : u.StartsWith("https://", System.StringComparison.Ordinal) ? u.Substring(8) : null;
        return rest is { Length: > 0 } && rest[0] != '/' && rest.IndexOf(' ') < 0;
    }

    private static bool IsEnvironmentName(string name) =>
        name.Length > 0 && (char.IsLetter(name[0]) || name[0] == '_') && name.All(c => (c < 128 && char.IsLetterOrDigit(c)) || c == '_');

    public static IEnumerable<string> Kinds => Properties.Keys.OrderBy(k => k, System.StringComparer.Ordinal);
}
