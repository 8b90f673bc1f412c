using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MLOps.Runtime.Tests.Policies;

/// <summary>A real HTTP listener on 127.0.0.1 that records each request (body and signature header) and answers with a fixed status.</summary>
public sealed class WebhookListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public WebhookListener(int status = 200, TimeSpan? delay = null)
    {
        Port = FreePort();
        Url = $"http://127.0.0.1:{Port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                try
                {
                    using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                    var body = await reader.ReadToEndAsync();
                    Requests.Add((context.Request.HttpMethod, body, context.Request.Headers["X-MLPC-Signature"], context.Request.ContentType));
                    if (delay is { } d)
                    {
                        await Task.Delay(d);
                    }

                    context.Response.StatusCode = status;
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
                {
                    // The client gave up (timeout test) or the listener is stopping.
                }
            }
        });
    }

    public int Port { get; }

    public string Url { get; }

    public System.Collections.Concurrent.ConcurrentBag<(string Method, string Body, string? Signature, string? ContentType)> Requests { get; } = [];

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
