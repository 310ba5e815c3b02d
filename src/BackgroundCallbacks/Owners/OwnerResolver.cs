using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Owners;

/// <summary>
/// Decides whom a request's jobs belong to: the authenticated user, else an anonymous session held in a cookie.
/// Session ids come from the server only: the cookie carries the id protected (encrypted and authenticated) by
/// ASP.NET Core Data Protection, so a client can neither choose an id (session fixation) nor forge one; a cookie
/// that does not unprotect is replaced by a new session.
/// </summary>
internal sealed class OwnerResolver(IOptions<BackgroundCallbacksOptions> options, IDataProtectionProvider dataProtection, TimeProvider time)
{
    private static readonly object ItemKey = new();

    /// <summary>A longer cookie is not one of ours: it is not unprotected at all.</summary>
    private const int MaxCookieLength = 512;

    private readonly string _cookieName = options.Value.SessionCookieName;
    private readonly IDataProtector _protector = dataProtection.CreateProtector("BackgroundCallbacks.Session.v1");
    private readonly RecentSessions _recent = new(time);

    public Owner Resolve(HttpContext context)
    {
        // Through the features: HttpContext.Items and HttpContext.User make a dictionary and an anonymous principal on
        // first use, and most requests need neither.
        if (context.Features.Get<IItemsFeature>()?.Items is { } items && items.TryGetValue(ItemKey, out var cached) && cached is Owner owner)
        {
            return owner;
        }

        var userId = UserId(context.Features.Get<IHttpAuthenticationFeature>()?.User);
        if (userId is null && KnownFromHeader(context) is { } remembered)
        {
            // Not kept in the request's items: a second call finds it the same way, with no dictionary made per request.
            return remembered;
        }

        var cookie = Cookie(context);
        var known = cookie is null ? null : _recent.Find(cookie);
        var session = known is null ? ReadSession(cookie) : known.SessionId;
        if (userId is null)
        {
            if (known is not null)
            {
                owner = known;
            }
            else if (session is null)
            {
                // An anonymous caller is its session: issue one now, so its first answer already sets the cookie.
                session = IssueSession(context);
                owner = new Owner("s:" + Digest(session), null, session);
            }
            else
            {
                owner = new Owner("s:" + Digest(session), null, session);
                _recent.Add(cookie!, owner);
            }
        }
        else
        {
            // A signed-in user owns jobs by user id and needs no cookie of ours unless a callback asks for the session.
            owner = new Owner("u:" + userId, userId, session);
        }

        context.Items[ItemKey] = owner;
        return owner;
    }

    /// <summary>The caller's session id, issuing one (and its cookie) when the caller is a user without one.</summary>
    public string Session(HttpContext context)
    {
        var owner = Resolve(context);
        if (owner.SessionId is { } session)
        {
            return session;
        }

        session = IssueSession(context);
        context.Items[ItemKey] = owner with { SessionId = session };
        return session;
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

    /// <summary>
    /// The anonymous owner of a session cookie unprotected lately, found in the <c>Cookie</c> header as sent: no cookie
    /// collection, and no string of the cookie's value, is made for it. Null when not known, or when the header is not
    /// of the plain form and <see cref="Cookie"/> must parse it.
    /// </summary>
    private Owner? KnownFromHeader(HttpContext context)
    {
        var header = context.Request.Headers.Cookie;
        return header.Count == 1 && header[0] is { } text && CookieHeader.TryFind(text, _cookieName, out var value) && value.Length <= MaxCookieLength
            ? _recent.Find(value)
            : null;
    }

    /// <summary>The session cookie's value, when the request has one that may be ours.</summary>
    private string? Cookie(HttpContext context) =>
        context.Request.Cookies.TryGetValue(_cookieName, out var value) && !string.IsNullOrEmpty(value) && value.Length <= MaxCookieLength
            ? value
            : null;

    private string? ReadSession(string? value)
    {
        if (value is null)
        {
            return null;
        }

        try
        {
            var session = _protector.Unprotect(value);
            return RandomIds.IsWellFormed(session) ? session : null;
        }
        catch (CryptographicException)
        {
            // Not issued by this app (or by a key ring it no longer has): a new session replaces it.
            return null;
        }
    }

    private string IssueSession(HttpContext context)
    {
        var session = RandomIds.New();
        var pathBase = context.Request.PathBase;
        context.Response.Cookies.Append(_cookieName, _protector.Protect(session), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = context.Request.IsHttps,
            Path = pathBase.HasValue ? pathBase.Value : "/",
            IsEssential = true,
        });
        return session;
    }
}
