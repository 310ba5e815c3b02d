using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
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

    private readonly string _cookieName = options.Value.SessionCookieName;
    private readonly IDataProtector _protector = dataProtection.CreateProtector("BackgroundCallbacks.Session.v1");
    private readonly RecentSessions _recent = new(time);

    public Owner Resolve(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached) && cached is Owner owner)
        {
            return owner;
        }

        var cookie = Cookie(context);
        var known = cookie is null ? null : _recent.Find(cookie);
        var session = known is null ? ReadSession(cookie) : known.SessionId;
        var userId = UserId(context.User);
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

    /// <summary>The session cookie's value, when the request has one that may be ours.</summary>
    private string? Cookie(HttpContext context) =>
        context.Request.Cookies.TryGetValue(_cookieName, out var value) && !string.IsNullOrEmpty(value) && value.Length <= 512
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
