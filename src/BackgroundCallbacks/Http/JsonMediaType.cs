namespace BackgroundCallbacks.Http;

/// <summary>
/// Decides whether a request's content type is one an invocation may be sent as: <c>application/json</c> with optional
/// well-formed parameters (<c>name=token</c> or <c>name="quoted"</c>), and no charset but UTF-8, the only encoding
/// of JSON (RFC 8259). Other JSON types (<c>application/problem+json</c>, vendor types) are not invocations, and empty
/// or broken parameters (<c>application/json;;;</c>) are refused rather than guessed at.
/// </summary>
internal static class JsonMediaType
{
    private const string Whitespace = " \t";

    public static bool IsInvocation(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var rest = contentType.AsSpan();
        var semicolon = rest.IndexOf(';');
        var mediaType = (semicolon < 0 ? rest : rest[..semicolon]).Trim(Whitespace);
        if (!mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        rest = semicolon < 0 ? [] : rest[semicolon..];
        while (!rest.IsEmpty)
        {
            rest = rest[1..].TrimStart(Whitespace);
            var nameLength = TokenLength(rest);
            if (nameLength == 0 || nameLength == rest.Length || rest[nameLength] != '=')
            {
                return false;
            }

            var name = rest[..nameLength];
            rest = rest[(nameLength + 1)..];
            if (!TryReadValue(ref rest, out var value))
            {
                return false;
            }

            if (name.Equals("charset", StringComparison.OrdinalIgnoreCase) && !value.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            rest = rest.TrimStart(Whitespace);
            if (!rest.IsEmpty && rest[0] != ';')
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadValue(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> value)
    {
        value = default;
        if (rest.IsEmpty)
        {
            return false;
        }

        if (rest[0] != '"')
        {
            var length = TokenLength(rest);
            value = rest[..length];
            rest = rest[length..];
            return length > 0;
        }

        for (var i = 1; i < rest.Length; i++)
        {
            if (rest[i] == '\\')
            {
                i++;
            }
            else if (rest[i] == '"')
            {
                value = rest[1..i];
                rest = rest[(i + 1)..];
                return true;
            }
            else if (char.IsControl(rest[i]) && rest[i] != '\t')
            {
                return false;
            }
        }

        return false;
    }

    private static int TokenLength(ReadOnlySpan<char> text)
    {
        var length = 0;
        while (length < text.Length && IsTokenChar(text[length]))
        {
            length++;
        }

        return length;
    }

    // RFC 9110 tchar.
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
