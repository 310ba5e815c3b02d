using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Tests;

public class StartupTests
{
    private static async Task<string> StartupErrorAsync(Action<BackgroundCallbacksBuilder> callbacks, Action<BackgroundCallbacksOptions>? options = null)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(callbacks, options)).DisposeAsync());
        return error.Message;
    }

    [Fact]
    public async Task A_progress_output_that_feeds_its_own_input_stops_the_app_at_startup()
    {
        var message = await StartupErrorAsync(b => b
            .MapBackgroundCallback("loop", (int? n) => n).Output("out", "children").Input("bar", "value").Progress("bar", "value"));
        Assert.Contains("progress output bar.value feeds its own input", message);
    }

    [Fact]
    public async Task A_misspelt_argument_name_is_reported_with_the_callback_and_the_name()
    {
        var message = await StartupErrorAsync(b => b
            .MapBackgroundCallback("typo", (int? clicks) => clicks).Output("out", "children").Input("button", "n_clicks", name: "clikcs"));
        Assert.Contains("typo", message);
        Assert.Contains("'clikcs'", message);
    }

    [Fact]
    public async Task A_handler_whose_parameters_do_not_match_the_inputs_is_reported()
    {
        var message = await StartupErrorAsync(b => b
            .MapBackgroundCallback("arity", (int? a, int? b) => a).Output("out", "children").Input("a", "value"));
        Assert.Contains("declares 1 input and state value(s) but the handler takes 2", message);
    }

    [Fact]
    public async Task Handler_parameters_that_cannot_come_from_JSON_stop_the_app_naming_the_callback_and_parameter()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("with-context", (Microsoft.AspNetCore.Http.HttpContext http) => "x").Output("a", "children").Input("a-in", "value");
            b.MapBackgroundCallback("with-pipe", (System.IO.Pipelines.PipeReader body) => "x").Output("b", "children").Input("b-in", "value");
            b.MapBackgroundCallback("with-interface", (IDisposable thing) => "x").Output("c", "children").Input("c-in", "value");
            b.MapBackgroundCallback("with-list", (IReadOnlyList<int> rows, int? n) => "fine").Output("d", "children").Input("d-in", "value").Input("d-n", "value");
        });

        Assert.Contains("with-context", message);
        Assert.Contains("'http'", message);
        Assert.Contains("HttpContext is not a value the browser sends", message);
        Assert.Contains("with-pipe", message);
        Assert.Contains("'body'", message);
        Assert.Contains("with-interface", message);
        Assert.Contains("IDisposable is an interface", message);
        Assert.DoesNotContain("with-list", message);
    }

    [Fact]
    public async Task A_return_value_that_cannot_fill_the_declared_outputs_stops_the_app()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("one-string", (int? n) => "text").Output("a", "children").Output("b", "children").Input("in1", "value");
            b.MapBackgroundCallback("short-tuple", async (int? n) => { await Task.Yield(); return (1, 2); })
                .Output("c", "children").Output("d", "children").Output("e", "children").Input("in2", "value");
            b.MapBackgroundCallback("right-tuple", (int? n) => (1, "two")).Output("f", "children").Output("g", "children").Input("in3", "value");
            b.MapBackgroundCallback("a-list", (int? n) => new List<object?> { 1, 2 }).Output("h", "children").Output("i", "children").Input("in4", "value");
            b.MapBackgroundCallback("progress-string", (int? n, IProgress<string> p) => "x")
                .Output("j", "children").Input("in5", "value").Progress("bar", "value").Progress("bar", "max");
        });

        Assert.Contains("one-string", message);
        Assert.Contains("declares 2 outputs, but its handler returns String, not a tuple of 2 values", message);
        Assert.Contains("short-tuple", message);
        Assert.Contains("declares 3 outputs, but its handler returns a tuple of 2 values", message);
        Assert.Contains("progress-string", message);
        Assert.Contains("declares 2 progress outputs, but its handler reports String", message);
        Assert.DoesNotContain("right-tuple", message);
        Assert.DoesNotContain("a-list", message);
    }

    [Fact]
    public async Task Every_problem_is_listed_in_one_error()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("unknown-provider", (int? n) => n).Output("out", "children").Input("a", "value").Configure(c => c.CacheBy = ["no-such-provider"]);
            b.MapBackgroundCallback("unknown-manager", (int? n) => n).Output("out", "children").Input("a", "value").Configure(c => c.Manager = "reports");
            b.MapBackgroundCallback("bad-ignore", (int? n) => n).Output("out", "children").Input("a", "value").Configure(c => c.CacheArgsToIgnore = [3, "nope"]);
            b.MapBackgroundCallback("no-input", () => 1).Output("out", "children");
        });
        Assert.Contains("cache-by provider 'no-such-provider' is not registered", message);
        Assert.Contains("manager 'reports' is not configured", message);
        Assert.Contains("position 3", message);
        Assert.Contains("'nope'", message);
        Assert.Contains("declares no input", message);
    }

    [Fact]
    public async Task A_callback_id_declared_twice_is_reported()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("same", (int? n) => n).Output("a", "children").Input("in", "value");
            b.MapBackgroundCallback("same", (int? n) => n).Output("b", "children").Input("in", "value");
        });
        Assert.Contains("'same' is declared twice", message);
    }

    [Fact]
    public async Task A_malformed_pattern_id_is_reported()
    {
        var message = await StartupErrorAsync(b => b
            .MapBackgroundCallback("pattern", (int? n) => n).Output("out", "children").Input("{\"type\": ", "value"));
        Assert.Contains("not a JSON object", message);
    }

    [Fact]
    public async Task Invalid_options_stop_the_app_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await (await TestApp.StartAsync(
            b => b.MapBackgroundCallback("ok", (int? n) => n).Output("out", "children").Input("in", "value"),
            o => { o.Expire = TimeSpan.FromSeconds(-1); o.WorkerCount = 0; })).DisposeAsync());
        Assert.Contains("Expire must be positive", error.Message);
        Assert.Contains("WorkerCount must be at least 1", error.Message);
    }

    [Fact]
    public void MapBackgroundCallbacks_without_AddBackgroundCallbacks_says_what_is_missing()
    {
        var builder = WebApplication.CreateSlimBuilder();
        using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapBackgroundCallbacks());

        Assert.Contains("AddBackgroundCallbacks()", error.Message);
    }

    [Fact]
    public async Task A_request_value_on_a_parameter_type_that_cannot_hold_it_stops_the_app_naming_the_parameter()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("header-int", ([Microsoft.AspNetCore.Mvc.FromHeader(Name = "X-Count")] int count, int? n) => "x").Output("a", "children").Input("a-in", "value");
            b.MapBackgroundCallback("cookie-array", ([FromCookie("theme")] string[] themes, int? n) => "x").Output("b", "children").Input("b-in", "value");
            b.MapBackgroundCallback("address-uri", ([FromRemoteAddress] Uri address, int? n) => "x").Output("c", "children").Input("c-in", "value");
            b.MapBackgroundCallback("two-sources", ([FromOrigin][FromPageUrl] string? where, int? n) => "x").Output("d", "children").Input("d-in", "value");
            b.MapBackgroundCallback("fine", ([Microsoft.AspNetCore.Mvc.FromQuery(Name = "tag")] Microsoft.Extensions.Primitives.StringValues tags, [FromRemoteAddress] System.Net.IPAddress? address, int? n) => "x")
                .Output("e", "children").Input("e-in", "value");
        });

        Assert.Contains("header-int", message);
        Assert.Contains("'count' takes a Header, which binds to String or String[] or StringValues or StringValues?, not Int32", message);
        Assert.Contains("'themes' takes a Cookie, which binds to String, not String[]", message);
        Assert.Contains("'address' takes a RemoteAddress, which binds to String or IPAddress, not Uri", message);
        Assert.Contains("'where' declares 2 request values", message);
        Assert.DoesNotContain("fine", message);
    }

    [Fact]
    public async Task A_response_writing_parameter_on_a_background_callback_stops_the_app_saying_there_is_no_response()
    {
        var message = await StartupErrorAsync(b =>
        {
            b.MapBackgroundCallback("sets-cookie", (Microsoft.AspNetCore.Http.IResponseCookies cookies, int? n) => "x").Output("a", "children").Input("a-in", "value");
            b.MapBackgroundCallback("writes", (Microsoft.AspNetCore.Http.HttpResponse response, int? n) => "x").Output("b", "children").Input("b-in", "value");
        });

        Assert.Contains("sets-cookie", message);
        Assert.Contains("'cookies' (IResponseCookies) would write to the response, but a background callback has no response when its job runs", message);
        Assert.Contains("'response' (HttpResponse) would write to the response", message);
    }

    [Fact]
    public async Task CacheArgsToIgnore_may_name_a_request_value_parameter()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("ok", ([Microsoft.AspNetCore.Mvc.FromHeader(Name = "Accept-Language")] string? language, int? n) => "x")
            .Output("out", "children").Input("in", "value").Configure(c => c.CacheArgsToIgnore = ["language"]));
    }
}
