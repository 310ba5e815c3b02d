using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;

namespace BackgroundCallbacks.Tests;

public class CacheArgsTests
{
    private static object[] Values(string value, int page) => [CallbackClient.Value("in", "value", value), CallbackClient.Value("page", "value", page)];

    private static async Task<string> ResultAsync(CallbackClient client, string handle)
    {
        var done = await client.WaitForEndAsync(handle);
        Assert.Equal("succeeded", done.Status());
        return CallbackClient.Output(done, "out", "children").Str()!;
    }

    private static async Task<string> StartupErrorAsync(Action<BackgroundCallbacksBuilder> callbacks)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(callbacks)).DisposeAsync());
        return error.Message;
    }

    [Fact]
    public async Task Only_the_arguments_named_in_CacheArgs_enter_the_key()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", (string? value, int? page) => $"{value} on page {page}")
            .Output("out", "children").Input("in", "value").Input("page", "value")
            .Configure(c => { c.CacheBy = []; c.CacheArgs = ["value"]; }));
        using var client = app.NewClient();
        Assert.Equal("a on page 1", await ResultAsync(client, await client.StartAsync("report", Values("a", 1))));

        var (otherPage, cached) = await client.InvokeAsync("report", Values("a", 2));
        var (otherValue, _) = await client.InvokeAsync("report", Values("b", 1));

        Assert.Equal(HttpStatusCode.OK, otherPage.StatusCode);
        Assert.Equal("a on page 1", CallbackClient.Output(cached, "out", "children").Str());
        Assert.Equal(HttpStatusCode.Accepted, otherValue.StatusCode);
    }

    [Fact]
    public async Task CacheArgs_positions_count_inputs_then_state_without_triggers()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", (string? value, int? page) => $"{value} on page {page}")
            .Output("out", "children").Trigger("btn", "n_clicks").Input("in", "value").State("page", "value")
            .Configure(c => { c.CacheBy = []; c.CacheArgs = [1]; }));
        using var client = app.NewClient();
        object[] Clicks() => [CallbackClient.Value("btn", "n_clicks", 1), CallbackClient.Value("in", "value", "a")];
        Assert.Equal("a on page 1", await ResultAsync(client, await client.StartAsync("report", Clicks(), [CallbackClient.Value("page", "value", 1)])));

        var (otherValue, _) = await client.InvokeAsync("report", [CallbackClient.Value("btn", "n_clicks", 1), CallbackClient.Value("in", "value", "b")], [CallbackClient.Value("page", "value", 1)]);
        var (otherPage, _) = await client.InvokeAsync("report", Clicks(), [CallbackClient.Value("page", "value", 2)]);

        Assert.Equal(HttpStatusCode.OK, otherValue.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, otherPage.StatusCode);
    }

    [Fact]
    public async Task A_request_value_enters_the_key_only_when_CacheArgs_names_it()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("by-value", ([FromHeader(Name = "Accept-Language")] string? language, string? value) => $"{language} {value}")
                .Output("out", "children").Input("in", "value")
                .Configure(c => { c.CacheBy = []; c.CacheArgs = ["value"]; });
            b.MapBackgroundCallback("by-language", ([FromHeader(Name = "Accept-Language")] string? language, string? value) => $"{language} {value}")
                .Output("out2", "children").Input("in", "value")
                .Configure(c => { c.CacheBy = []; c.CacheArgs = ["value", "language"]; });
        });
        using var client = app.NewClient();
        object[] input = [CallbackClient.Value("in", "value", "a")];
        client.Http.DefaultRequestHeaders.Add("Accept-Language", "de");
        await client.WaitForEndAsync(await client.StartAsync("by-value", input));
        await client.WaitForEndAsync(await client.StartAsync("by-language", input));
        client.Http.DefaultRequestHeaders.Remove("Accept-Language");
        client.Http.DefaultRequestHeaders.Add("Accept-Language", "fr");

        var (byValue, _) = await client.InvokeAsync("by-value", input);
        var (byLanguage, _) = await client.InvokeAsync("by-language", input);

        Assert.Equal(HttpStatusCode.OK, byValue.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, byLanguage.StatusCode);
    }

    [Fact]
    public async Task Declaring_both_CacheArgs_and_CacheArgsToIgnore_stops_the_app_naming_the_callback()
    {
        var message = await StartupErrorAsync(b => b
            .MapBackgroundCallback("both", (string? value, int? page) => value)
            .Output("out", "children").Input("in", "value").Input("page", "value")
            .Configure(c => { c.CacheArgs = ["value"]; c.CacheArgsToIgnore = ["page"]; }));

        Assert.Contains("callback 'both'", message);
        Assert.Contains("it sets both CacheArgs and CacheArgsToIgnore", message);
    }

    [Fact]
    public async Task CacheArgs_naming_no_argument_stops_the_app()
    {
        var message = await StartupErrorAsync(b => b
            .MapBackgroundCallback("typo", (string? value) => value)
            .Output("out", "children").Input("in", "value")
            .Configure(c => c.CacheArgs = ["valeu", 3]));

        Assert.Contains("callback 'typo'", message);
        Assert.Contains("CacheArgs names 'valeu', which is no argument's name", message);
        Assert.Contains("CacheArgs names position 3, but there are 1 arguments", message);
    }
}
