using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public class InitialCallTests
{
    private static async Task<Dictionary<string, bool>> PreventInitialCallAsync(bool? appWide)
    {
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("unset", (string? v) => v).Output("out-unset", "children").Input("a", "value");
                b.MapBackgroundCallback("set-false", (string? v) => v).Output("out-false", "children").Input("a", "value")
                    .Configure(c => c.PreventInitialCall = false);
                b.MapBackgroundCallback("set-true", (string? v) => v).Output("out-true", "children").Input("a", "value")
                    .Configure(c => c.PreventInitialCall = true);
            },
            o =>
            {
                if (appWide is { } value)
                {
                    o.PreventInitialCallbacks = value;
                }
            });
        using var client = app.NewClient();
        var body = await CallbackClient.BodyAsync(await client.Http.GetAsync("/_callbacks/dependencies"));
        return body["callbacks"]!.AsArray().ToDictionary(c => c!["id"].Str()!, c => c!["preventInitialCall"]!.GetValue<bool>());
    }

    [Fact]
    public async Task The_app_wide_option_prevents_the_initial_call_of_callbacks_that_did_not_choose()
    {
        var prevent = await PreventInitialCallAsync(appWide: true);

        Assert.True(prevent["unset"]);
        Assert.False(prevent["set-false"]);
        Assert.True(prevent["set-true"]);
    }

    [Fact]
    public async Task Without_the_option_only_a_callback_that_asks_skips_its_initial_call()
    {
        var prevent = await PreventInitialCallAsync(appWide: null);

        Assert.False(prevent["unset"]);
        Assert.False(prevent["set-false"]);
        Assert.True(prevent["set-true"]);
    }

    [Fact]
    public void The_attribute_reports_whether_the_callback_chose()
    {
        var unset = new BackgroundCallbackAttribute("a");
        var chose = new BackgroundCallbackAttribute("b") { PreventInitialCall = false };

        Assert.Null(unset.PreventInitialCallSetting);
        Assert.False(unset.PreventInitialCall);
        Assert.False(chose.PreventInitialCallSetting);
    }
}
