using System.Net;
using System.Reflection;
using BackgroundCallbacks.Browser.Tests.Infrastructure;

namespace BackgroundCallbacks.Browser.Tests;

/// <summary>How MapBackgroundCallbacks serves the client: versioned and long-cached, or revalidated.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ClientScriptTests(BrowserFixture browser)
{
    private static readonly string Version = typeof(BackgroundCallbacksOptions).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    [BrowserFact]
    public async Task The_versioned_client_url_is_cached_for_a_year_as_immutable()
    {
        using var http = new HttpClient { BaseAddress = browser.Server.Address };

        using var response = await http.GetAsync($"/_callbacks/client.js?v={Version}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.CacheControl!.Public);
        Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl.MaxAge);
        Assert.Contains("immutable", response.Headers.CacheControl.Extensions.Select(e => e.Name));
        Assert.Contains("window.BackgroundCallbacks", await response.Content.ReadAsStringAsync());
    }

    [BrowserFact]
    public async Task Any_other_client_url_is_revalidated_with_its_etag()
    {
        using var http = new HttpClient { BaseAddress = browser.Server.Address };

        using var plain = await http.GetAsync("/_callbacks/client.js");
        using var stale = await http.GetAsync("/_callbacks/client.js?v=0.0.0-old");
        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "/_callbacks/client.js");
        revalidate.Headers.IfNoneMatch.Add(plain.Headers.ETag!);
        using var notModified = await http.SendAsync(revalidate);

        Assert.True(plain.Headers.CacheControl!.NoCache);
        Assert.True(stale.Headers.CacheControl!.NoCache);
        Assert.NotNull(plain.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [BrowserFact]
    public async Task TypeScript_declarations_are_served_beside_the_client()
    {
        using var http = new HttpClient { BaseAddress = browser.Server.Address };

        var declarations = await http.GetStringAsync($"/_callbacks/client.d.ts?v={Version}");

        Assert.Contains("registerRenderer(property: string", declarations, StringComparison.Ordinal);
        Assert.Contains("BackgroundCallbacks: BackgroundCallbacks.Api", declarations, StringComparison.Ordinal);
    }
}
