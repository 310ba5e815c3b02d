using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>
/// Server-side outputs as resource links: a tool result links to the value with a preview and never inlines it, and
/// resources/read returns the value to its owner alone (to anyone for a shared callback's value).
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class ResourceTests(SampleFixture sample)
{
    private const string Words = "words.data";

    [Fact]
    public async Task A_server_side_output_is_a_resource_link_with_a_preview_and_its_value_is_not_in_the_result()
    {
        await using var app = await WordsAppAsync();
        var client = await app.App.NewClientAsync();

        var result = await client.CallToolAsync("words", new Dictionary<string, object?> { ["count"] = 5000 });

        var link = Assert.Single(result.Content.OfType<ResourceLinkBlock>());
        Assert.Equal(Words, link.Name);
        Assert.StartsWith("bcref:", link.Uri, StringComparison.Ordinal);
        Assert.Equal("application/json", link.MimeType);
        var structured = result.StructuredContent!.Value.GetProperty(Words);
        Assert.Equal(link.Uri, structured.GetProperty("uri").GetString());
        var preview = structured.GetProperty("preview").GetString()!;
        Assert.InRange(preview.Length, 100, 200);
        Assert.Equal(JsonSerializer.Serialize(app.Produced())[..(preview.Length - 1)] + "…", preview);
        Assert.Contains(preview, Reports.Text(result), StringComparison.Ordinal);
        Assert.DoesNotContain("word-04999", result.StructuredContent!.Value.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("word-04999", Reports.Text(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_the_link_in_the_same_session_returns_the_whole_value_as_JSON()
    {
        await using var app = await WordsAppAsync();
        var client = await app.App.NewClientAsync();
        var uri = LinkOf(await client.CallToolAsync("words", new Dictionary<string, object?> { ["count"] = 5000 })).Uri;

        var read = await client.ReadResourceAsync(uri);

        var contents = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        Assert.Equal("application/json", contents.MimeType);
        Assert.Equal(uri, contents.Uri);
        Assert.Equal(app.Produced(), JsonSerializer.Deserialize<string[]>(contents.Text));
    }

    [Fact]
    public async Task Another_session_reading_the_link_gets_the_same_not_found_as_an_unknown_uri()
    {
        await using var app = await WordsAppAsync();
        var owner = await app.App.NewClientAsync();
        var other = await app.App.NewClientAsync();
        var uri = LinkOf(await owner.CallToolAsync("words", new Dictionary<string, object?> { ["count"] = 10 })).Uri;

        var foreign = await Assert.ThrowsAsync<McpProtocolException>(() => other.ReadResourceAsync(uri).AsTask());
        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => other.ReadResourceAsync(Unknown(uri)).AsTask());

        Assert.Equal(McpErrorCode.ResourceNotFound, foreign.ErrorCode);
        Assert.Equal(unknown.Message, foreign.Message);
        Assert.DoesNotContain("word-", foreign.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_or_malformed_uri_gets_not_found()
    {
        await using var app = await WordsAppAsync();
        var client = await app.App.NewClientAsync();
        var uri = LinkOf(await client.CallToolAsync("words", new Dictionary<string, object?> { ["count"] = 10 })).Uri;

        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(Unknown(uri)).AsTask());
        var malformed = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync("bcref:default:not-an-id").AsTask());

        Assert.Equal(McpErrorCode.ResourceNotFound, unknown.ErrorCode);
        Assert.Equal(McpErrorCode.ResourceNotFound, malformed.ErrorCode);
    }

    [Fact]
    public async Task A_shared_results_callbacks_value_is_readable_by_another_session()
    {
        await using var app = await WordsAppAsync(shared: true);
        var first = await app.App.NewClientAsync();
        var second = await app.App.NewClientAsync();
        var uri = LinkOf(await first.CallToolAsync("words", new Dictionary<string, object?> { ["count"] = 300 })).Uri;

        var read = await second.ReadResourceAsync(uri);

        Assert.Equal(app.Produced(), JsonSerializer.Deserialize<string[]>(Assert.IsType<TextResourceContents>(Assert.Single(read.Contents)).Text));
    }

    [Fact]
    public async Task A_value_over_MaxResourceSize_gets_an_error_naming_its_size_and_the_limit()
    {
        await using var app = await WordsAppAsync(maxResourceSize: 1000);
        var client = await app.App.NewClientAsync();
        var uri = LinkOf(await client.CallToolAsync("words", new Dictionary<string, object?> { ["count"] = 200 })).Uri;

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(uri).AsTask());

        var size = JsonSerializer.SerializeToUtf8Bytes(app.Produced()).Length;
        Assert.Contains($"{size} bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("1000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_array_of_numbers_is_linked_with_its_length_and_size_and_read_as_its_bytes()
    {
        double[]? produced = null;
        await using var app = await InProcessApp.StartAsync(
            b => b.MapBackgroundCallback("numbers", (int count) => produced = Enumerable.Range(0, count).Select(i => Math.Sqrt(i)).ToArray())
                .ServerSideOutput("numbers", "data").Input("count", "value"),
            o => o.Callbacks.Add("numbers"));
        var client = await app.NewClientAsync();

        var result = await client.CallToolAsync("numbers", new Dictionary<string, object?> { ["count"] = 1000 });
        var link = LinkOf(result);
        var read = await client.ReadResourceAsync(link.Uri);

        Assert.Equal("float64[1000]", result.StructuredContent!.Value.GetProperty("numbers.data").GetProperty("preview").GetString());
        Assert.Equal(8000, link.Size);
        Assert.Equal("application/octet-stream", link.MimeType);
        var blob = Assert.IsType<BlobResourceContents>(Assert.Single(read.Contents));
        Assert.Equal(produced, MemoryMarshal.Cast<byte, double>(blob.DecodedData.Span).ToArray());
        Assert.Equal("float64", blob.Meta?["backgroundcallbacks"]?["elementType"]?.GetValue<string>());
    }

    [Fact]
    public async Task The_samples_server_side_tool_describes_its_outputs_as_links()
    {
        var client = await sample.NewClientAsync();

        var tool = Assert.Single(await client.ListToolsAsync(), t => t.Name == "server-side-data");

        var link = JsonNode.Parse("""
            {"type":"object","description":"A value kept on the server: resources/read of uri returns it whole, to its owner only.",
             "properties":{"uri":{"type":"string","format":"uri"},"mimeType":{"type":"string"},"preview":{"type":"string","maxLength":200},"size":{"type":"integer","minimum":0}},
             "required":["uri","preview"]}
            """);
        var expected = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["ss-data.data"] = link!.DeepClone(), ["ss-data-summary.data"] = link.DeepClone() } };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(tool.ProtocolTool.OutputSchema!.Value.GetRawText())), tool.ProtocolTool.OutputSchema!.Value.GetRawText());
    }

    [Fact]
    public async Task The_samples_server_side_tool_links_its_numbers_and_summary_readable_by_the_caller()
    {
        var client = await sample.NewClientAsync();

        var result = await client.CallToolAsync("server-side-data", new Dictionary<string, object?> { ["size"] = 1000 });
        var links = result.Content.OfType<ResourceLinkBlock>().ToDictionary(l => l.Name);
        var numbers = Assert.IsType<BlobResourceContents>(Assert.Single((await client.ReadResourceAsync(links["ss-data.data"].Uri)).Contents));
        var summary = Assert.IsType<TextResourceContents>(Assert.Single((await client.ReadResourceAsync(links["ss-data-summary.data"].Uri)).Contents));

        Assert.False(result.IsError ?? false, Reports.Text(result));
        Assert.Equal(8000, numbers.DecodedData.Length);
        var mean = MemoryMarshal.Cast<byte, double>(numbers.DecodedData.Span).ToArray().Average();
        var stored = JsonNode.Parse(summary.Text)!;
        Assert.Equal(1000, stored["count"]!.GetValue<double>());
        Assert.Equal(mean, stored["mean"]!.GetValue<double>(), 12);
        Assert.StartsWith("{", result.StructuredContent!.Value.GetProperty("ss-data-summary.data").GetProperty("preview").GetString(), StringComparison.Ordinal);
    }

    private static ResourceLinkBlock LinkOf(CallToolResult result)
    {
        Assert.False(result.IsError ?? false, Reports.Text(result));
        return Assert.Single(result.Content.OfType<ResourceLinkBlock>());
    }

    /// <summary>A well-formed reference in the same store that names no value.</summary>
    private static string Unknown(string uri) =>
        uri[..(uri.LastIndexOf(':') + 1)] + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static async Task<WordsApp> WordsAppAsync(bool shared = false, long? maxResourceSize = null)
    {
        var app = new WordsApp();
        app.App = await InProcessApp.StartAsync(
            b => b.MapBackgroundCallback("words", (int count) => app.Produce(count))
                .ServerSideOutput("words", "data").Input("count", "value")
                .Configure(a => a.SharedResults = shared),
            o =>
            {
                o.Callbacks.Add("words");
                if (maxResourceSize is { } size)
                {
                    o.MaxResourceSize = size;
                }
            });
        return app;
    }

    /// <summary>A test app whose one tool returns words as a server-side output, remembering what it produced.</summary>
    private sealed class WordsApp : IAsyncDisposable
    {
        private string[]? _produced;

        public InProcessApp App { get; set; } = null!;

        public string[] Produce(int count) =>
            _produced = Enumerable.Range(0, count).Select(i => "word-" + i.ToString("D5", CultureInfo.InvariantCulture)).ToArray();

        public string[] Produced() => _produced ?? throw new InvalidOperationException("The handler has not run.");

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
