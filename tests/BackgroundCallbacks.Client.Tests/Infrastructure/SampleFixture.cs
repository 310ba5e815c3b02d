using System.Collections.Concurrent;
using BackgroundCallbacks.Client;

namespace BackgroundCallbacks.Client.Tests.Infrastructure;

/// <summary>One sample process for the client's tests and the raw conformance tests; each test makes its own clients (sessions).</summary>
public sealed class SampleFixture : IAsyncLifetime
{
    private readonly ConcurrentBag<HttpClient> _clients = [];

    public SampleServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SampleServer.StartAsync();

    /// <summary>A new client: a new session, as a new browser would be.</summary>
    public BackgroundCallbacksClient NewClient(Action<BackgroundCallbacksClientOptions>? configure = null)
    {
        var options = new BackgroundCallbacksClientOptions { BaseAddress = Server.Address };
        configure?.Invoke(options);
        return new BackgroundCallbacksClient(NewHttpClient(useCookies: false), options);
    }

    /// <summary>A plain HTTP client with its own cookie jar, for the raw protocol tests.</summary>
    public HttpClient NewHttpClient(bool useCookies = true)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseCookies = useCookies }) { BaseAddress = Server.Address, Timeout = TimeSpan.FromSeconds(60) };
        _clients.Add(http);
        return http;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
