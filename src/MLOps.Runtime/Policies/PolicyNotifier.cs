using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace MLOps.Runtime.Policies;

/// <summary>Sends a policy's <c>notify</c> webhook.</summary>
public interface IPolicyNotifier
{
    /// <summary>POSTs <paramref name="body"/>; signed when a key is given. Throws <see cref="PolicyNotifyException"/> on failure.</summary>
    Task SendAsync(Uri url, string body, byte[]? key, CancellationToken cancellationToken);
}

public sealed class PolicyNotifyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// POSTs JSON with <c>X-MLPC-Signature: sha256=HEX</c>, the HMAC-SHA256 of the exact body bytes
/// under the key, so a receiver can check that the body came from someone holding the secret
/// (the same scheme GitHub webhooks use). A slow or failing receiver fails the action after the
/// timeout; the promotion itself is not undone by a failed notification.
/// </summary>
public sealed class HmacWebhookNotifier : IPolicyNotifier, IDisposable
{
    public const string SignatureHeader = "X-MLPC-Signature";

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    public HmacWebhookNotifier(TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        _timeout = timeout ?? TimeSpan.FromSeconds(10);
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = Timeout.InfiniteTimeSpan;
    }

    public static string Sign(byte[] key, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(body)));

    public async Task SendAsync(Uri url, string body, byte[]? key, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.UserAgent.ParseAdd("mlpc-policy/1");
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, Sign(key, body));
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new PolicyNotifyException($"notify {url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PolicyNotifyException($"notify {url} timed out after {_timeout.TotalSeconds:0.#}s", e);
        }
        catch (HttpRequestException e)
        {
            throw new PolicyNotifyException($"notify {url} failed: {e.Message}", e);
        }
    }

    public void Dispose() => _http.Dispose();
}
