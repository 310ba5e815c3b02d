using System.IO.Compression;
using System.Net;
using System.Reflection;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Tests;

/// <summary>The browser client is served compressed when the browser accepts it, and views get its versioned URL.</summary>
public class ClientScriptDeliveryTests
{
    private static readonly string Version = typeof(BackgroundCallbacksOptions).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    private static Task<TestApp> StartAsync() =>
        TestApp.StartAsync(b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"));

    private static HttpClient RawClient(TestApp app) =>
        new(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = app.Address };

    private static byte[] PlainScript()
    {
        using var stream = typeof(BackgroundCallbacksOptions).Assembly.GetManifestResourceStream("BackgroundCallbacks.Client.client.js")!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string acceptEncoding, string path = "/_callbacks/client.js", HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (acceptEncoding.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        }

        return await http.SendAsync(request);
    }

    private static byte[] Decompress(byte[] body, string encoding)
    {
        using var input = new MemoryStream(body);
        using Stream decompressor = encoding == "br"
            ? new BrotliStream(input, CompressionMode.Decompress)
            : new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        decompressor.CopyTo(output);
        return output.ToArray();
    }

    [Theory]
    [InlineData("gzip, deflate, br, zstd", "br")]
    [InlineData("br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("gzip;q=1, br;q=0.5", "gzip")]
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("*", "br")]
    public async Task The_script_is_served_in_the_accepted_encoding_and_decompresses_to_the_plain_script(string acceptEncoding, string expected)
    {
        await using var app = await StartAsync();
        using var http = RawClient(app);

        using var response = await GetAsync(http, acceptEncoding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([expected], response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.True(body.Length < PlainScript().Length / 2, $"{expected}: {body.Length} bytes for a {PlainScript().Length}-byte script");
        Assert.Equal(PlainScript(), Decompress(body, expected));
    }

    [Theory]
    [InlineData("")]
    [InlineData("identity")]
    [InlineData("deflate, zstd")]
    [InlineData("br;q=0, gzip;q=0")]
    [InlineData("*;q=0")]
    [InlineData(";;;=,,q=")]
    public async Task Without_an_accepted_compression_the_script_is_served_as_is(string acceptEncoding)
    {
        await using var app = await StartAsync();
        using var http = RawClient(app);

        using var response = await GetAsync(http, acceptEncoding);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal(PlainScript(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Each_encoding_has_its_own_ETag_and_revalidates_to_304_with_it()
    {
        await using var app = await StartAsync();
        using var http = RawClient(app);
        var tags = new Dictionary<string, string>();
        foreach (var encoding in new[] { "", "br", "gzip" })
        {
            using var response = await GetAsync(http, encoding);
            tags[encoding] = response.Headers.ETag!.Tag;
        }

        Assert.Equal(3, tags.Values.Distinct().Count());
        foreach (var (encoding, tag) in tags)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/_callbacks/client.js");
            request.Headers.TryAddWithoutValidation("Accept-Encoding", encoding);
            request.Headers.TryAddWithoutValidation("If-None-Match", tag);
            using var revalidated = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
            Assert.Contains("Accept-Encoding", revalidated.Headers.Vary);
            Assert.Empty(await revalidated.Content.ReadAsByteArrayAsync());
        }

        // The identity representation's tag does not stand for the Brotli one: the browser gets the Brotli body.
        var other = new HttpRequestMessage(HttpMethod.Get, "/_callbacks/client.js");
        other.Headers.TryAddWithoutValidation("Accept-Encoding", "br");
        other.Headers.TryAddWithoutValidation("If-None-Match", tags[""]);
        using var changed = await http.SendAsync(other);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(["br"], changed.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task HEAD_of_the_compressed_script_has_its_headers_and_no_body()
    {
        await using var app = await StartAsync();
        using var http = RawClient(app);
        using var get = await GetAsync(http, "br");
        var length = (await get.Content.ReadAsByteArrayAsync()).Length;

        using var head = await GetAsync(http, "br", method: HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(["br"], head.Content.Headers.ContentEncoding);
        Assert.Equal(length, head.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.ETag, head.Headers.ETag);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task The_versioned_compressed_script_is_cached_for_a_year()
    {
        await using var app = await StartAsync();
        using var http = RawClient(app);

        using var response = await GetAsync(http, "gzip", $"/_callbacks/client.js?v={Version}");

        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task The_script_url_has_the_path_base_the_mapped_prefix_and_the_version_and_serves_the_script()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false);
        await using var app = builder.Build();
        app.UsePathBase("/my app");
        app.MapGet("/page", (HttpContext context) => context.GetBackgroundCallbacksScriptUrl());
        app.MapBackgroundCallbacks("/api/callbacks/");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        var url = await http.GetStringAsync("/my%20app/page");

        Assert.Equal($"/my%20app/api/callbacks/client.js?v={Version}", url);
        using var script = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", script.Headers.CacheControl?.ToString());
        await app.StopAsync();
    }

    [Fact]
    public async Task The_script_url_at_the_default_prefix_without_a_path_base()
    {
        await using var app = await StartAsync();
        var context = new DefaultHttpContext { RequestServices = app.Services };

        Assert.Equal($"/_callbacks/client.js?v={Version}", context.GetBackgroundCallbacksScriptUrl());
    }

    [Fact]
    public void The_script_url_before_the_endpoints_are_mapped_says_to_map_them()
    {
        var services = new ServiceCollection();
        services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false);
        using var provider = services.BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = provider };

        var error = Assert.Throws<InvalidOperationException>(() => context.GetBackgroundCallbacksScriptUrl());

        Assert.Contains("MapBackgroundCallbacks", error.Message);
    }
}
