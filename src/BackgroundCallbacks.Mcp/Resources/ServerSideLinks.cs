using System.Globalization;
using System.Text.Json.Nodes;
using BackgroundCallbacks.ServerSide;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Resources;

/// <summary>
/// Turns a server-side output of a tool result into a resource link with a short preview, so a value of any size is
/// never inlined: the agent reads it whole with <c>resources/read</c>, as its owner. The link's URI is the reference
/// itself (<c>bcref:{store}:{id}</c>), which is already an absolute URI and names the value the same way everywhere.
/// </summary>
internal sealed class ServerSideLinks(ServerSideValues values)
{
    public async Task<ServerSideLink> LinkAsync(string name, string reference, string owner, CancellationToken cancellationToken)
    {
        var (state, format, payload) = await values.OpenPayloadAsync(reference, owner, cancellationToken).ConfigureAwait(false);
        string preview;
        string? mimeType = null;
        long? size = null;
        string? layout = null;
        if (payload is null)
        {
            // The call's own value gone already (evicted): the link is kept, and the agent is told.
            preview = state == ReferenceState.Expired ? "(the value has expired)" : "(the value is not available)";
        }
        else
        {
            await using (payload.ConfigureAwait(false))
            {
                (preview, size) = await ValuePreview.ReadAsync(format, payload, cancellationToken).ConfigureAwait(false);
            }

            mimeType = ValueFormats.MimeType(format);
            if (ValueFormats.TryGetRawElement(format, out _, out _))
            {
                layout = $" It is {preview}: the elements' bytes, little-endian.";
            }
        }

        var structured = new JsonObject { ["uri"] = reference, ["mimeType"] = mimeType, ["preview"] = preview };
        if (mimeType is null)
        {
            structured.Remove("mimeType");
        }

        if (size is { } known)
        {
            structured["size"] = known;
        }

        var block = new ResourceLinkBlock
        {
            Uri = reference,
            Name = name,
            MimeType = mimeType,
            Size = size,
            Description = $"The value of {name}, kept on the server; resources/read returns it whole to its owner." + layout,
        };
        var text = string.Create(CultureInfo.InvariantCulture, $"{name}: {preview} (kept on the server; read {reference} with resources/read)");
        return new ServerSideLink(block, structured, text);
    }
}
