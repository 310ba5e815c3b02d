using BackgroundCallbacks.Client.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Client.Tests;

/// <summary>Where requests go: under the app's path base and the endpoints' prefix.</summary>
public sealed class AddressTests : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseCookies = false });

    [Theory]
    [InlineData("reports", "/_callbacks", "/reports/_callbacks/jobs/h.j.default")]
    [InlineData("reports/", "/api/callbacks/", "/reports/api/callbacks/jobs/h.j.default")]
    [InlineData("", "/_callbacks", "/_callbacks/jobs/h.j.default")]
    public async Task Requests_go_under_the_path_base_and_the_prefix(string pathBase, string prefix, string expected)
    {
        await using var stub = await StubServer.StartAsync((context, _) =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"handle":"h.j.default","callbackId":"report","status":"running","version":1}""");
        });
        var client = new BackgroundCallbacksClient(_http, new BackgroundCallbacksClientOptions { BaseAddress = new Uri(stub.Address, pathBase), Prefix = prefix });

        await client.GetJobAsync("h.j.default");

        Assert.Equal($"GET {expected}", Assert.Single(stub.Requests));
    }

    [Fact]
    public void A_relative_base_address_fails_when_the_client_is_resolved()
    {
        var services = new ServiceCollection();
        services.AddBackgroundCallbacksClient(o => o.BaseAddress = new Uri("reports/", UriKind.Relative));
        using var provider = services.BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<BackgroundCallbacksClient>());

        Assert.Contains("BaseAddress must be an absolute URI", failure.Message);
    }

    public void Dispose() => _http.Dispose();
}
