using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Owners;

/// <summary>
/// Decides whom a request's jobs belong to: the authenticated user, else an anonymous session held in a cookie
/// that this class sets when the request has none.
/// </summary>
internal sealed class OwnerResolver(IOptions<BackgroundCallbacksOptions> options)
{
    private static readonly object ItemKey = new();

    private readonly string _cookieName = options.Value.SessionCookieName;

    public Owner Resolve(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached) && cached is Owner owner)
        {
            return owner;
        }

        var session = context.Request.Cookies.TryGetValue(_cookieName, out var value) && RandomIds.IsWellFormed(value)
            ? value
            : IssueSession(context);
        var userId = UserId(context.User);
        owner = new Owner(userId is null ? "s:" + session : "u:" + userId, userId, session);
        context.Items[ItemKey] = owner;
        return owner;
    }

    internal static string? UserId(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        var id = user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? user.Identity.Name;
        return string.IsNullOrEmpty(id) ? null : id;
    }

    private string IssueSession(HttpContext context)
    {
        var session = RandomIds.New();
        context.Response.Cookies.Append(_cookieName, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
        return session;
    }
}
