using System.Net;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Declarations;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public sealed class ServerSideOutputTests
{
    public sealed record DataSet(string Name, int[] Rows);

    private static object[] Clicks(int n) => [CallbackClient.Value("build", "n_clicks", n)];

    private static object[] Rows(JsonNode? reference) => [CallbackClient.Value("rows", "data", reference?.DeepClone())];

    /// <summary>build → rows.data (server-side) → summary.</summary>
    private static void Pipeline(BackgroundCallbacksBuilder b, Action<int>? built = null, string? store = null, bool shared = false, bool cached = false)
    {
        var build = b.MapBackgroundCallback("build", (int? clicks) =>
            {
                built?.Invoke(clicks ?? 0);
                return new DataSet("numbers", Enumerable.Range(1, 100_000).ToArray());
            })
            .ServerSideOutput("rows", "data", store).Input("build", "n_clicks");
        build.Configure(c =>
        {
            c.SharedResults = shared;
            if (cached)
            {
                c.CacheBy = [];
            }
        });
        b.MapBackgroundCallback("summary", (DataSet? data) => data is null ? "no data" : $"{data.Name}: {data.Rows.Length} rows, sum {data.Rows.Sum(r => (long)r)}")
            .Output("summary", "children").Input("rows", "data");
    }

    private static async Task<JsonNode> BuildAsync(CallbackClient client, int clicks = 1)
    {
        var (response, body) = await client.InvokeAsync("build", Clicks(clicks));
        var done = response.StatusCode == HttpStatusCode.OK ? body : await client.WaitForEndAsync(body["handle"].Str()!);
        Assert.Equal("succeeded", done.Status());
        return CallbackClient.Output(done, "rows", "data")!;
    }

    private static async Task<string> SummaryAsync(CallbackClient client, JsonNode? reference)
    {
        var handle = await client.StartAsync("summary", Rows(reference));
        var done = await client.WaitForEndAsync(handle);
        Assert.True(done.Status() == "succeeded", done.ToJsonString());
        return CallbackClient.Output(done, "summary", "children").Str()!;
    }

    [Fact]
    public async Task A_server_side_output_sends_a_small_reference_and_the_next_callback_gets_the_typed_value()
    {
        await using var app = await TestApp.StartAsync(b => Pipeline(b));
        using var client = app.NewClient();

        var handle = await client.StartAsync("build", Clicks(1));
        var done = await client.WaitForEndAsync(handle);
        var raw = await (await client.Http.GetAsync($"{CallbackClient.Prefix}/jobs/{handle}")).Content.ReadAsStringAsync();
        var reference = CallbackClient.Output(done, "rows", "data");

        Assert.StartsWith("bcref:default:", reference.Str());
        Assert.True(raw.Length < 1024, $"The finished job is {raw.Length} bytes: {raw}");
        Assert.Equal("numbers: 100000 rows, sum 5000050000", await SummaryAsync(client, reference));
    }

    [Fact]
    public async Task Before_anything_made_the_value_the_handler_gets_null()
    {
        await using var app = await TestApp.StartAsync(b => Pipeline(b));
        using var client = app.NewClient();

        Assert.Equal("no data", await SummaryAsync(client, null));
    }

    [Fact]
    public async Task A_forged_reference_is_refused_at_once_with_422_naming_the_component()
    {
        await using var app = await TestApp.StartAsync(b => Pipeline(b));
        using var client = app.NewClient();

        var (response, body) = await client.InvokeAsync("summary", Rows(JsonValue.Create("bcref:default:AAAAAAAAAAAAAAAAAAAAAA")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("rows.data", body["component"].Str());
        Assert.Equal("not-found", body["reason"].Str());
        Assert.Contains("rows.data", body["detail"].Str());
    }

    [Theory]
    [InlineData("\"not a reference\"")]
    [InlineData("\"bcref:nostore:AAAAAAAAAAAAAAAAAAAAAA\"")]
    [InlineData("42")]
    [InlineData("{\"$type\":\"System.IO.FileInfo\"}")]
    public async Task Anything_but_a_reference_of_this_app_is_a_4xx_and_never_reaches_a_worker(string value)
    {
        var summaries = 0;
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("summary", (DataSet? data) => { Interlocked.Increment(ref summaries); return "ran"; })
                .Output("summary", "children").Input("rows", "data");
            b.MapBackgroundCallback("build", (int? clicks) => "x").ServerSideOutput("rows", "data").Input("build", "n_clicks");
        });
        using var client = app.NewClient();

        var (response, body) = await client.InvokeAsync("summary", Rows(JsonNode.Parse(value)));

        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{(int)response.StatusCode}: {body.ToJsonString()}");
        Assert.Equal(0, Volatile.Read(ref summaries));
    }

    [Fact]
    public async Task Another_sessions_reference_is_told_apart_from_nothing_only_as_not_found()
    {
        await using var app = await TestApp.StartAsync(b => Pipeline(b));
        using var alice = app.NewClient();
        using var mallory = app.NewClient();
        var reference = await BuildAsync(alice);

        var (response, body) = await mallory.InvokeAsync("summary", Rows(reference));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("not-found", body["reason"].Str());
        Assert.Equal("numbers: 100000 rows, sum 5000050000", await SummaryAsync(alice, reference));
    }

    [Fact]
    public async Task Shared_results_make_their_values_readable_by_every_caller()
    {
        await using var app = await TestApp.StartAsync(b => Pipeline(b, shared: true));
        using var alice = app.NewClient();
        using var bob = app.NewClient();
        var reference = await BuildAsync(alice);

        Assert.Equal("numbers: 100000 rows, sum 5000050000", await SummaryAsync(bob, reference));
    }

    [Fact]
    public async Task An_expired_value_is_410_for_its_owner_and_422_for_anyone_else()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var expiry = TimeSpan.FromMinutes(5);
        await using var app = await TestApp.StartAsync(b =>
        {
            b.AddValueStore("short", _ => new MemoryValueStore("short", new MemoryValueStoreOptions { Expiry = expiry }, time));
            Pipeline(b, store: "short");
        });
        using var owner = app.NewClient();
        using var other = app.NewClient();
        var reference = await BuildAsync(owner);
        Assert.StartsWith("bcref:short:", reference.Str());

        time.Advance(expiry + TimeSpan.FromSeconds(1));
        var (response, body) = await owner.InvokeAsync("summary", Rows(reference));
        var (foreign, foreignBody) = await other.InvokeAsync("summary", Rows(reference));

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("expired", body["reason"].Str());
        Assert.Equal("rows.data", body["component"].Str());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, foreign.StatusCode);
        Assert.Equal("not-found", foreignBody["reason"].Str());
    }

    [Fact]
    public async Task Identical_invocations_reuse_the_stored_value_and_get_the_same_reference_so_the_next_callback_hits_its_cache()
    {
        var builds = 0;
        var summaries = 0;
        await using var app = await TestApp.StartAsync(b =>
        {
            Pipeline(b, built: _ => Interlocked.Increment(ref builds), cached: true);
            b.MapBackgroundCallback("count", (DataSet? data) => { Interlocked.Increment(ref summaries); return $"{data?.Rows.Length}"; })
                .Output("count", "children").Input("rows", "data").Configure(c => c.CacheBy = []);
        });
        using var client = app.NewClient();

        var first = await BuildAsync(client);
        var second = await BuildAsync(client);
        var handle = await client.StartAsync("count", Rows(first));
        await client.WaitForEndAsync(handle);
        var (again, body) = await client.InvokeAsync("count", Rows(second));

        Assert.Equal(first.Str(), second.Str());
        Assert.Equal(1, Volatile.Read(ref builds));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("100000", CallbackClient.Output(body, "count", "children").Str());
        Assert.Equal(1, Volatile.Read(ref summaries));
    }

    [Fact]
    public async Task A_cached_result_whose_value_has_gone_is_a_miss_not_a_dangling_reference()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var builds = 0;
        await using var app = await TestApp.StartAsync(b =>
        {
            b.AddValueStore("short", _ => new MemoryValueStore("short", new MemoryValueStoreOptions { Expiry = TimeSpan.FromMinutes(5) }, time));
            Pipeline(b, built: _ => Interlocked.Increment(ref builds), store: "short", cached: true);
        });
        using var client = app.NewClient();
        var first = await BuildAsync(client);

        time.Advance(TimeSpan.FromMinutes(6));
        var (response, _) = await client.InvokeAsync("build", Clicks(1));
        var second = await BuildAsync(client);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.NotEqual(first.Str(), second.Str());
        Assert.Equal("numbers: 100000 rows, sum 5000050000", await SummaryAsync(client, second));
    }

    [Fact]
    public async Task A_value_is_read_as_the_handlers_declared_type_whatever_the_stored_json_says()
    {
        // The producer returns a subtype with an extra member; the reader declares the base shape and gets exactly it.
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("build", (int? clicks) => new Dictionary<string, object> { ["$type"] = "System.IO.FileInfo", ["name"] = "x", ["rows"] = new[] { 1, 2 } })
                .ServerSideOutput("rows", "data").Input("build", "n_clicks");
            b.MapBackgroundCallback("summary", (DataSet? data) => $"{data?.GetType().Name} {data?.Name} {data?.Rows.Length}")
                .Output("summary", "children").Input("rows", "data");
        });
        using var client = app.NewClient();

        Assert.Equal("DataSet x 2", await SummaryAsync(client, await BuildAsync(client)));
    }

    [Fact]
    public async Task Each_output_goes_to_the_store_it_names()
    {
        var directory = Directory.CreateTempSubdirectory("bc-values-").FullName;
        try
        {
            await using var app = await TestApp.StartAsync(b =>
            {
                b.AddFileSystemValueStore("disk", o => o.Directory = directory);
                b.AddMemoryValueStore("small");
                b.MapBackgroundCallback("build", (int? clicks) => (Enumerable.Range(0, 50_000).ToArray(), "label"))
                    .ServerSideOutput("big", "data", "disk").ServerSideOutput("label", "data", "small").Input("build", "n_clicks");
                b.MapBackgroundCallback("summary", (int[]? big, string? label) => $"{label} {big?.Length}")
                    .Output("summary", "children").Input("big", "data").Input("label", "data");
            });
            using var client = app.NewClient();
            var done = await client.WaitForEndAsync(await client.StartAsync("build", Clicks(1)));
            var big = CallbackClient.Output(done, "big", "data");
            var label = CallbackClient.Output(done, "label", "data");

            Assert.StartsWith("bcref:disk:", big.Str());
            Assert.StartsWith("bcref:small:", label.Str());
            Assert.NotEmpty(Directory.GetFiles(directory, "*.value"));
            var summary = await client.WaitForEndAsync(await client.StartAsync("summary",
                [CallbackClient.Value("big", "data", big!.DeepClone()), CallbackClient.Value("label", "data", label!.DeepClone())]));
            Assert.Equal("label 50000", CallbackClient.Output(summary, "summary", "children").Str());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Rows_of_a_pattern_keep_their_own_values_and_an_ALL_input_reads_them_all()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("row", (int? clicks, CallbackContext context) => Enumerable.Repeat(context.Match["index"].GetInt32(), 3).ToArray())
                .ServerSideOutput("""{"type":"store","index":"MATCH"}""", "data").Input("""{"type":"run","index":"MATCH"}""", "n_clicks");
            b.MapBackgroundCallback("total", (IReadOnlyList<int[]?> rows) => $"{rows.Sum(r => r?.Sum() ?? 0)}")
                .Output("total", "children").Input("""{"type":"store","index":"ALL"}""", "data");
        });
        using var client = app.NewClient();
        var references = new List<JsonNode>();
        foreach (var index in new[] { 1, 2 })
        {
            var done = await client.WaitForEndAsync(await client.StartAsync("row", [new { id = new { type = "run", index }, property = "n_clicks", value = 1 }]));
            var output = done["outputs"]!.AsArray().Single()!;
            Assert.Equal(index, output["id"]!["index"]!.GetValue<int>());
            references.Add(output["value"]!);
        }

        var total = await client.WaitForEndAsync(await client.StartAsync("total",
            [new { id = new { type = "store", index = "ALL" }, property = "data", value = new JsonArray(references.Select(r => r.DeepClone()).ToArray()) }]));

        Assert.Equal("9", CallbackClient.Output(total, "total", "children").Str());
    }

    private static async Task<string> StartupErrorAsync(Action<BackgroundCallbacksBuilder> callbacks)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(callbacks)).DisposeAsync());
        return error.Message;
    }

    [Fact]
    public async Task A_store_that_is_not_registered_stops_the_app_at_startup()
    {
        var message = await StartupErrorAsync(b => b.MapBackgroundCallback("build", (int? n) => n)
            .ServerSideOutput("rows", "data", "disk").Input("build", "n_clicks"));
        Assert.Contains("the output rows.data goes to the store 'disk', which is not registered", message);
    }

    [Fact]
    public void A_store_on_an_output_that_is_not_server_side_is_a_startup_problem()
    {
        var handler = (int? n) => n;
        var declaration = new CallbackDeclaration(new BackgroundCallbackAttribute("build"), handler.Method, handler.Target) { IsDelegate = true };
        declaration.Dependencies.Add(new OutputAttribute("rows", "data") { Store = "disk" });
        declaration.Dependencies.Add(new InputAttribute("build", "n_clicks"));
        var problems = new List<string>();

        CallbackCompiler.Compile(declaration, "default", System.Text.Json.JsonSerializerOptions.Web, [], problems);

        Assert.Contains(problems, p => p.Contains("names the store 'disk' but is not server-side; set ServerSide = true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_property_that_is_a_server_side_output_of_one_callback_and_a_plain_output_of_another_stops_the_app()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("a", (int? n) => n).ServerSideOutput("""{"type":"store","index":"MATCH"}""", "data").Input("""{"type":"run","index":"MATCH"}""", "n_clicks");
            b.MapBackgroundCallback("b", (int? n) => n).Output("""{"type":"store","index":3}""", "data").Input("go", "n_clicks");
        });
        Assert.Contains("is a server-side output of another callback", message);
    }

    [Fact]
    public async Task The_dependencies_document_marks_server_side_outputs_and_the_arguments_that_take_references()
    {
        await using var app = await TestApp.StartAsync(b => Pipeline(b));
        using var client = app.NewClient();

        var map = JsonNode.Parse(await client.Http.GetStringAsync($"{CallbackClient.Prefix}/dependencies"))!["callbacks"]!.AsArray();
        var build = map.Single(c => c!["id"].Str() == "build")!;
        var summary = map.Single(c => c!["id"].Str() == "summary")!;

        Assert.True(build["outputs"]![0]!["serverSide"]!.GetValue<bool>());
        Assert.True(summary["inputs"]![0]!["serverSide"]!.GetValue<bool>());
        Assert.Null(summary["outputs"]![0]!["serverSide"]);
    }
}
