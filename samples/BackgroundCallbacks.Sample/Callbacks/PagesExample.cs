using System.Globalization;
using BackgroundCallbacks.Mcp;

namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// One page, several views: Dash's <c>dcc.Location(id="url")</c> with a callback on the URL, here the location's hash
/// (<c>#sales</c>, <c>#stock</c>, <c>#team</c>), so links, back and forward and a reload all work without server
/// routes. The view is a short job cached per view: the Refresh button is a trigger, not an argument, so refreshing a
/// view seen in the last minute answers from the cache at once.
/// </summary>
public sealed class PagesExample(IConfiguration configuration, TimeProvider timeProvider)
{
    private readonly SampleDelay _delay = new(configuration);

    // The hash as the location holds it, "#sales"; "sales" from an agent; empty on a bare page URL.
    private static string ViewName(string? view) => view?.TrimStart('#').ToLowerInvariant() switch
    {
        null or "" => "sales",
        var name => name,
    };

    [BackgroundCallback("pages-view", CacheBy = new[] { BuiltInCacheBy.LaunchId }, CacheArgs = new object[] { "view" }, ExpireSeconds = 60)]
    [McpTool(Description = "Shows one view of the sample's several-views page: sales, stock or team (an unknown name says so).")]
    [Output("pages-view", "children")]
    [Input("pages-url", "hash", Name = "view")]
    [Trigger("pages-refresh", "n_clicks")]
    [Running("pages-status", "children", "Loading the view…")]
    [Running("pages-refresh", "disabled", true)]
    public async Task<string> ShowView(string? view, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(1.0, cancellationToken);
        var at = timeProvider.GetLocalNow().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
        return ViewName(view) switch
        {
            "sales" => $"Sales: 1,284 orders this week, 8 % more than last week. Computed at {at}.",
            "stock" => $"Stock: 312 items in 4 warehouses, 9 below their reorder level. Computed at {at}.",
            "team" => $"Team: 14 people, 2 on leave, 1 new starter on Monday. Computed at {at}.",
            var other => $"There is no view named '{other}'. Computed at {at}.",
        };
    }

    // Instant, so the link of the view asked for is marked before its content arrives.
    [BackgroundCallback("pages-nav", Inline = true)]
    [Output("pages-link-sales", "aria-current")]
    [Output("pages-link-stock", "aria-current")]
    [Output("pages-link-team", "aria-current")]
    [Input("pages-url", "hash")]
    public static (string?, string?, string?) MarkCurrent(string? hash)
    {
        var view = ViewName(hash);
        return (Current(view == "sales"), Current(view == "stock"), Current(view == "team"));
    }

    private static string? Current(bool current) => current ? "page" : null;
}
