using System.Collections.Concurrent;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using ModelContextProtocol.Client;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The MCP door across processes: web processes A and B (no workers) with a call time of one second, so a call whose
/// job the test holds answers with a handle; web process C with a call time of a minute, for calls that must end with
/// their result; two worker processes; one Redis. Every web process signs in a request carrying X-Test-User.
/// </summary>
public sealed class McpClusterFixture : IAsyncLifetime
{
    public const string UserHeader = "X-Test-User";

    private readonly ConcurrentBag<McpClient> _clients = [];
    private ConnectionMultiplexer? _inspector;

    public Cluster Cluster { get; private set; } = null!;

    public HostProcess WebA { get; private set; } = null!;

    public HostProcess WebB { get; private set; } = null!;

    public HostProcess WebC { get; private set; } = null!;

    public IReadOnlyList<HostProcess> Workers => Cluster.Workers;

    /// <summary>The test's own connection to the cluster's Redis, where it opens the steps callback's gates.</summary>
    public IDatabase Db => _inspector!.GetDatabase();

    public async Task InitializeAsync()
    {
        Cluster = await Cluster.StartAsync(webs: 0, workers: 0);
        // Started together: each process spends most of its start-up in the runtime.
        var a = Cluster.StartWebAsync("--TestHost:Mcp=true", "--TestHost:McpCallTimeout=00:00:01");
        var b = Cluster.StartWebAsync("--TestHost:Mcp=true", "--TestHost:McpCallTimeout=00:00:01");
        var c = Cluster.StartWebAsync("--TestHost:Mcp=true", "--TestHost:McpCallTimeout=00:01:00");
        var workers = new[] { Cluster.StartWorkerAsync("--TestHost:DebugLog=true"), Cluster.StartWorkerAsync("--TestHost:DebugLog=true") };
        await Task.WhenAll([a, b, c, .. workers]);
        (WebA, WebB, WebC) = (a.Result, b.Result, c.Result);
        _inspector = await ConnectionMultiplexer.ConnectAsync(Cluster.Redis.ConnectionString);
    }

    /// <summary>A new MCP session on <paramref name="web"/>, signed in as <paramref name="user"/> when one is named.</summary>
    public async Task<McpClient> NewClientAsync(HostProcess web, string? user = null)
    {
        var options = new HttpClientTransportOptions { Endpoint = new Uri(web.Address!, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp };
        if (user is not null)
        {
            options.AdditionalHeaders = new Dictionary<string, string> { [UserHeader] = user };
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var client = await McpClient.CreateAsync(new HttpClientTransport(options), cancellationToken: timeout.Token);
        _clients.Add(client);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
        }

        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
