using BackgroundCallbacks.Owners;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace BackgroundCallbacks.Tests;

/// <summary>The owner resolver remembers cookies it unprotected for a while, and only those.</summary>
public class RecentSessionsTests
{
    [Fact]
    public void A_remembered_cookie_gives_the_same_owner_without_unprotecting_again()
    {
        var (resolver, protection, _) = Create();
        var cookie = protection.Protect(RandomIds.New());

        var first = resolver.Resolve(Request(cookie));
        var second = resolver.Resolve(Request(cookie));

        Assert.Equal(1, protection.Unprotected);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.SessionId, second.SessionId);
    }

    [Fact]
    public void A_remembered_cookie_is_unprotected_again_after_its_lifetime()
    {
        var (resolver, protection, time) = Create();
        var cookie = protection.Protect(RandomIds.New());
        var first = resolver.Resolve(Request(cookie));

        time.Advance(RecentSessions.Lifetime + TimeSpan.FromSeconds(1));
        var later = resolver.Resolve(Request(cookie));

        Assert.Equal(2, protection.Unprotected);
        Assert.Equal(first.Id, later.Id);
    }

    [Fact]
    public void A_cookie_that_does_not_unprotect_is_not_remembered()
    {
        var (resolver, protection, _) = Create();
        // Well-formed base64url, so it reaches the protector, which refuses it.
        var forged = Convert.ToBase64String("forged session cookie, 32 bytes"u8).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var first = resolver.Resolve(Request(forged));
        var second = resolver.Resolve(Request(forged));

        Assert.Equal(2, protection.Unprotected);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public void A_remembered_cookie_in_a_header_of_another_form_gives_the_same_owner()
    {
        var (resolver, protection, _) = Create();
        var cookie = protection.Protect(RandomIds.New());
        var first = resolver.Resolve(Request(cookie));
        var context = new DefaultHttpContext();

        // A quoted value: ASP.NET Core's parser reads it, the plain-form lookup leaves the header to it.
        context.Request.Headers.Cookie = $"theme=\"dark\"; {new BackgroundCallbacksOptions().SessionCookieName}={cookie}";
        var second = resolver.Resolve(context);

        Assert.Equal(1, protection.Unprotected);
        Assert.Equal(first.Id, second.Id);
        Assert.False(context.Response.Headers.ContainsKey("Set-Cookie"));
    }

    [Fact]
    public void An_unknown_cookie_in_a_plain_header_is_unprotected_and_not_replaced()
    {
        var (resolver, protection, _) = Create();
        var session = RandomIds.New();
        var context = Request(protection.Protect(session));
        context.Request.Headers.Cookie = "theme=dark; " + context.Request.Headers.Cookie;

        var owner = resolver.Resolve(context);

        Assert.Equal(1, protection.Unprotected);
        Assert.Equal(session, owner.SessionId);
        Assert.False(context.Response.Headers.ContainsKey("Set-Cookie"));
    }

    private static (OwnerResolver Resolver, CountingProtection Protection, FakeTimeProvider Time) Create()
    {
        var protection = new CountingProtection(new EphemeralDataProtectionProvider().CreateProtector("test"));
        var time = new FakeTimeProvider();
        return (new OwnerResolver(Options.Create(new BackgroundCallbacksOptions()), protection, time), protection, time);
    }

    private static DefaultHttpContext Request(string cookie)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = $"{new BackgroundCallbacksOptions().SessionCookieName}={cookie}";
        return context;
    }

    /// <summary>One protector for every purpose, counting the unprotects asked of it.</summary>
    private sealed class CountingProtection(IDataProtector inner) : IDataProtectionProvider, IDataProtector
    {
        private int _unprotected;

        public int Unprotected => _unprotected;

        public IDataProtector CreateProtector(string purpose) => this;

        public byte[] Protect(byte[] plaintext) => inner.Protect(plaintext);

        public byte[] Unprotect(byte[] protectedData)
        {
            Interlocked.Increment(ref _unprotected);
            return inner.Unprotect(protectedData);
        }
    }
}
