using System.Collections.Immutable;
using MLOps.Backends.Slurm;
using MLOps.Plan;

namespace MLOps.Backends.Slurm.Tests;

/// <summary>
/// The local Slurm that scripts/slurm/start.sh starts: found through the file it writes
/// (MLPC_SLURM_ENV, default /var/lib/mlpc-slurm/slurm.env) or SLURMRESTD_URL and SLURM_JWT in the
/// environment. When it is not there, tests skip with the reason; in CI (CI=true) or with
/// MLPC_REQUIRE_SLURM=1 they fail instead, so nothing is skipped there.
/// </summary>
public static class SlurmService
{
    private static readonly Lazy<(IReadOnlyDictionary<string, string> Env, string? Problem)> State = new(Probe);

    public static IReadOnlyDictionary<string, string> Env => State.Value.Env;

    public static string Url => Env["SLURMRESTD_URL"];

    public static string? JwtKeyFile => Env.GetValueOrDefault("SLURM_JWT_KEY_FILE");

    public static string Partition => Env.GetValueOrDefault("MLPC_SLURM_PARTITION") ?? "debug";

    public static bool Required => Environment.GetEnvironmentVariable("CI") is "true" or "1" || Environment.GetEnvironmentVariable("MLPC_REQUIRE_SLURM") == "1";

    /// <summary>Skips (or, where Slurm is required, fails) the calling test when Slurm is not running.</summary>
    public static void Require()
    {
        if (State.Value.Problem is { } problem)
        {
            Assert.False(Required, "Slurm is required here (CI or MLPC_REQUIRE_SLURM=1) but " + problem);
            Skip.If(true, problem + " (start it with scripts/slurm/start.sh)");
        }
    }

    public static string? Lookup(string name) => Env.TryGetValue(name, out var v) ? v : Environment.GetEnvironmentVariable(name);

    public static PlanTarget Target(params (string Name, PlanValue Value)[] extra)
    {
        var props = new Dictionary<string, PlanValue>(StringComparer.Ordinal)
        {
            ["url"] = new EnvValue("SLURMRESTD_URL"),
            ["partition"] = PlanValue.Of(Partition),
            ["user"] = PlanValue.Of(Env.GetValueOrDefault("SLURM_USER_NAME") ?? "root"),
            ["token_env"] = PlanValue.Of("SLURM_JWT"),
            ["poll_interval"] = PlanValue.Of(0.2),
        };
        foreach (var (name, value) in extra)
        {
            if (value is NullValue)
            {
                props.Remove(name);
            }
            else
            {
                props[name] = value;
            }
        }

        return new PlanTarget("cluster", "slurm", [.. props.OrderBy(p => p.Key, StringComparer.Ordinal)]);
    }

    public static async Task<SlurmExecutor> ExecutorAsync(params (string Name, PlanValue Value)[] extra)
    {
        Require();
        return await SlurmExecutor.CreateAsync(Target(extra), Lookup);
    }

    private static (IReadOnlyDictionary<string, string>, string?) Probe()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Environment.GetEnvironmentVariable("MLPC_SLURM_ENV") ?? "/var/lib/mlpc-slurm/slurm.env";
        if (File.Exists(file))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                var text = line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line;
                var eq = text.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    env[text[..eq]] = text[(eq + 1)..];
                }
            }
        }

        foreach (var name in new[] { "SLURMRESTD_URL", "SLURM_JWT", "SLURM_USER_NAME", "SLURM_JWT_KEY_FILE" })
        {
            if (!env.ContainsKey(name) && Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                env[name] = value;
            }
        }

        if (!env.ContainsKey("SLURMRESTD_URL") || !env.ContainsKey("SLURM_JWT"))
        {
            return (env, $"Slurm is not running here: no {file} and no SLURMRESTD_URL/SLURM_JWT in the environment");
        }

        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var request = new HttpRequestMessage(HttpMethod.Get, env["SLURMRESTD_URL"].TrimEnd('/') + "/slurm/v0.0.38/ping");
            request.Headers.Add("X-SLURM-USER-NAME", env.GetValueOrDefault("SLURM_USER_NAME") ?? "root");
            request.Headers.Add("X-SLURM-USER-TOKEN", env["SLURM_JWT"]);
            using var response = http.Send(request);
            return response.IsSuccessStatusCode
                ? (env, null)
                : (env, $"slurmrestd at {env["SLURMRESTD_URL"]} answers ping with HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (env, $"slurmrestd at {env["SLURMRESTD_URL"]} does not answer ({e.Message})");
        }
    }
}
