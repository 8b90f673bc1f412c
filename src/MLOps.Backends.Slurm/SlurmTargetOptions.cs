using System.Globalization;
using MLOps.Plan;

namespace MLOps.Backends.Slurm;

/// <summary>
/// A slurm target's properties, read from the plan. The compiler has checked names and types;
/// what it cannot check (values from the environment, the key file, the URL's reachability) fails
/// here or at the first request, with a message that says what to fix.
/// </summary>
public sealed record SlurmTargetOptions
{
    public const string DefaultTokenVariable = "SLURM_JWT";

    public required string TargetName { get; init; }

    public required Uri Url { get; init; }

    public string? Partition { get; init; }

    public string? Account { get; init; }

    public string? Qos { get; init; }

    /// <summary>Sent as X-SLURM-USER-NAME (default: SLURM_USER_NAME from the environment, else the current user).</summary>
    public required string User { get; init; }

    /// <summary>The environment variable holding a JWT (default SLURM_JWT) when no key file is given.</summary>
    public string? TokenVariable { get; init; }

    /// <summary>The JWT key file (slurm.conf AuthAltParameters=jwt_key=...) mlpc mints tokens from.</summary>
    public string? JwtKeyFile { get; init; }

    public string? WorkDir { get; init; }

    public string? Constraint { get; init; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pins the API version (e.g. v0.0.37) instead of asking the server; for tests.</summary>
    public string? ApiVersion { get; init; }

    /// <summary>Reads the target; <paramref name="environment"/> resolves <c>env("NAME")</c> values and the token variable.</summary>
    public static SlurmTargetOptions FromTarget(PlanTarget target, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (target.Kind != "slurm")
        {
            throw new SlurmConfigurationException($"target '{target.Name}' is a {target.Kind} target, not a slurm target");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        double? poll = null;
        foreach (var (name, value) in target.Properties.IsDefault ? [] : target.Properties)
        {
            switch (value)
            {
                case EnvValue env:
                    var text = environment(env.Name);
                    if (string.IsNullOrEmpty(text))
                    {
                        throw new SlurmConfigurationException($"target '{target.Name}': property '{name}' comes from the environment variable {env.Name}, which is not set");
                    }

                    values[name] = text;
                    break;
                case StringValue s:
                    values[name] = s.Value;
                    break;
                case IntValue i when name == "poll_interval":
                    poll = i.Value;
                    break;
                case FloatValue f when name == "poll_interval":
                    poll = f.Value;
                    break;
                case NullValue:
                    break;
                default:
                    throw new SlurmConfigurationException($"target '{target.Name}': property '{name}' has an unexpected value {value}");
            }
        }

        if (values.TryGetValue("poll_interval", out var pollText))
        {
            poll = double.TryParse(pollText.TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out var p)
                ? p
                : throw new SlurmConfigurationException($"target '{target.Name}': poll_interval '{pollText}' is not a number of seconds");
        }

        if (!values.TryGetValue("url", out var urlText))
        {
            throw new SlurmConfigurationException($"target '{target.Name}' has no 'url': set it to the slurmrestd address, e.g. url = \"http://head:6820\"");
        }

        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new SlurmConfigurationException($"target '{target.Name}': url '{urlText}' is not an http:// or https:// address of slurmrestd");
        }

        if (poll is <= 0)
        {
            throw new SlurmConfigurationException($"target '{target.Name}': poll_interval must be greater than zero");
        }

        if (values.ContainsKey("token_env") && values.ContainsKey("jwt_key_file"))
        {
            throw new SlurmConfigurationException($"target '{target.Name}': give either 'token_env' or 'jwt_key_file', not both");
        }

        var user = values.GetValueOrDefault("user") ?? NonEmpty(environment("SLURM_USER_NAME")) ?? Environment.UserName;
        return new SlurmTargetOptions
        {
            TargetName = target.Name,
            Url = url,
            Partition = values.GetValueOrDefault("partition"),
            Account = values.GetValueOrDefault("account"),
            Qos = values.GetValueOrDefault("qos"),
            User = user,
            TokenVariable = values.ContainsKey("jwt_key_file") ? null : values.GetValueOrDefault("token_env") ?? DefaultTokenVariable,
            JwtKeyFile = values.GetValueOrDefault("jwt_key_file"),
            WorkDir = values.GetValueOrDefault("workdir"),
            Constraint = values.GetValueOrDefault("constraint"),
            PollInterval = TimeSpan.FromSeconds(poll ?? 1),
        };
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}

/// <summary>A slurm target that cannot work as written: the message says what to change.</summary>
public sealed class SlurmConfigurationException(string message) : Exception(message);
