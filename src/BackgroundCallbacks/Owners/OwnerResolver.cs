using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
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
        owner = new Owner(userId is null ? "s:" + Digest(session) : "u:" + userId, userId, session);
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

    /// <summary>Whether a job's stored owner is the requester, compared in constant time.</summary>
    public static bool IsOwner(string jobOwner, Owner requester) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(jobOwner), Encoding.UTF8.GetBytes(requester.Id));

    /// <summary>
    /// Stores keep a digest of the session id, never the id itself: whoever can read a store cannot take over a session.
    /// </summary>
    private static string Digest(string session) =>
        Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(session)));

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
