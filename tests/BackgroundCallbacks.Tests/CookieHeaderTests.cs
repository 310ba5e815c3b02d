using BackgroundCallbacks.Owners;
using Microsoft.AspNetCore.Http;
using Xunit;

namespace BackgroundCallbacks.Tests;

/// <summary>The plain-form cookie lookup finds what ASP.NET Core's parser reads, or leaves the header to it.</summary>
public class CookieHeaderTests
{
    private const string Name = ".BackgroundCallbacks.Session";

    [Theory]
    [InlineData(".BackgroundCallbacks.Session=abc-DEF_123")]
    [InlineData("theme=dark; .BackgroundCallbacks.Session=abc")]
    [InlineData(".BackgroundCallbacks.Session=abc;theme=dark")]
    [InlineData("theme=dark;   .BackgroundCallbacks.Session=abc; lang=de")]
    [InlineData(".BackgroundCallbacks.Session=first; .BackgroundCallbacks.Session=last")]
    [InlineData(".backgroundcallbacks.session=first; .BackgroundCallbacks.Session=last")]
    [InlineData(".BackgroundCallbacks.Session=last-by-case; x=1; .BACKGROUNDCALLBACKS.SESSION=upper")]
    [InlineData("other=a%20b; .BackgroundCallbacks.Session=abc")]
    public void A_plain_header_gives_the_value_the_parser_reads(string header)
    {
        Assert.True(CookieHeader.TryFind(header, Name, out var value));
        Assert.Equal(Parsed(header), value.ToString());
    }

    [Theory]
    [InlineData("theme=dark")]
    [InlineData("x.BackgroundCallbacks.Session=abc")]
    [InlineData(".BackgroundCallbacks.Session=\"abc\"")]
    [InlineData("theme=dark, .BackgroundCallbacks.Session=abc")]
    [InlineData(".BackgroundCallbacks.Session=a%2Fb")]
    [InlineData(".BackgroundCallbacks.Session=abc; .BackgroundCallbacks.Session=")]
    [InlineData(".BackgroundCallbacks.Session=abc ;theme=dark")]
    [InlineData(" .BackgroundCallbacks.Session=abc")]
    [InlineData(".BackgroundCallbacks.Session=abc;")]
    [InlineData("broken; .BackgroundCallbacks.Session=abc")]
    [InlineData("")]
    public void Any_other_header_is_left_to_the_parser(string header)
    {
        Assert.False(CookieHeader.TryFind(header, Name, out _));
    }

    private static string? Parsed(string header)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.Cookie = header;
        return context.Request.Cookies[Name];
    }
}
