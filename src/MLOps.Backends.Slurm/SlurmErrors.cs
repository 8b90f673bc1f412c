using System.Net;
using System.Text.Json;
using MLOps.Backends.Slurm.Api;

namespace MLOps.Backends.Slurm;

/// <summary>
/// slurmrestd answers most problems with HTTP 500 and a list of Slurm error numbers (a bad partition
/// is 2000, an unknown job 2017, a refused token breaks the connection to slurmctld: 5005 or -1).
/// This turns them into messages that say what to fix.
/// </summary>
public static class SlurmErrors
{
    public const int InvalidPartition = 2000;
    public const int AccessDenied = 2002;
    public const int TooManyCpus = 2005;
    public const int NodeConfigUnavailable = 2014;
    public const int PartitionConfigUnavailable = 2015;
    public const int InvalidJobId = 2017;
    public const int AlreadyDone = 2021;
    public const int InvalidFeature = 2029;
    public const int InvalidTaskMemory = 2043;
    public const int InvalidAccount = 2044;
    public const int InvalidTimeLimit = 2050;
    public const int InvalidQos = 2066;
    public const int InvalidGres = 2072;
    public const int AuthenticationError = 1007;
    public const int ZeroBytes = 5005;

    /// <summary>The errors of a response body (both the <c>error_number</c> and <c>error_code</c> spellings).</summary>
    public static IReadOnlyList<SlurmError> Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<SlurmErrorsResponse>(body, SlurmJson.Options)?.Errors ?? [];
        }
        catch (JsonException)
        {
            return [new SlurmError { Error = body.Length > 300 ? body[..300] : body }];
        }
    }

    /// <summary>A sentence for a failed request: what Slurm said, then what to change.</summary>
    public static string Describe(string what, HttpStatusCode status, IReadOnlyList<SlurmError> errors, SlurmTargetOptions options, string? detail = null)
    {
        var hint = Hint(status, errors, options, detail);
        var said = errors.Count == 0
            ? $"HTTP {(int)status}"
            : string.Join("; ", errors.Select(e => $"{e.Error ?? e.Description ?? "error"}{(e.Description is { } d && d != e.Error ? " (" + d + ")" : "")} [error {e.Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}]"));
        return $"slurm target '{options.TargetName}' ({options.Url}): {what} failed: {said}." + (hint is null ? "" : " " + hint);
    }

    public static bool Has(IReadOnlyList<SlurmError> errors, int number) => errors.Any(e => e.Number == number);

    private static string? Hint(HttpStatusCode status, IReadOnlyList<SlurmError> errors, SlurmTargetOptions options, string? detail)
    {
        if (status == HttpStatusCode.Unauthorized)
        {
            return $"slurmrestd wants a user name and a JWT: check the target's 'user' ({options.User}) and its token ({TokenOrigin(options)}).";
        }

        if (status == HttpStatusCode.Forbidden)
        {
            return $"the user '{options.User}' may not do this; check the target's 'user'.";
        }

        if (status == HttpStatusCode.NotFound)
        {
            return "the server does not serve this API path; is 'url' the slurmrestd address (not slurmctld's port)?";
        }

        foreach (var e in errors)
        {
            switch (e.Number)
            {
                case InvalidPartition:
                    return options.Partition is { } p
                        ? $"the cluster has no partition '{p}': set the target's 'partition' to one `sinfo -s` lists."
                        : "the cluster has no default partition: set the target's 'partition'.";
                case AccessDenied:
                    return $"the user '{options.User}' may not submit here (partition, account or qos); check 'user', 'partition', 'account' and 'qos'.";
                case TooManyCpus:
                case NodeConfigUnavailable:
                case PartitionConfigUnavailable:
                case InvalidTaskMemory:
                    return $"no node{(options.Partition is { } part ? $" in partition '{part}'" : "")} has what the step asks for{(detail is null ? "" : $" ({detail})")}: lower the step's resources (cpu, memory, gpu, gpu_type) or choose another partition.";
                case InvalidFeature:
                    return $"no node has the features '{options.Constraint}': fix the target's 'constraint'.";
                case InvalidAccount:
                    return $"the account '{options.Account}' does not exist or '{options.User}' may not use it: fix the target's 'account'.";
                case InvalidQos:
                    return $"the qos '{options.Qos}' does not exist or may not be used: fix the target's 'qos'.";
                case InvalidGres:
                    return $"the cluster does not know the requested GPUs{(detail is null ? "" : $" ({detail})")}: fix the step's gpu_type.";
                case InvalidTimeLimit:
                    return "the step's timeout is above the partition's time limit: lower the timeout or choose another partition.";
                case AuthenticationError:
                case ZeroBytes:
                case -1 when e.Source == "slurm_load_ctl_conf" || e.Source == "slurm_load_jobs" || e.Source == "slurm_ping":
                    return $"slurmctld refused the request, which usually means the token is invalid or expired: renew it ({TokenOrigin(options)}) for the user '{options.User}'.";
                case InvalidJobId:
                    return "Slurm no longer knows the job (it ended longer ago than MinJobAge, or was never submitted).";
            }
        }

        return null;
    }

    private static string TokenOrigin(SlurmTargetOptions options) => options.JwtKeyFile is { } key
        ? $"minted from the key file {key}"
        : $"the environment variable {options.TokenVariable ?? SlurmTargetOptions.DefaultTokenVariable}";
}

/// <summary>A request slurmrestd refused; the message says what to fix.</summary>
public sealed class SlurmApiException(string message, HttpStatusCode status, IReadOnlyList<SlurmError> errors) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public IReadOnlyList<SlurmError> Errors { get; } = errors;
}

internal static class SlurmJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowReadingFromString,
        PropertyNameCaseInsensitive = true,
    };
}
