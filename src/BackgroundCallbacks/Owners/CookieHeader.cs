namespace BackgroundCallbacks.Owners;

/// <summary>
/// Finds one cookie's value in a <c>Cookie</c> header without parsing the header into a collection of strings, for a
/// header written in the plain form browsers and HTTP clients send (<c>a=1; b=2</c>). On such a header ASP.NET Core's
/// parser reads each pair as written (the last of a name, compared ignoring case, wins), so the value found here is the
/// one <c>Request.Cookies</c> would give. Anything else (quotes, commas, empty values, escapes in the value wanted,
/// other whitespace) is left to that parser: the answer is then false, never a different value.
/// </summary>
internal static class CookieHeader
{
    /// <summary>Whether <paramref name="header"/> is of the plain form and holds <paramref name="name"/>; its last value when so.</summary>
    public static bool TryFind(string header, string name, out ReadOnlySpan<char> value)
    {
        value = default;
        var found = false;
        var rest = header.AsSpan();
        while (true)
        {
            var nameLength = TokenLength(rest);
            if (nameLength == 0 || nameLength == rest.Length || rest[nameLength] != '=')
            {
                return false;
            }

            var pairName = rest[..nameLength];
            rest = rest[(nameLength + 1)..];
            var valueLength = ValueLength(rest);
            if (valueLength == 0)
            {
                return false;
            }

            if (pairName.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = rest[..valueLength];
                found = true;
            }

            rest = rest[valueLength..];
            if (rest.IsEmpty)
            {
                // A value the parser would unescape is not the one written.
                return found && !value.Contains('%');
            }

            if (rest[0] != ';')
            {
                return false;
            }

            rest = rest[1..].TrimStart(' ');
        }
    }

    /// <summary>The length of the token (RFC 9110 <c>tchar</c>s) <paramref name="text"/> starts with.</summary>
    private static int TokenLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (length < text.Length && (char.IsAsciiLetterOrDigit(text[length]) || text[length] is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~'))
        {
            length++;
        }

        return length;
    }

    /// <summary>The length of the unquoted value (RFC 6265 <c>cookie-octet</c>s) <paramref name="text"/> starts with.</summary>
    private static int ValueLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (length < text.Length && text[length] is '!' or (>= '#' and <= '+') or (>= '-' and <= ':') or (>= '<' and <= '[') or (>= ']' and <= '~'))
        {
            length++;
        }

        return length;
    }
}
