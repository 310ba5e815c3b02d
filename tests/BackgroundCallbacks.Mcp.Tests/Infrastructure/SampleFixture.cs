using System.Collections.Concurrent;
using ModelContextProtocol.Client;

namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

/// <summary>One sample process for the MCP tests; each test connects its own clients, each its own MCP session.</summary>
public class SampleFixture : IAsyncLifetime
{
    private readonly ConcurrentBag<McpClient> _clients = [];

    public SampleServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SampleServer.StartAsync(Environment);

    /// <summary>Settings this fixture's sample runs with, beside the test defaults.</summary>
    protected virtual IReadOnlyDictionary<string, string>? Environment => null;

    /// <summary>A new MCP client over Streamable HTTP: a new session, so a new anonymous owner.</summary>
    public async Task<McpClient> NewClientAsync()
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(Server.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var client = await McpClient.CreateAsync(transport, cancellationToken: timeout.Token);
        _clients.Add(client);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
