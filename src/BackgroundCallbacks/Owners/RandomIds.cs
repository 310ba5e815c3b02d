using System.Buffers.Text;
using System.Security.Cryptography;

namespace BackgroundCallbacks.Owners;

/// <summary>The one source of unguessable ids: 128 random bits from the OS generator, base64url without padding.</summary>
internal static class RandomIds
{
    public const int Length = 22;

    public static string New()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }

    public static bool IsWellFormed(string? value)
    {
        if (value is null || value.Length != Length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
