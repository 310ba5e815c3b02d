using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using BackgroundCallbacks.Owners;

namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>
/// Whom a tool call's jobs belong to: the authenticated user, as on the HTTP door, so an agent signed in as a user
/// shares that user's results; else the MCP session the SDK keeps, which is its own owner and lives in one process.
/// </summary>
internal static class McpOwners
{
    public static Owner? Of(ClaimsPrincipal? user, string? sessionId)
    {
        if (OwnerResolver.UserId(user) is { } userId)
        {
            return new Owner("u:" + userId, userId, null);
        }

        if (string.IsNullOrEmpty(sessionId))
        {
            return null;
        }

        // Stores keep a digest, never the session id: whoever reads a store cannot take over the session.
        return new Owner("m:" + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(sessionId))), null, null);
    }
}
