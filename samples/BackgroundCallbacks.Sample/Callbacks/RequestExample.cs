using Microsoft.AspNetCore.Mvc;

namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Request values: the handler reads a cookie the app set in an earlier request, the Accept-Language header and the
/// page's URL, each declared on its parameter. They are captured when the job is admitted, since the job has no request.
/// </summary>
public static class RequestExample
{
    /// <summary>The cookie the page's "Remember me" button asks the app to set (see Program.cs).</summary>
    public const string NameCookie = "sample-name";

    [BackgroundCallback("greeting", PreventInitialCall = true)]
    [Output("greeting-paragraph", "children")]
    [Input("greeting-run", "n_clicks")]
    public static string Greeting(
        int? clicks,
        [FromCookie(NameCookie)] string? name,
        [FromHeader(Name = "Accept-Language")] string? language,
        [FromPageUrl] string? page)
    {
        var where = page is null ? "no page" : new Uri(page).PathAndQuery;
        var firstLanguage = language?.Split(',')[0];
        return $"Hello {name ?? "stranger"} ({firstLanguage ?? "no language"}), from {where}";
    }
}
