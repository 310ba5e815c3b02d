using BackgroundCallbacks.Mcp.Tools;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>Which callbacks become tools, worked out in-process from callbacks built in code.</summary>
public sealed class CatalogTests
{
    [Fact]
    public void Exposing_all_leaves_out_uploads_page_cancel_buttons_and_cookie_setters_and_keeps_the_rest()
    {
        var tools = Catalog(o => o.ExposeAllCallbacks = true, b =>
        {
            b.MapBackgroundCallback("run", (int? clicks, string? text) => text).Output("result", "children").Input("run", "n_clicks").State("text", "value").Cancel("stop", "n_clicks");
            b.MapBackgroundCallback("stopped", (int? clicks) => "Cancelled").Output("status", "children").Input("stop", "n_clicks");
            b.MapBackgroundCallback("upload", (IFormFile? file) => file?.Length).Output("size", "children").Input("file", "files");
            b.MapBackgroundCallback("remember", (string? name, IResponseCookies cookies) => name).Output("saved", "children").Input("name", "value")
                .Configure(a => a.Inline = true);
        });

        Assert.Equal(["run"], tools.Tools.Select(t => t.Name));
    }

    [Fact]
    public void Without_an_opt_in_no_callback_is_a_tool_and_an_exclusion_wins_over_an_opt_in()
    {
        var none = Catalog(_ => { }, b => b.MapBackgroundCallback("a", (string? text) => text).Output("o", "children").Input("i", "value"));
        var excluded = Catalog(o => { o.Callbacks.Add("a"); o.ExcludedCallbacks.Add("a"); },
            b => b.MapBackgroundCallback("a", (string? text) => text).Output("o", "children").Input("i", "value"));

        Assert.Empty(none.Tools);
        Assert.Empty(excluded.Tools);
    }

    [Fact]
    public void A_callback_opted_in_by_id_that_cannot_be_a_tool_stops_the_app_with_the_reason()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Catalog(o => o.Callbacks.Add("upload"),
            b => b.MapBackgroundCallback("upload", (IFormFile? file) => file?.Length).Output("size", "children").Input("file", "files")));

        Assert.Contains("Callback 'upload' cannot be an MCP tool: it takes an uploaded file", error.Message);
    }

    [Fact]
    public void A_description_comes_from_the_attribute_else_from_the_handlers_XML_doc_summary()
    {
        var tools = Catalog(_ => { }, b => b.AddCallbacksFrom(typeof(DocumentedCallbacks).Assembly));

        Assert.Equal("Counts the words of a text, as Split sees them.", Assert.Single(tools.Tools, t => t.Name == "count-words").Description);
        Assert.Equal("Echoes a text.", Assert.Single(tools.Tools, t => t.Name == "described").Description);
    }

    [Theory]
    [InlineData("report", "report")]
    [InlineData("ignore-by-name", "ignore-by-name")]
    [InlineData("rows.total_v2", "rows.total_v2")]
    [InlineData("ünïcode id", "_n_code_id_")]
    public void A_tool_name_is_the_id_when_it_fits_else_a_safe_form_with_a_digest_of_the_id(string id, string start)
    {
        var name = ToolNames.For(id);

        Assert.StartsWith(start, name);
        Assert.Matches("^[A-Za-z0-9_.-]{1,64}$", name);
        Assert.Equal(name, ToolNames.For(id));
    }

    [Fact]
    public void Two_ids_that_differ_only_in_unsafe_characters_get_different_names()
    {
        Assert.NotEqual(ToolNames.For("a b"), ToolNames.For("a/b"));
        Assert.Equal(64, ToolNames.For(new string('x', 100)).Length);
    }

    [Theory]
    [InlineData("job_result")]
    [InlineData("job_cancel")]
    public void A_callback_named_like_a_handle_tool_gets_the_digest_form(string id)
    {
        var name = ToolNames.For(id);

        Assert.NotEqual(id, name);
        Assert.Matches("^" + id + "_[0-9a-f]{8}$", name);
    }

    private static ToolCatalog Catalog(Action<McpCallbacksOptions> configure, Action<BackgroundCallbacksBuilder> callbacks)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false);
        callbacks(builder);
        builder.AddMcp(configure);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<ToolCatalog>();
    }
}
