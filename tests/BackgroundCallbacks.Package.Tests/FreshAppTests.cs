using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using BackgroundCallbacks.Package.Tests.Infrastructure;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Package.Tests;

/// <summary>
/// A fresh <c>dotnet new web</c> app that references the packed packages runs a callback declared with attributes, as
/// docs/protocol.md describes: invoke, follow the job, get the progress and the result.
/// </summary>
[Collection(PackagesCollection.Name)]
public class FreshAppTests(Packages packages)
{
    private const string Callbacks = """

        public static class Work
        {
            [BackgroundCallback("count", Interval = 100)]
            [Output("result", "children")]
            [Input("run", "n_clicks")]
            [Progress("bar", "value")]
            [Progress("bar", "max")]
            public static async Task<string> Count(int? clicks, IProgress<object?[]> progress, CancellationToken cancellationToken)
            {
                for (var i = 1; i <= 3; i++)
                {
                    await Task.Yield();
                    cancellationToken.ThrowIfCancellationRequested();
                    progress.Report([i, 3]);
                }

                return $"counted {clicks} clicks";
            }
        }
        """;

    private static string Program(string backend) => $$""""
        using BackgroundCallbacks;

        var builder = WebApplication.CreateBuilder(args);
        var callbacks = builder.Services.AddBackgroundCallbacks();
        {{backend}}
        var app = builder.Build();
        app.MapBackgroundCallbacks();
        app.MapGet("/", (HttpContext context) => Results.Content(
            $"""<button id="run">Run</button><progress id="bar"></progress><p id="result"></p><script src="{context.GetBackgroundCallbacksScriptUrl()}" defer></script>""",
            "text/html"));
        app.Run();
        """" + Callbacks;

    [Fact]
    public async Task A_fresh_web_app_runs_an_attribute_callback_with_progress_from_the_packed_core_package()
    {
        await using var app = await FreshApp.CreateAsync(packages, ["BackgroundCallbacks"], Program(backend: ""));
        await app.StartAsync();
        using var http = Client(app);

        await AssertPageLoadsTheCompressedClientAsync(http);
        await AssertCallbackRunsAsync(http, app);
    }

    [Fact]
    public async Task A_fresh_web_app_runs_the_callback_on_a_real_Redis_from_the_packed_Redis_package()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = await FreshApp.CreateAsync(packages, ["BackgroundCallbacks", "BackgroundCallbacks.Redis"],
            Program(backend: """callbacks.UseRedis(builder.Configuration.GetConnectionString("redis"));"""));
        await app.StartAsync(new Dictionary<string, string> { ["ConnectionStrings__redis"] = redis.ConnectionString });
        using var http = Client(app);

        await AssertCallbackRunsAsync(http, app);

        Assert.True(await KeyCountAsync(redis.Port) > 0, "the job left nothing in Redis: the app did not run on it");
    }

    [Fact]
    public async Task The_core_packages_readme_example_builds_against_the_package()
    {
        string readme;
        using (var package = ZipFile.OpenRead(packages.PathOf("BackgroundCallbacks")))
        using (var reader = new StreamReader(package.GetEntry("README.md")!.Open()))
        {
            readme = reader.ReadToEnd();
        }

        var example = Regex.Match(readme, @"```csharp\r?\n(?<code>.*?)```", RegexOptions.Singleline);
        Assert.True(example.Success, "the readme has no C# example");

        // CreateAsync builds the app, and fails with the compiler's output when it does not build.
        await using var app = await FreshApp.CreateAsync(packages, ["BackgroundCallbacks"], example.Groups["code"].Value);
    }

    private static HttpClient Client(FreshApp app) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = app.Address,
            Timeout = TimeSpan.FromSeconds(60),
        };

    private static async Task AssertPageLoadsTheCompressedClientAsync(HttpClient http)
    {
        var page = await http.GetStringAsync("/");
        var scriptUrl = $"/_callbacks/client.js?v={Packages.Version}";
        Assert.Contains($"src=\"{scriptUrl}\"", page);

        var request = new HttpRequestMessage(HttpMethod.Get, scriptUrl);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "br");
        using var script = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(["br"], script.Content.Headers.ContentEncoding);
    }

    private static async Task AssertCallbackRunsAsync(HttpClient http, FreshApp app)
    {
        var body = """{"inputs": [{"id": "run", "property": "n_clicks", "value": 2}], "triggered": ["run.n_clicks"], "page": "fresh-app-test"}""";
        using var invoked = await http.PostAsync("/_callbacks/callbacks/count", new StringContent(body, Encoding.UTF8, "application/json"));
        var accepted = JsonNode.Parse(await invoked.Content.ReadAsStringAsync())!;
        Assert.True(invoked.StatusCode == HttpStatusCode.Accepted, $"{(int)invoked.StatusCode} {accepted.ToJsonString()}\n{app.Output}");
        var location = invoked.Headers.Location!.OriginalString;
        var version = accepted["version"]!.GetValue<long>();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonNode state;
        while (true)
        {
            state = JsonNode.Parse(await http.GetStringAsync($"{location}?after={version}&wait=20000"))!;
            version = state["version"]!.GetValue<long>();
            if (state["status"]!.GetValue<string>() is "succeeded" or "failed" or "canceled")
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the job did not end within a minute: {state.ToJsonString()}\n{app.Output}");
        }

        Assert.True(state["status"]!.GetValue<string>() == "succeeded", $"{state.ToJsonString()}\n{app.Output}");
        var output = Assert.Single(state["outputs"]!.AsArray());
        Assert.Equal("result", output!["id"]!.GetValue<string>());
        Assert.Equal("counted 2 clicks", output["value"]!.GetValue<string>());

        // The last progress report is kept with the result: a poll from version 0 gets it.
        var first = JsonNode.Parse(await http.GetStringAsync($"{location}?after=0"))!;
        var progress = first["progress"]!.AsArray().Select(p => (p!["property"]!.GetValue<string>(), p["value"]!.GetValue<int>()));
        Assert.Equal([("value", 3), ("max", 3)], progress);
    }

    /// <summary>DBSIZE over the Redis protocol: the number of keys in the server's database.</summary>
    private static async Task<long> KeyCountAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("DBSIZE\r\n"u8.ToArray());
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer);
        var reply = Encoding.ASCII.GetString(buffer, 0, read);
        Assert.StartsWith(":", reply);
        return long.Parse(reply[1..].Trim());
    }
}
