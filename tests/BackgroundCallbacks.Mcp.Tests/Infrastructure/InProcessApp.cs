using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;

namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

/// <summary>
/// A small app of the test's own callbacks with MCP mapped, on Kestrel at 127.0.0.1 and a free port. A request's
/// <c>X-Test-User</c> header signs it in as that user, so tests can call as users as well as anonymously.
/// </summary>
public sealed class InProcessApp : IAsyncDisposable
{
    public const string UserHeader = "X-Test-User";

    private readonly WebApplication _app;
    private readonly List<McpClient> _clients = [];

    private InProcessApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<InProcessApp> StartAsync(Action<BackgroundCallbacksBuilder> callbacks, Action<McpCallbacksOptions>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddAuthentication(HeaderAuthentication.Name)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthentication>(HeaderAuthentication.Name, null);
        builder.Services.AddAuthorization();
        var callbacksBuilder = builder.Services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false);
        callbacks(callbacksBuilder);
        callbacksBuilder.AddMcp(o => configure?.Invoke(o));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapBackgroundCallbacks();
        app.MapBackgroundCallbacksMcp("/mcp");
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new InProcessApp(app, address);
    }

    /// <summary>A new MCP session, signed in as <paramref name="user"/> when one is named.</summary>
    public async Task<McpClient> NewClientAsync(string? user = null)
    {
        var options = new HttpClientTransportOptions { Endpoint = new Uri(Address, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp };
        if (user is not null)
        {
            options.AdditionalHeaders = new Dictionary<string, string> { [UserHeader] = user };
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var client = await McpClient.CreateAsync(new HttpClientTransport(options), cancellationToken: timeout.Token);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class HeaderAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Name = "test-header";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(UserHeader, out var user) || string.IsNullOrEmpty(user))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user!)], Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Name)));
        }
    }
}
