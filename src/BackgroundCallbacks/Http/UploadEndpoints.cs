using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Http;

/// <summary>
/// The upload door: a file's bytes stream from the request body into the upload store, hashed and checked on the way
/// (size, type, signature), and the caller gets a reference bound to it. Nothing is kept when a check fails.
/// </summary>
internal sealed class UploadEndpoints(ServerSideValues values, OwnerResolver owners, UploadGate gate, IOptions<BackgroundCallbacksOptions> options, ILogger<UploadEndpoints> logger)
{
    private const int MaxNameLength = 255;

    private readonly BackgroundCallbacksOptions _options = options.Value;

    public Task UploadAsync(HttpContext context) => CallbackEndpoints.GuardAsync(context, logger, UploadCoreAsync);

    public Task FindAsync(HttpContext context) => CallbackEndpoints.GuardAsync(context, logger, FindCoreAsync);

    private async Task UploadCoreAsync(HttpContext context)
    {
        var request = context.Request;

        // A page of another site may post a form here with the user's cookies; it cannot read the answer, but it could
        // fill the user's store. Browsers say where a request comes from; other clients send no such header.
        if (request.Headers["Sec-Fetch-Site"] is [var site] && site == "cross-site")
        {
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Cross-site upload", "Uploads are taken from the application's own pages only.").ConfigureAwait(false);
            return;
        }

        var name = request.Query["name"] is [var n] ? n : null;
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid upload", $"'name' must be the file's name, 1 to {MaxNameLength} characters without control characters.").ConfigureAwait(false);
            return;
        }

        long? lastModified = null;
        if (request.Query["lastModified"] is [var modified])
        {
            if (!long.TryParse(modified, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid upload", "'lastModified' must be milliseconds since 1970.").ConfigureAwait(false);
                return;
            }

            lastModified = parsed;
        }

        var claimed = request.Query["sha256"] is [var hash] ? hash : null;
        if (claimed is not null && !IsSha256(claimed))
        {
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid upload", "'sha256' must be 64 lowercase hex digits.").ConfigureAwait(false);
            return;
        }

        var contentType = string.IsNullOrWhiteSpace(request.ContentType) ? "application/octet-stream" : request.ContentType;
        if (!FileSignatures.IsAllowed(_options.AllowedUploadTypes, name, contentType))
        {
            await Problems.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "File type not allowed",
                $"'{name}' ({contentType}) is not among the allowed upload types: {string.Join(", ", _options.AllowedUploadTypes)}.").ConfigureAwait(false);
            return;
        }

        var limit = _options.MaxUploadSize;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } server && (server.MaxRequestBodySize is null || server.MaxRequestBodySize < limit))
        {
            // The upload's own limit applies, not the server's smaller default for ordinary bodies.
            server.MaxRequestBodySize = limit;
        }

        if (request.ContentLength > limit)
        {
            await TooLargeAsync(context, limit).ConfigureAwait(false);
            return;
        }

        var owner = owners.Resolve(context);
        if (!gate.TryEnter(owner.Id, _options.MaxConcurrentUploadsPerOwner))
        {
            context.Response.Headers.RetryAfter = "1";
            await Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many uploads",
                $"At most {_options.MaxConcurrentUploadsPerOwner} uploads may be in flight at once; wait for one to finish.").ConfigureAwait(false);
            return;
        }

        try
        {
            var (reference, file) = await values.WriteFileAsync(_options.UploadStore, owner.Id,
                (destination, token) => CopyAsync(request.Body, destination, name, contentType, lastModified, claimed, limit, token), context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = StatusCodes.Status201Created;
            await WriteDescriptorAsync(context, reference, file).ConfigureAwait(false);
        }
        catch (UploadRejectedException e)
        {
            Log.UploadRejected(logger, e.Message);
            if (e.Status == StatusCodes.Status413PayloadTooLarge)
            {
                await TooLargeAsync(context, limit).ConfigureAwait(false);
                return;
            }

            await Problems.WriteAsync(context, e.Status, e.Title, e.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-upload: the store kept nothing, and there is nobody to answer.
        }
        catch (BadHttpRequestException e)
        {
            await Problems.WriteAsync(context, e.StatusCode, "Unreadable body", "The upload's body could not be read.").ConfigureAwait(false);
        }
        catch (ValueTooLargeException e)
        {
            await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Upload too large", e.Message).ConfigureAwait(false);
        }
        finally
        {
            gate.Leave(owner.Id);
        }
    }

    private async Task FindCoreAsync(HttpContext context)
    {
        var sha256 = context.Request.RouteValues["sha256"] as string ?? string.Empty;
        var owner = owners.Resolve(context);
        var found = IsSha256(sha256) ? await values.FindFileAsync(_options.UploadStore, owner.Id, sha256, context.RequestAborted).ConfigureAwait(false) : null;
        if (found is not { } file)
        {
            await Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Upload not found", "This caller has no stored file with this content; upload it.").ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        await WriteDescriptorAsync(context, file.Reference, file.File).ConfigureAwait(false);
    }

    /// <summary>Copies the body while hashing it, counting it against the limit and checking its first bytes.</summary>
    private static async Task<StoredFile> CopyAsync(
        Stream body, Stream destination, string name, string contentType, long? lastModified, string? claimed, long limit, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var head = new byte[FileSignatures.SampleSize];
        var headLength = 0;
        var checkedHead = false;
        long length = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > limit)
                {
                    throw new UploadRejectedException(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"'{name}' is larger than {limit} bytes.");
                }

                if (!checkedHead)
                {
                    var take = Math.Min(read, head.Length - headLength);
                    buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                    headLength += take;
                    if (headLength == head.Length)
                    {
                        CheckHead(name, contentType, head);
                        checkedHead = true;
                    }
                }

                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (!checkedHead)
        {
            CheckHead(name, contentType, head.AsSpan(0, headLength));
        }

        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (claimed is not null && claimed != sha256)
        {
            throw new UploadRejectedException(StatusCodes.Status400BadRequest, "Invalid upload", $"The bytes of '{name}' do not have the SHA-256 the request named.");
        }

        return new StoredFile(name, contentType, length, lastModified, sha256, Content: string.Empty);
    }

    private static void CheckHead(string name, string contentType, ReadOnlySpan<byte> head)
    {
        if (FileSignatures.Contradiction(name, contentType, head) is { } why)
        {
            throw new UploadRejectedException(StatusCodes.Status415UnsupportedMediaType, "File contents do not match", why);
        }
    }

    private static bool IsSha256(string value) => value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static Task TooLargeAsync(HttpContext context, long limit)
    {
        ResponseBodies.CloseConnectionAfter(context);

        return Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Upload too large", $"An upload may be at most {limit} bytes.",
            new Dictionary<string, object?> { ["limit"] = limit });
    }

    private static async Task WriteDescriptorAsync(HttpContext context, string reference, StoredFile file)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("reference", reference);
            writer.WriteString("name", file.Name);
            writer.WriteString("contentType", file.ContentType);
            writer.WriteNumber("length", file.Length);
            if (file.LastModified is { } modified)
            {
                writer.WriteNumber("lastModified", modified);
            }

            writer.WriteString("sha256", file.Sha256);
            writer.WriteEndObject();
        }

        await ResponseBodies.WriteAsync(context, buffer.WrittenMemory).ConfigureAwait(false);
    }

    private sealed class UploadRejectedException(int status, string title, string message) : Exception(message)
    {
        public int Status { get; } = status;

        public string Title { get; } = title;
    }
}
