using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Hundreds of generated malformed and hostile requests over every route and method, from a fixed seed: none may get a
/// 5xx, every 4xx must be problem details, and the app must still serve a normal invocation afterwards.
/// </summary>
public class RequestSweepTests
{
    private const int Seed = 20_261_123;
    private const string Cookie = ".BackgroundCallbacks.Session";
    private const int MaxBody = 64 * 1024;

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND", "FOO"];

    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", "", "text/plain", "application/problem+json", "application/json;;;",
        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "*/*",
        "application/json; charset=\"utf-8", "%%%", "application/json ; a=b ; c=\"d;e\"",
    ];

    private static readonly string[] Queries =
    [
        "", "?after=0", "?after=-1", "?after=abc", "?after=1.5", "?after=99999999999999999999", "?after=1&after=2", "?wait=100",
        "?wait=-5", "?wait=1e9", "?after=0&wait=99999999", "?after=%00", "?after=%201", "?after=0x10", "?after=7&wait=3000",
        "?after=9223372036854775807&wait=9223372036854775807", "?v=0.1.0", "?v=" + new string('9', 2000), "?%ZZ=1", "?after",
    ];

    [Fact]
    public async Task Hundreds_of_malformed_requests_get_no_5xx_only_problem_details_and_the_app_still_works()
    {
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value");
                b.MapBackgroundCallback("typed", (int? number, string? text) => $"{number}:{text}")
                    .Output("typed-out", "children").Input("number", "value").State("text", "value");
                b.MapBackgroundCallback("row", (int? clicks) => clicks)
                    .Output("""{"type":"row-out","index":"MATCH"}""", "children").Input("""{"type":"row","index":"MATCH"}""", "n_clicks");
                b.MapBackgroundCallback("total", (int?[] values) => values.Sum(v => v ?? 0))
                    .Output("total", "children").Input("""{"type":"cell","index":"ALL"}""", "value");
                b.MapBackgroundCallback("any", (JsonElement value) => value.ValueKind.ToString()).Output("any-out", "children").Input("any", "value");
            },
            o =>
            {
                o.MaxRequestBodySize = MaxBody;
                o.MaxArgumentSize = 8 * 1024;
                // Polls answer at once: the sweep is about answers, not waits.
                o.MaxLongPollWait = TimeSpan.Zero;
            });
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var other = app.NewClient();
        var othersHandle = await other.StartAsync("echo", [CallbackClient.Value("in", "value", 1)]);
        using var first = await http.GetAsync("/_callbacks/dependencies");
        var session = first.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var ownHandle = await StartAsync(http, session);

        var random = new Random(Seed);
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        var paths = Paths(ownHandle, othersHandle);
        var sent = 0;
        var previous = "nothing";

        // Every path with every method, then invocations with generated bodies, then polls and cancels of every kind.
        foreach (var path in paths)
        {
            foreach (var method in Methods)
            {
                await SendAsync(method, path);
            }
        }

        for (var i = 0; i < 300; i++)
        {
            await SendAsync(random.Next(4) == 0 ? Methods[random.Next(Methods.Length)] : "POST", "/_callbacks/callbacks/" + Pick(["echo", "typed", "row", "total", "any", "nope"]));
        }

        for (var i = 0; i < 150; i++)
        {
            await SendAsync(Pick(["GET", "HEAD", "DELETE", "GET"]), "/_callbacks/jobs/" + Pick([ownHandle, othersHandle, ownHandle[..^1], "x", ownHandle + ".x"]) + Pick(Queries));
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests broke the contract:\n" + string.Join("\n", failures.Take(40)));
        Assert.True(sent >= 600, $"only {sent} requests were sent");
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 5, "the sweep reached too few kinds of errors: " + string.Join(", ", statuses.Keys));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Error && e.Exception is not null && e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));

        // The app still serves an ordinary client from start to end.
        using var client = app.NewClient();
        var handle = await client.StartAsync("echo", [CallbackClient.Value("in", "value", 41)]);
        var done = await client.WaitForEndAsync(handle);
        Assert.Equal("succeeded", done.Status());
        Assert.Equal(41, CallbackClient.Output(done, "out", "children")!.GetValue<int>());

        async Task SendAsync(string method, string path)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is not ("GET" or "HEAD") && random.Next(5) != 0)
            {
                var (contentType, body) = Body(random, path);
                request.Content = new ByteArrayContent(body);
                if (random.Next(6) == 0)
                {
                    request.Headers.TransferEncodingChunked = true;
                }

                request.Content.Headers.Remove("Content-Type");
                if (contentType.Length > 0)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
            }

            AddHostileHeaders(request, random, session);
            var length = request.Content is null ? 0 : (await request.Content.ReadAsByteArrayAsync()).Length;
            var what = $"{method} {Shorten(path)} [{request.Content?.Headers.ContentType}] {length} bytes";
            sent++;
            var before = previous;
            previous = what;
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request);
            }
            catch (HttpRequestException) when (length > MaxBody)
            {
                // The server answers 413 and closes without reading the rest (SizeLimitTests shows the answer comes
                // first); a client still sending may see the connection close before it reads that answer.
                return;
            }
            catch (HttpRequestException e)
            {
                failures.Add($"{what}: no answer ({e.Message}), after {before}");
                return;
            }

            using (response)
            {
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var bytes = await response.Content.ReadAsByteArrayAsync();
                if (status >= 500)
                {
                    failures.Add($"{what}: {status}");
                }
                else if (status >= 400)
                {
                    var mediaType = response.Content.Headers.ContentType?.MediaType;
                    if (mediaType != "application/problem+json")
                    {
                        failures.Add($"{what}: {status} as '{mediaType}'");
                    }
                    else if (method != "HEAD" && !IsProblem(bytes, status))
                    {
                        failures.Add($"{what}: {status} with body {Shorten(Encoding.UTF8.GetString(bytes))}");
                    }

                    if (status == 405 && response.Content.Headers.Allow.Count == 0)
                    {
                        failures.Add($"{what}: 405 without Allow");
                    }
                }
            }
        }

        string Pick(string[] items) => items[random.Next(items.Length)];
    }

    private static async Task<string> StartAsync(HttpClient http, string session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_callbacks/callbacks/echo")
        {
            Content = new StringContent("""{"inputs":[{"id":"in","property":"value","value":1}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", session);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await CallbackClient.BodyAsync(response))["handle"].Str()!;
    }

    // No NUL in a path: Kestrel refuses it with its own 400 before any app code runs.
    private static string[] Paths(string ownHandle, string othersHandle) =>
    [
        "/_callbacks/dependencies", "/_callbacks/dependencies/", "/_callbacks/dependencies/extra", "/_callbacks/client.js",
        "/_callbacks/client.js?v=0.1.0", "/_callbacks/client.d.ts", "/_callbacks/client.css", "/_callbacks", "/_callbacks/",
        "/_callbacks/jobs", "/_callbacks/jobs/", "/_callbacks/callbacks", "/_callbacks/callbacks/", "/_callbacks/x/y/z",
        "/_callbacks/callbacks/echo", "/_callbacks/callbacks/nope", "/_callbacks/callbacks/echo/extra",
        "/_callbacks/callbacks/a%2Fb", "/_callbacks/callbacks/" + new string('e', 4000), "/_callbacks/callbacks/ECHO",
        "/_callbacks/callbacks/%C3%A9%F0%9F%98%80", "/_callbacks/callbacks/%FF%FE",
        "/_callbacks/jobs/" + ownHandle, "/_callbacks/jobs/" + ownHandle + "?after=0&wait=10", "/_callbacks/jobs/" + othersHandle,
        "/_callbacks/jobs/" + ownHandle[..^7] + "nosuchmanager", "/_callbacks/jobs/" + ownHandle.Replace('.', '-'),
        "/_callbacks/jobs/" + new string('A', 22) + "." + new string('B', 22) + ".default", "/_callbacks/jobs/x",
        "/_callbacks/jobs/" + new string('h', 3000), "/_callbacks/jobs/a/b/c", "/_callbacks/jobs/%2e%2e",
    ];

    private static (string ContentType, byte[] Body) Body(Random random, string path)
    {
        var contentType = random.Next(3) == 0 ? ContentTypes[random.Next(ContentTypes.Length)] : "application/json";
        string In(object? value) => $$"""{"inputs":[{"id":"in","property":"value","value":{{JsonSerializer.Serialize(value)}}}]}""";
        string Raw(string value) => $$"""{"inputs":[{"id":"in","property":"value","value":{{value}}}]}""";
        string Nested(int depth) => Raw(new string('[', depth) + new string(']', depth));
        string Big(int bytes) => In(new string('x', bytes));
        var bodies = new Func<string>[]
        {
            () => In(random.Next()),
            () => In(null),
            () => In("7"),
            () => In(1.5),
            () => Raw("1e400"),
            () => Raw("-0"),
            () => Raw("NaN"),
            () => In(new { nested = true }),
            () => "",
            () => "{",
            () => "null",
            () => "[]",
            () => "\"inputs\"",
            () => "{\"inputs\":",
            () => In(1) + " trailing",
            () => In(1) + "}",
            () => "\uFEFF" + In(1),
            () => Raw("1,\"value\":2"),
            () => """{"inputs":[{"id":"in","property":"value","value":1}],"inputs":[{"id":"in","property":"value","value":99}]}""",
            () => """{"inputs":[{"id":"in","property":"value","value":{"a":1,"a":2}}]}""",
            () => """{"inputs":[{"id":"in","property":"other","value":1}]}""",
            () => """{"inputs":[{"id":{"type":"in"},"property":"value","value":1}]}""",
            () => """{"inputs":[{"id":"in","property":"value","value":1},{"id":"in","property":"value","value":1}]}""",
            () => """{"inputs":{"id":"in"}}""",
            () => """{"inputs":[1,2,3]}""",
            () => """{"inputs":[{"id":"in","property":"value","value":1}],"triggered":["nope.x", 5, null, {}]}""",
            () => """{"inputs":[{"id":"in","property":"value","value":1}],"triggered":"in.value"}""",
            () => """{"inputs":[{"id":"in","property":"value","value":1}],"triggered":[""" + string.Join(",", Enumerable.Repeat("\"in.value\"", 2000)) + "]}",
            () => In(1)[..^1] + ",\"page\":\"" + Pick(random, ["", "ok", new string('p', 65), "../x", "p p", "\u00e9"]) + "\"}",
            () => """{"inputs":[{"id":"in","property":"value","value":1}],"page":7}""",
            () => """{"inputs":[{"id":"in","property":"value","value":1}],"state":[{"id":"x","property":"y","value":2}]}""",
            () => """{"inputs":[{"id":{"type":"row","index":3},"property":"n_clicks","value":1}],"triggered":["{\"type\":\"row\",\"index\":4}.n_clicks"]}""",
            () => """{"inputs":[{"id":{"type":"row","index":{"x":1}},"property":"n_clicks","value":1}]}""",
            () => """{"inputs":[{"id":{"type":"cell","index":"ALL"},"property":"value","value":[1,2],"ids":[{"type":"cell","index":1}]}]}""",
            () => """{"inputs":[{"id":{"type":"cell","index":"ALL"},"property":"value","value":[1,2],"ids":"all"}]}""",
            () => """{"inputs":[{"id":{"type":"cell","index":"ALL"},"property":"value","value":3}]}""",
            () => """{"inputs":[{"id":"number","property":"value","value":"7"}],"state":[{"id":"text","property":"value","value":7}]}""",
            () => """{"inputs":[{"id":"number","property":"value","value":7}],"state":[{"id":"text","property":"value","value":"t"}]}""",
            () => """{"$type":"System.IO.FileInfo","inputs":[{"id":"any","property":"value","value":{"$type":"System.Diagnostics.Process"}}]}""",
            () => Nested(random.Next(60, 70)),
            () => Nested(random.Next(1_000, 20_000)),
            () => Raw(string.Concat(Enumerable.Repeat("{\"a\":", 5_000)) + "1" + new string('}', 5_000)),
            () => Big(random.Next(7_000, 9_000)),
            () => Big(random.Next(64 * 1024, 200 * 1024)),
            () => Big(1024 * 1024),
        };
        var text = bodies[random.Next(bodies.Length)]();
        var bytes = Encoding.UTF8.GetBytes(text);
        if (random.Next(12) == 0)
        {
            // Bytes that are not UTF-8 at all, somewhere in the body.
            bytes = [.. bytes.Take(bytes.Length / 2), 0xFF, 0xFE, 0xC0, 0x80, .. bytes.Skip(bytes.Length / 2)];
        }
        else if (random.Next(20) == 0)
        {
            bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
        }

        return (contentType, bytes);
    }

    private static void AddHostileHeaders(HttpRequestMessage request, Random random, string session)
    {
        string[] cookies =
        [
            session, session, "", $"{Cookie}=", $"{Cookie}=../../etc", $"{Cookie}={new string('s', 4000)}", $"{Cookie}=%00%ZZ",
            $"a=b; a=c; {Cookie}=x; {Cookie}=y", $"{Cookie}=QaChosenSessionId00000", "=; ;;; =x", session + "; " + session,
        ];
        var cookie = cookies[random.Next(cookies.Length)];
        if (cookie.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        switch (random.Next(8))
        {
            case 0:
                request.Headers.TryAddWithoutValidation("X-Pad", new string('p', 16 * 1024));
                break;
            case 1:
                for (var i = 0; i < 60; i++)
                {
                    request.Headers.TryAddWithoutValidation($"X-Many-{i}", "v" + i);
                }

                break;
            case 2:
                request.Headers.TryAddWithoutValidation("Accept", "application/xml;q=1, */*;q=0, %%%");
                break;
            case 3:
                request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
                request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
                break;
            case 4:
                request.Headers.TryAddWithoutValidation("If-None-Match", "\"" + new string('e', 1000) + "\", *, garbage");
                break;
        }
    }

    private static bool IsProblem(byte[] body, int status)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("status", out var value) && value.TryGetInt32(out var number) && number == status
                && document.RootElement.TryGetProperty("title", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Pick(Random random, string[] items) => items[random.Next(items.Length)];

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..100] + $"…({text.Length} chars)";
}
