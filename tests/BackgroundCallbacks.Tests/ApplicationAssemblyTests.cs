using System.Reflection;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Integration tests host the app with <c>WebApplicationFactory&lt;Program&gt;</c>, where the entry assembly is the
/// test runner: the app's attribute callbacks and its version must still be found, through the application name.
/// </summary>
public sealed class ApplicationAssemblyTests : IClassFixture<WebApplicationFactory<Program>>
{
    private readonly WebApplicationFactory<Program> _factory;

    public ApplicationAssemblyTests(WebApplicationFactory<Program> factory) => _factory = factory;

    [Fact]
    public async Task Under_WebApplicationFactory_the_apps_attribute_callbacks_are_registered_and_run()
    {
        using var http = _factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true });
        using var client = new CallbackClient(http);

        var map = await http.GetStringAsync("/_callbacks/dependencies");
        var (answer, body) = await client.InvokeAsync("basic", [CallbackClient.Value("basic-run", "n_clicks", 1)], triggered: ["basic-run.n_clicks"]);

        Assert.Contains("\"id\":\"basic\"", map, StringComparison.Ordinal);
        Assert.Contains("\"id\":\"progress\"", map, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal("succeeded", (await client.WaitForEndAsync(body["handle"].Str()!)).Status());
    }

    [Fact]
    public async Task Under_WebApplicationFactory_the_app_version_provider_reads_the_apps_version_not_the_test_runners()
    {
        var provider = _factory.Services.GetRequiredKeyedService<ICacheByProvider>(BuiltInCacheBy.AppVersion);
        var application = typeof(Program).Assembly;
        var expected = application.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        var version = await provider.GetValueAsync(new DefaultHttpContext(), default);

        Assert.NotEqual(Assembly.GetEntryAssembly(), application);
        Assert.NotNull(expected);
        Assert.Equal(expected, version);
    }
}
