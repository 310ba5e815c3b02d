using System.Net;
using System.Reflection;
using System.Text.Json;
using BackgroundCallbacks.Declarations;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public class TriggerTests
{
    private static object Clicks(int n) => CallbackClient.Value("btn", "n_clicks", n);

    private static object Text(string value) => CallbackClient.Value("in", "value", value);

    private static async Task<string> ResultAsync(CallbackClient client, string handle)
    {
        var done = await client.WaitForEndAsync(handle);
        Assert.Equal("succeeded", done.Status());
        return CallbackClient.Output(done, "out", "children").Str()!;
    }

    [Fact]
    public async Task A_trigger_fires_the_callback_and_counts_as_triggered()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("query", (string? value, CallbackContext context) => $"{value} by {string.Join(",", context.TriggeredInputs)}")
            .Output("out", "children").Trigger("btn", "n_clicks").State("in", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("query", [Clicks(1)], [Text("a")], triggered: ["btn.n_clicks"]);

        Assert.Equal("a by btn.n_clicks", await ResultAsync(client, handle));
    }

    [Fact]
    public async Task Inputs_named_triggered_more_than_once_count_once_in_the_order_first_named()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            var callback = b.MapBackgroundCallback("many", (CallbackContext context) => string.Join(",", context.TriggeredInputs)).Output("out", "children");
            for (var i = 0; i < 10; i++)
            {
                callback.Trigger($"b{i}", "n_clicks");
            }
        });
        using var client = app.NewClient();
        var inputs = Enumerable.Range(0, 10).Select(i => CallbackClient.Value($"b{i}", "n_clicks", i)).ToArray();

        // More distinct names than are compared one by one, with repeats before and after that point.
        string[] triggered = ["b3.n_clicks", "b0.n_clicks", "b3.n_clicks", .. Enumerable.Range(1, 9).Select(i => $"b{i}.n_clicks"), "b0.n_clicks", "b9.n_clicks"];
        var handle = await client.StartAsync("many", inputs, triggered: triggered);

        Assert.Equal(string.Join(",", new[] { 3, 0, 1, 2, 4, 5, 6, 7, 8, 9 }.Select(i => $"b{i}.n_clicks")), await ResultAsync(client, handle));
    }

    [Fact]
    public async Task A_handler_with_fewer_parameters_than_inputs_and_triggers_binds_the_inputs_by_position_skipping_the_trigger()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("sum", (int? a, int? c) => $"{a}-{c}")
            .Output("out", "children").Input("a", "value").Trigger("btn", "n_clicks").Input("c", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("sum", [CallbackClient.Value("a", "value", 1), Clicks(99), CallbackClient.Value("c", "value", 2)], triggered: ["btn.n_clicks"]);

        Assert.Equal("1-2", await ResultAsync(client, handle));
    }

    [Fact]
    public async Task Two_invocations_differing_only_in_the_triggers_value_hit_the_same_cache_entry()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("query", (string? value) => { Interlocked.Increment(ref calls); return $"result {value}"; })
            .Output("out", "children").Trigger("btn", "n_clicks").State("in", "value")
            .Configure(c => c.CacheBy = []));
        using var client = app.NewClient();
        Assert.Equal("result a", await ResultAsync(client, await client.StartAsync("query", [Clicks(1)], [Text("a")], triggered: ["btn.n_clicks"])));

        var (response, body) = await client.InvokeAsync("query", [Clicks(2)], [Text("a")], triggered: ["btn.n_clicks"]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("result a", CallbackClient.Output(body, "out", "children").Str());
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_handler_that_takes_a_parameter_for_its_trigger_stops_the_app_naming_the_trigger()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(b => b
            .MapBackgroundCallback("query", (int? clicks, string? value) => value)
            .Output("out", "children").Trigger("btn", "n_clicks").State("in", "value"))).DisposeAsync());

        Assert.Contains("callback 'query'", error.Message);
        Assert.Contains("trigger(s) btn.n_clicks, but a trigger is passed to no parameter", error.Message);
    }

    [Fact]
    public async Task The_dependencies_document_lists_a_trigger_among_the_inputs_with_its_flag()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("query", (string? value) => value)
            .Output("out", "children").Input("in", "value").Trigger("btn", "n_clicks"));
        using var client = app.NewClient();

        var body = await CallbackClient.BodyAsync(await client.Http.GetAsync("/_callbacks/dependencies"));

        var inputs = body["callbacks"]![0]!["inputs"]!.AsArray();
        Assert.Equal(["in", "btn"], inputs.Select(i => i!["id"].Str()));
        Assert.Null(inputs[0]!["trigger"]);
        Assert.True(inputs[1]!["trigger"]!.GetValue<bool>());
    }

    [Output("out", "children")]
    [Trigger("btn", "n_clicks")]
    [Input("in", "value")]
    private static string Declared(string? value) => value ?? string.Empty;

    [Fact]
    public void The_attribute_declares_a_trigger_that_is_bound_to_no_parameter_and_left_out_of_the_key()
    {
        var method = typeof(TriggerTests).GetMethod(nameof(Declared), BindingFlags.NonPublic | BindingFlags.Static)!;
        var declaration = new CallbackDeclaration(new BackgroundCallbackAttribute("declared"), method, target: null);
        declaration.Dependencies.AddRange(method.GetCustomAttributes<DependencyAttribute>(inherit: false));
        var problems = new List<string>();

        var definition = CallbackCompiler.Compile(declaration, "default", JsonSerializerOptions.Web, [], problems);

        Assert.Empty(problems);
        var trigger = Assert.Single(definition!.Arguments, a => a.IsTrigger);
        Assert.Equal("btn.n_clicks", trigger.Dependency.Key);
        Assert.True(definition.IgnoredArguments[trigger.Position]);
        Assert.DoesNotContain(definition.Handler.Parameters, p => p.Kind == Execution.ParameterKind.Argument && p.ArgumentPosition == trigger.Position);
    }
}
