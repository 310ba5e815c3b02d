using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public class HandlerTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    private static async Task<System.Text.Json.Nodes.JsonObject> RunAsync(TestApp app, string callbackId, object[] inputs, object[]? state = null, string[]? triggered = null)
    {
        using var client = app.NewClient();
        return await client.WaitForEndAsync(await client.StartAsync(callbackId, inputs, state, triggered));
    }

    [Fact]
    public async Task Sync_Task_and_ValueTask_handlers_all_deliver_their_value()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("sync", (int? n) => $"sync {n}").Output("out", "children", allowDuplicate: true).Input("in", "value");
            b.MapBackgroundCallback("task", async (int? n) => { await Task.Yield(); return $"task {n}"; }).Output("out", "children", allowDuplicate: true).Input("in", "value");
            b.MapBackgroundCallback("valuetask", (int? n) => new ValueTask<string>($"valuetask {n}")).Output("out", "children", allowDuplicate: true).Input("in", "value");
        });

        Assert.Equal("sync 1", CallbackClient.Output(await RunAsync(app, "sync", In(1)), "out", "children").Str());
        Assert.Equal("task 2", CallbackClient.Output(await RunAsync(app, "task", In(2)), "out", "children").Str());
        Assert.Equal("valuetask 3", CallbackClient.Output(await RunAsync(app, "valuetask", In(3)), "out", "children").Str());
    }

    [Fact]
    public async Task Attribute_declared_static_and_instance_handlers_are_found_in_an_added_assembly()
    {
        await using var app = await TestApp.StartAsync(b => b.AddCallbacksFrom(typeof(AttributeCallbacks).Assembly),
            services: s => s.AddScoped<ScopedCounter>());

        var staticDone = await RunAsync(app, "attr-static", [CallbackClient.Value("button_id", "n_clicks", 3)], [CallbackClient.Value("input-1", "value", "hi")]);
        Assert.Equal("Clicked 3 times with 'hi'", CallbackClient.Output(staticDone, "paragraph_id", "children").Str());
        var instanceDone = await RunAsync(app, "attr-instance", [CallbackClient.Value("in", "value", 1)]);
        Assert.Equal("scoped", CallbackClient.Output(instanceDone, "out", "children").Str());
    }

    [Fact]
    public async Task An_instance_handler_gets_a_new_DI_scope_for_each_job()
    {
        await using var app = await TestApp.StartAsync(b => b.AddCallbacksFrom(typeof(AttributeCallbacks).Assembly),
            services: s => s.AddScoped<ScopedCounter>());

        var first = CallbackClient.Output(await RunAsync(app, "attr-scope", [CallbackClient.Value("in", "value", 1)]), "out", "children")!.GetValue<string>();
        var second = CallbackClient.Output(await RunAsync(app, "attr-scope", [CallbackClient.Value("in", "value", 2)]), "out", "children")!.GetValue<string>();

        Assert.NotEqual(first, second);
        Assert.True(ScopedCounter.Disposed >= 2, "each job's scope is disposed when the job ends");
    }

    [Fact]
    public async Task Several_outputs_come_back_in_declaration_order()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("two", (int? n) => ($"Clicked {n} times", (n ?? 0) % 4))
            .Output("paragraph_id", "children").Output("button_id", "n_clicks").Input("button_id", "n_clicks"));

        var done = await RunAsync(app, "two", [CallbackClient.Value("button_id", "n_clicks", 5)]);

        Assert.Equal("Clicked 5 times", CallbackClient.Output(done, "paragraph_id", "children").Str());
        Assert.Equal(1, CallbackClient.Output(done, "button_id", "n_clicks")!.GetValue<int>());
    }

    [Fact]
    public async Task Named_inputs_bind_by_name_whatever_the_parameter_order()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("named", (string? value, int? button) => $"{value}/{button}")
            .Output("out", "children").Input("run", "n_clicks", name: "button").State("in", "value", name: "value"));

        var done = await RunAsync(app, "named", [CallbackClient.Value("run", "n_clicks", 7)], [CallbackClient.Value("in", "value", "text")]);

        Assert.Equal("text/7", CallbackClient.Output(done, "out", "children").Str());
    }

    [Fact]
    public async Task No_update_leaves_one_output_out_or_all_of_them()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("some", (int? n) => ((object)NoUpdate.Value, "changed"))
                .Output("a", "children", allowDuplicate: true).Output("b", "children", allowDuplicate: true).Input("in", "value");
            b.MapBackgroundCallback("none", (int? n) => (object)NoUpdate.Value)
                .Output("a", "children", allowDuplicate: true).Output("b", "children", allowDuplicate: true).Input("in", "value");
        });

        var some = await RunAsync(app, "some", In(1));
        var none = await RunAsync(app, "none", In(1));

        Assert.Equal("succeeded", some.Status());
        Assert.Null(CallbackClient.Output(some, "a", "children"));
        Assert.Equal("changed", CallbackClient.Output(some, "b", "children").Str());
        Assert.Equal("succeeded", none.Status());
        Assert.Empty(none["outputs"]!.AsArray());
    }

    [Fact]
    public async Task PreventUpdate_ends_the_job_with_no_outputs_and_is_not_cached()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("prevent", new Func<int?, string>(n => throw new PreventUpdateException()))
                .Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("prevent", In(1)));

        Assert.Equal("succeeded", done.Status());
        Assert.Empty(done["outputs"]!.AsArray());
        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("prevent", In(1))).Response.StatusCode);
    }

    [Fact]
    public async Task The_context_gives_the_triggered_inputs_and_the_job_id()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("ctx", (int? a, int? bb, CallbackContext ctx) => $"{string.Join(",", ctx.TriggeredInputs)}|{ctx.JobId}")
            .Output("out", "children").Input("a", "value").Input("b", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("ctx", [CallbackClient.Value("a", "value", 1), CallbackClient.Value("b", "value", 2)], triggered: ["b.value"]);
        var done = await client.WaitForEndAsync(handle);

        Assert.Equal($"b.value|{CallbackClient.JobId(handle)}", CallbackClient.Output(done, "out", "children").Str());
    }

    [Fact]
    public async Task Progress_reports_reach_the_client_and_the_last_one_before_the_end_is_delivered()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("progress", (int? n, IProgress<object?[]> progress) =>
            {
                for (var i = 1; i <= 5; i++)
                {
                    progress.Report([i, 5]);
                }

                return "done";
            })
            .Output("out", "children").Input("in", "value").Progress("bar", "value").Progress("bar", "max"));
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("progress", In(1)));

        Assert.Equal("succeeded", done.Status());
        Assert.Equal(5, CallbackClient.Output(done, "bar", "value", "progress")!.GetValue<int>());
        Assert.Equal(5, CallbackClient.Output(done, "bar", "max", "progress")!.GetValue<int>());
        Assert.True(done["progressVersion"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task A_single_progress_output_takes_the_reported_value_as_it_is()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("progress", (int? n, IProgress<string> progress) => { progress.Report("3/4"); return "done"; })
            .Output("out", "children").Input("in", "value").Progress("status", "children", "Finished"));
        using var client = app.NewClient();

        var (accepted, acceptedBody) = await client.InvokeAsync("progress", In(1));
        var done = await client.WaitForEndAsync(acceptedBody["handle"].Str()!);

        Assert.Equal("Finished", CallbackClient.Output(acceptedBody, "status", "children", "progressDefault").Str());
        Assert.Equal("3/4", CallbackClient.Output(done, "status", "children", "progress").Str());
    }

    [Fact]
    public async Task Side_updates_of_different_components_are_all_delivered_and_none_overwrites_another()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("sides", (int? n, CallbackContext ctx) =>
            {
                ctx.SetProps("first", new { children = "one" });
                ctx.SetProps("second", new Dictionary<string, object> { ["children"] = "two" });
                ctx.SetProps("first", new { style = new { color = "red" } });
                return "done";
            })
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("sides", In(1));
        await client.WaitForEndAsync(handle);
        var (_, done) = await client.PollAsync(handle, after: 0);
        var updates = done["sideUpdates"]!.AsArray();

        Assert.Equal(["first", "second", "first"], updates.Select(u => u!["id"].Str()));
        Assert.Equal("one", updates[0]!["props"]!["children"].Str());
        Assert.Equal("two", updates[1]!["props"]!["children"].Str());
        Assert.Equal("red", updates[2]!["props"]!["style"]!["color"].Str());

        var (_, later) = await client.PollAsync(handle, after: updates[1]!["version"]!.GetValue<long>());
        Assert.DoesNotContain(later["sideUpdates"]!.AsArray(), u => u!["version"]!.GetValue<long>() <= updates[1]!["version"]!.GetValue<long>());
    }
}
