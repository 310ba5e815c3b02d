using System.Security.Cryptography;
using System.Text;

namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>
/// A tool's name, made from its callback id alone, so it is the same in every process and after every restart. An id
/// that already fits MCP's rules (letters, digits, '_', '-', '.', at most <see cref="MaxLength"/>) is the name; any
/// other gets its characters replaced and a digest of the whole id appended, so two ids never share a name.
/// </summary>
internal static class ToolNames
{
    /// <summary>Shorter than MCP's 128: some clients refuse longer names.</summary>
    public const int MaxLength = 64;

    private const int DigestLength = 8;

    public static string For(string callbackId)
    {
        // The built-in handle tools' names are taken: a callback with such an id gets the digest form instead.
        if (callbackId.Length is > 0 and <= MaxLength && callbackId.All(IsAllowed)
            && callbackId is not (Calls.HandleTools.ResultTool or Calls.HandleTools.CancelTool))
        {
            return callbackId;
        }

        var safe = new string(callbackId.Select(c => IsAllowed(c) ? c : '_').ToArray());
        var keep = MaxLength - DigestLength - 1;
        if (safe.Length > keep)
        {
            safe = safe[..keep];
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(callbackId)))[..DigestLength];
        return safe + "_" + digest;
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.';
}
