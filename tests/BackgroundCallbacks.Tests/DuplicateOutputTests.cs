using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public class DuplicateOutputTests
{
    private static async Task<string> StartupErrorAsync(Action<BackgroundCallbacksBuilder> callbacks)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(callbacks)).DisposeAsync());
        return error.Message;
    }

    [Fact]
    public async Task Two_callbacks_writing_the_same_output_stop_the_app_naming_both_and_the_output()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("first", (string? v) => v).Output("out", "children").Input("a", "value");
            b.MapBackgroundCallback("second", (string? v) => v).Output("out", "children").Input("b", "value");
        });

        Assert.Contains("The output out.children is written by callback 'first'", message);
        Assert.Contains("and callback 'second'", message);
        Assert.Contains("AllowDuplicate = true", message);
    }

    [Fact]
    public async Task The_same_pattern_written_with_its_keys_in_another_order_is_the_same_output()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("first", (string? v) => v).Output("""{"type":"row","index":"MATCH"}""", "children").Input("""{"type":"in","index":"MATCH"}""", "value");
            b.MapBackgroundCallback("second", (string? v) => v).Output("""{"index":"MATCH","type":"row"}""", "children").Input("""{"index":"MATCH","type":"other"}""", "value");
        });

        Assert.Contains("callback 'first'", message);
        Assert.Contains("callback 'second'", message);
    }

    [Fact]
    public async Task A_duplicate_allowed_by_only_one_of_its_writers_stops_the_app()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("first", (string? v) => v).Output("out", "children", allowDuplicate: true).Input("a", "value");
            b.MapBackgroundCallback("second", (string? v) => v).Output("out", "children").Input("b", "value");
        });

        Assert.Contains("The output out.children is written by callback 'first'", message);
    }

    [Fact]
    public async Task Outputs_that_every_writer_allows_to_be_duplicated_start_and_both_callbacks_write_them()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("first", (string? v) => $"first {v}").Output("out", "children", allowDuplicate: true).Input("a", "value");
            b.MapBackgroundCallback("second", (string? v) => $"second {v}").Output("out", "children", allowDuplicate: true).Input("b", "value");
        });
        using var client = app.NewClient();

        var first = await client.WaitForEndAsync(await client.StartAsync("first", [CallbackClient.Value("a", "value", "x")]));
        var second = await client.WaitForEndAsync(await client.StartAsync("second", [CallbackClient.Value("b", "value", "y")]));

        Assert.Equal("first x", CallbackClient.Output(first, "out", "children").Str());
        Assert.Equal("second y", CallbackClient.Output(second, "out", "children").Str());
    }

    [Fact]
    public async Task Different_properties_of_one_component_are_not_duplicates()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("first", (string? v) => v).Output("out", "children").Input("a", "value");
            b.MapBackgroundCallback("second", (string? v) => v).Output("out", "title").Input("b", "value");
        });

        Assert.Equal(2, (await CallbackClient.BodyAsync(await app.NewClient().Http.GetAsync("/_callbacks/dependencies")))["callbacks"]!.AsArray().Count);
    }
}
