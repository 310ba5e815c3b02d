using System.Net;
using System.Text;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

/// <summary>A hit writes the stored outputs' bytes as they are: its body must be exactly the document protocol.md shows.</summary>
public class CacheHitBodyTests
{
    private static object In(object? value) => new { inputs = new[] { CallbackClient.Value("in", "value", value) }, state = Array.Empty<object>(), triggered = Array.Empty<string>() };

    [Fact]
    public async Task A_cache_hit_answers_the_stored_outputs_byte_for_byte_inside_the_hit_document()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("echo", (string? text) => $"{text} é \"quoted\" 😀 \u2028")
            .Output("out", "children").Input("in", "value")
            .Configure(c => { c.Inline = true; c.CacheBy = []; }));
        using var client = app.NewClient();

        // The first answer is an inline run's: its outputs are the JSON the cache stored.
        var first = await (await client.InvokeRawAsync("echo", In("<b>&"))).Content.ReadAsByteArrayAsync();
        var hit = await client.InvokeRawAsync("echo", In("<b>&"));
        var body = await hit.Content.ReadAsByteArrayAsync();

        var firstText = Encoding.UTF8.GetString(first);
        var outputs = firstText[(firstText.IndexOf("\"outputs\":", StringComparison.Ordinal) + "\"outputs\":".Length)..^1];
        Assert.StartsWith("[", outputs, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(
            Encoding.UTF8.GetBytes("""{"callbackId":"echo","status":"succeeded","cached":true,"outputs":""" + outputs + "}"),
            body);
        Assert.Equal(body.Length, hit.Content.Headers.ContentLength);
        Assert.Equal("application/json; charset=utf-8", hit.Content.Headers.ContentType!.ToString());
    }
}
