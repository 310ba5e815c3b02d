using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

/// <summary>What the server does with one-value running entries and optional inputs; the browser tests cover the client.</summary>
public sealed class RunningAndOptionalDeclarationTests
{
    [Fact]
    public async Task A_one_value_running_entry_is_sent_to_the_client_as_restore_without_a_whenDone()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("run", (int? clicks) => $"{clicks}")
            .Output("out", "children").Input("button", "n_clicks")
            .Running("button", "disabled", true)
            .Running("status", "children", "Working", "Idle"));
        using var client = app.NewClient();

        var body = await CallbackClient.BodyAsync(await client.Http.GetAsync("/_callbacks/dependencies"));

        var running = body["callbacks"]!.AsArray().Single()!["running"]!.AsArray();
        Assert.True(running[0]!["whileRunning"]!.GetValue<bool>());
        Assert.True(running[0]!["restore"]!.GetValue<bool>());
        Assert.False(running[0]!.AsObject().ContainsKey("whenDone"));
        Assert.Equal("Idle", running[1]!["whenDone"].Str());
        Assert.False(running[1]!.AsObject().ContainsKey("restore"));
    }

    [Fact]
    public void The_one_value_running_attribute_says_it_restores_and_the_two_value_one_does_not()
    {
        Assert.True(new RunningAttribute("b", "disabled", true).RestoresPreviousValue);
        Assert.False(new RunningAttribute("b", "disabled", true, false).RestoresPreviousValue);
    }

    [Fact]
    public async Task Optional_inputs_and_state_are_marked_in_the_dependencies_and_others_are_not()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("opt", (int? clicks, string? page, string? note) => $"{clicks}{page}{note}")
            .Output("out", "children").Input("button", "n_clicks").Input("url", "pathname", optional: true)
            .State("note", "value", optional: true));
        using var client = app.NewClient();

        var body = await CallbackClient.BodyAsync(await client.Http.GetAsync("/_callbacks/dependencies"));

        var callback = body["callbacks"]!.AsArray().Single()!;
        Assert.False(callback["inputs"]![0]!.AsObject().ContainsKey("optional"));
        Assert.True(callback["inputs"]![1]!["optional"]!.GetValue<bool>());
        Assert.True(callback["state"]![0]!["optional"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_optional_argument_sent_as_null_reaches_the_handler_as_null()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("opt", (int? clicks, string? note) => note is null ? "null" : note)
            .Output("out", "children").Input("button", "n_clicks").State("note", "value", optional: true)
            .Configure(c => c.Inline = true));
        using var client = app.NewClient();

        var (response, body) = await client.InvokeAsync("opt", [CallbackClient.Value("button", "n_clicks", 1)], [CallbackClient.Value("note", "value", null)]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("null", CallbackClient.Output(body, "out", "children").Str());
    }

    [Fact]
    public async Task An_optional_argument_on_a_non_nullable_value_type_stops_the_app_naming_the_parameter()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(b => b
            .MapBackgroundCallback("opt", (int? clicks, int count) => $"{clicks}{count}")
            .Output("out", "children").Input("button", "n_clicks").State("count", "value", optional: true))).DisposeAsync());

        Assert.Contains("count.value is optional", error.Message);
        Assert.Contains("'count'", error.Message);
        Assert.Contains("Int32?", error.Message);
    }
}
