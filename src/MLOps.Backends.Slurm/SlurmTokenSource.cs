using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MLOps.Backends.Slurm;

/// <summary>
/// Where the JWT sent as X-SLURM-USER-TOKEN comes from: an environment variable (read once), or
/// minted from the cluster's JWT key file (HS256 over claims <c>sun</c>, <c>iat</c>, <c>exp</c>, as
/// <c>scontrol token</c> does) and minted again before it expires.
/// </summary>
public abstract class SlurmTokenSource
{
    public abstract string GetToken();

    public static SlurmTokenSource For(SlurmTargetOptions options, Func<string, string?> environment)
    {
        if (options.JwtKeyFile is { } keyFile)
        {
            byte[] key;
            try
            {
                key = File.ReadAllBytes(keyFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SlurmConfigurationException($"target '{options.TargetName}': cannot read the JWT key file {keyFile} ({e.Message}); it is the file named by AuthAltParameters=jwt_key= in slurm.conf");
            }

            if (key.Length == 0)
            {
                throw new SlurmConfigurationException($"target '{options.TargetName}': the JWT key file {keyFile} is empty");
            }

            return new Minted(key, options.User, TimeSpan.FromHours(1));
        }

        var variable = options.TokenVariable ?? SlurmTargetOptions.DefaultTokenVariable;
        var token = environment(variable);
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new SlurmConfigurationException($"target '{options.TargetName}': no Slurm token: set the environment variable {variable} (e.g. `export {variable}=$(scontrol token lifespan=86400 | cut -d= -f2)`) or give the target a jwt_key_file");
        }

        return new Fixed(token.Trim().StartsWith("SLURM_JWT=", StringComparison.Ordinal) ? token.Trim()["SLURM_JWT=".Length..] : token.Trim());
    }

    /// <summary>An HS256 JWT as slurmctld's auth/jwt accepts it.</summary>
    public static string Mint(byte[] key, string user, DateTimeOffset now, TimeSpan lifetime)
    {
        var header = Base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8.ToArray());
        var claims = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["exp"] = (now + lifetime).ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["sun"] = user,
        }));
        var signature = Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + claims)));
        return header + "." + claims + "." + signature;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class Fixed(string token) : SlurmTokenSource
    {
        public override string GetToken() => token;
    }

    private sealed class Minted(byte[] key, string user, TimeSpan lifetime) : SlurmTokenSource
    {
        private readonly Lock gate = new();
        private string? token;
        private DateTimeOffset renewAt;

        public override string GetToken()
        {
            lock (gate)
            {
                var now = DateTimeOffset.UtcNow;
                if (token is null || now >= renewAt)
                {
                    token = Mint(key, user, now, lifetime);
                    renewAt = now + (lifetime / 2);
                }

                return token;
            }
        }
    }
}
