using BackgroundCallbacks.Mcp;
using Microsoft.AspNetCore.Mvc;

namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Request values: an inline callback sets a cookie on its answer; a background callback reads it in a later request,
/// with the Accept-Language header and the page's URL, each declared on its parameter (Dash's own check). They are
/// captured when the job is admitted, since the job has no request.
/// </summary>
public static class RequestExample
{
    /// <summary>The cookie the page's "Remember me" button sets.</summary>
    public const string NameCookie = "sample-name";

    // Inline: it answers its own request, so it can set a cookie on that answer. A background callback cannot.
    [BackgroundCallback("remember-name", Inline = true, PreventInitialCall = true)]
    [Output("greeting-saved", "children")]
    [Input("greeting-remember", "n_clicks")]
    [State("greeting-name", "value")]
    public static string RememberName(int? clicks, string? name, IResponseCookies cookies)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "Type a name first";
        }

        cookies.Append(NameCookie, name, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict });
        return "Saved " + name;
    }

    [BackgroundCallback("greeting", PreventInitialCall = true)]
    [McpTool(Description = "Greets the caller by the name its cookie holds, in its first Accept-Language.")]
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
