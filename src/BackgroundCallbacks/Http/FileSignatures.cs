using System.Text;

namespace BackgroundCallbacks.Http;

/// <summary>
/// What an upload says it is (its name's extension, its declared type) against what its first bytes are: a file that
/// claims a type with a known signature must carry it, and a text type must be text.
/// </summary>
internal static class FileSignatures
{
    /// <summary>How many leading bytes the checks need.</summary>
    public const int SampleSize = 8 * 1024;

    private static readonly (string[] Names, byte[] Magic)[] Magic =
    [
        ([".png", "image/png"], [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ([".jpg", ".jpeg", "image/jpeg"], [0xFF, 0xD8, 0xFF]),
        ([".gif", "image/gif"], "GIF8"u8.ToArray()),
        ([".pdf", "application/pdf"], "%PDF-"u8.ToArray()),
        ([".gz", "application/gzip"], [0x1F, 0x8B]),
        ([".zip", ".xlsx", ".docx", ".pptx", "application/zip"], [0x50, 0x4B]),
    ];

    private static readonly string[] Text = [".csv", ".tsv", ".txt", ".json", ".md", "text/", "application/json"];

    /// <summary>Why the bytes contradict the name or type, or null when they do not.</summary>
    public static string? Contradiction(string name, string contentType, ReadOnlySpan<byte> head)
    {
        var extension = Path.GetExtension(name).ToLowerInvariant();
        var type = contentType.Split(';')[0].Trim().ToLowerInvariant();
        foreach (var (names, magic) in Magic)
        {
            if ((names.Contains(extension) || names.Contains(type)) && !head.StartsWith(magic))
            {
                return $"'{name}' is declared as {(names.Contains(extension) ? extension : type)}, but its bytes are not.";
            }
        }

        if ((Text.Contains(extension) || Text.Any(t => t.EndsWith('/') ? type.StartsWith(t, StringComparison.Ordinal) : type == t)) && !IsText(head))
        {
            return $"'{name}' is declared as text ({(Text.Contains(extension) ? extension : type)}), but its bytes are not UTF-8 text.";
        }

        return null;
    }

    /// <summary>Whether an allow-list of extensions and types admits the file; an empty list admits everything.</summary>
    public static bool IsAllowed(ICollection<string> allowed, string name, string contentType)
    {
        if (allowed.Count == 0)
        {
            return true;
        }

        var extension = Path.GetExtension(name).ToLowerInvariant();
        var type = contentType.Split(';')[0].Trim().ToLowerInvariant();
        return allowed.Any(a => string.Equals(a, extension, StringComparison.OrdinalIgnoreCase) || string.Equals(a, type, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>UTF-8 without NULs; a sequence cut off by the end of the sample is fine.</summary>
    private static bool IsText(ReadOnlySpan<byte> head)
    {
        if (head.Contains((byte)0))
        {
            return false;
        }

        for (var cut = 0; cut < 4 && cut <= head.Length; cut++)
        {
            if (System.Text.Unicode.Utf8.IsValid(head[..^cut]))
            {
                return true;
            }
        }

        return false;
    }
}
