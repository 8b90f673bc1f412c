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
            new("partition", PrimitiveType.String, false, "partition jobs are submitted to"),
            new("account", PrimitiveType.String, false, "account charged"),
            new("qos", PrimitiveType.String, false, "quality of service"),
            new("user", PrimitiveType.String, false, "user name sent as X-SLURM-USER-NAME"),
            new("token_env", PrimitiveType.String, false, "environment variable holding a JWT"),
            new("jwt_key_file", PrimitiveType.Path, false, "JWT key file to mint tokens from"),
            new("workdir", PrimitiveType.Path, false, "run folder on the shared filesystem"),
            new("constraint", PrimitiveType.String, false, "node features, e.g. \"a100\""),
            new("poll_interval", PrimitiveType.Duration, false, "how often job states are polled"),
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

    public static IEnumerable<string> Kinds => Properties.Keys.OrderBy(k => k, System.StringComparer.Ordinal);
}
