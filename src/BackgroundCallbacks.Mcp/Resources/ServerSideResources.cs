using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Mcp.Diagnostics;
using BackgroundCallbacks.ServerSide;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Resources;

/// <summary>
/// <c>resources/read</c> of a server-side value: the whole value to its owner (anyone, for a shared callback's value),
/// streamed from its store without deserializing it. A value of another owner and one that never existed get the same
/// error, so a guesser learns nothing; only the owner is told that its value expired.
/// </summary>
internal sealed class ServerSideResources(ServerSideValues values, IOptions<McpCallbacksOptions> options, ILogger<ServerSideResources> logger)
{
    private const int Chunk = 64 * 1024;

    private const string MetaKey = "backgroundcallbacks";

    // The first protocol revision that reports an unknown resource as invalid params, as the SDK's own handler does.
    private const string InvalidParamsRevision = "2026-07-28";

    public static bool IsServerSide(string? uri) => uri?.StartsWith(ServerSideReference.Prefix, StringComparison.Ordinal) == true;

    /// <summary>Reads <paramref name="uri"/> for <paramref name="owner"/> (null: a caller without an owner, who may read nothing).</summary>
    /// <exception cref="McpProtocolException">Not found, expired, or larger than <see cref="McpCallbacksOptions.MaxResourceSize"/>.</exception>
    public async ValueTask<ReadResourceResult> ReadAsync(string? uri, string? owner, string? protocolVersion, CancellationToken cancellationToken)
    {
        var (state, format, payload) = uri is null || owner is null || !IsServerSide(uri)
            ? (ReferenceState.NotFound, string.Empty, null)
            : await values.OpenPayloadAsync(uri, owner, cancellationToken).ConfigureAwait(false);
        if (payload is null)
        {
            var expired = state == ReferenceState.Expired;
            Log.ResourceReadRefused(logger, expired ? "expired" : "not found");
            throw new McpProtocolException(
                expired ? "The server-side value has expired; call the tool that made it again." : "No server-side value has this URI.",
                NotFoundCode(protocolVersion));
        }

        await using (payload.ConfigureAwait(false))
        {
            var limit = Math.Min(options.Value.MaxResourceSize, Array.MaxLength);
            if (ValueFormats.TryGetRawElement(format, out var element, out var elementSize))
            {
                var count = await ValueFormats.ReadCountAsync(payload, cancellationToken).ConfigureAwait(false);
                var size = count * elementSize;
                if (size > limit)
                {
                    throw TooLarge(size.ToString(CultureInfo.InvariantCulture));
                }

                var elements = new byte[size];
                await payload.ReadExactlyAsync(elements, cancellationToken).ConfigureAwait(false);
                var blob = BlobResourceContents.FromBytes(elements, uri!, ValueFormats.BinaryMimeType);
                blob.Meta = new JsonObject { [MetaKey] = new JsonObject { ["elementType"] = element, ["length"] = count } };
                return new ReadResourceResult { Contents = [blob] };
            }

            using var bytes = await ReadAtMostAsync(payload, limit, cancellationToken).ConfigureAwait(false);
            ResourceContents contents = ValueFormats.IsJson(format)
                ? new TextResourceContents { Uri = uri!, MimeType = ValueFormats.JsonMimeType, Text = Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length) }
                : BlobResourceContents.FromBytes(bytes.GetBuffer().AsMemory(0, (int)bytes.Length), uri!, ValueFormats.BinaryMimeType);
            return new ReadResourceResult { Contents = [contents] };
        }
    }

    /// <summary>The payload's bytes, or the size error once they pass <paramref name="limit"/> (counted to the end, to name it).</summary>
    private async Task<MemoryStream> ReadAtMostAsync(Stream payload, long limit, CancellationToken cancellationToken)
    {
        var kept = new MemoryStream();
        var buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            long total = 0;
            int read;
            while ((read = await payload.ReadAsync(buffer.AsMemory(0, Chunk), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
                if (total <= limit)
                {
                    kept.Write(buffer, 0, read);
                }
            }

            if (total > limit)
            {
                await kept.DisposeAsync().ConfigureAwait(false);
                throw TooLarge(total.ToString(CultureInfo.InvariantCulture));
            }

            return kept;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private McpProtocolException TooLarge(string size)
    {
        Log.ResourceReadRefused(logger, "too large");
        return new McpProtocolException(
            $"The value is {size} bytes, more than the {options.Value.MaxResourceSize.ToString(CultureInfo.InvariantCulture)} bytes a resources/read returns (McpCallbacksOptions.MaxResourceSize).",
            McpErrorCode.InvalidRequest);
    }

    private static McpErrorCode NotFoundCode(string? protocolVersion) =>
        string.CompareOrdinal(protocolVersion, InvalidParamsRevision) >= 0 ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
}
