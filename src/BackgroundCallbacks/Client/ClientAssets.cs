using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace BackgroundCallbacks.Client;

/// <summary>
/// Serves the browser client and its TypeScript declarations from the assembly's embedded resources. A URL that
/// carries the library's version (<c>client.js?v=0.1.0</c>) is cached for a year as immutable; any other is
/// revalidated with its ETag, so a plain <c>client.js</c> in static HTML is always current. The script is also embedded
/// Brotli- and gzip-compressed (made at build time); each encoding is its own representation with its own ETag.
/// </summary>
internal sealed class ClientAssets
{
    private static readonly Lazy<ClientAssets> Loaded = new(() => new ClientAssets());

    private readonly (byte[] Bytes, string ETag) _script;
    private readonly (byte[] Bytes, string ETag) _scriptBrotli;
    private readonly (byte[] Bytes, string ETag) _scriptGzip;
    private readonly (byte[] Bytes, string ETag) _declarations;

    private ClientAssets()
    {
        var assembly = typeof(ClientAssets).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString(3)
            ?? "0.0.0";
        Version = informational.Split('+', 2)[0];
        _script = Read(assembly, "BackgroundCallbacks.Client.client.js");
        _scriptBrotli = Read(assembly, "BackgroundCallbacks.Client.client.js.br");
        _scriptGzip = Read(assembly, "BackgroundCallbacks.Client.client.js.gz");
        _declarations = Read(assembly, "BackgroundCallbacks.Client.client.d.ts");
    }

    public static ClientAssets Shared => Loaded.Value;

    /// <summary>Gets the version the client's long-cached URL carries.</summary>
    public string Version { get; }

    public Task ServeScriptAsync(HttpContext context)
    {
        // Every answer varies by Accept-Encoding, the identity one and 304s included, so a cache in between never
        // hands a compressed body to a client that did not ask for it.
        context.Response.Headers.Vary = HeaderNames.AcceptEncoding;
        var (asset, encoding) = PreferredEncoding(context.Request) switch
        {
            "br" => (_scriptBrotli, "br"),
            "gzip" => (_scriptGzip, "gzip"),
            _ => (_script, null),
        };
        return ServeAsync(context, asset, "text/javascript; charset=utf-8", encoding);
    }

    public Task ServeDeclarationsAsync(HttpContext context) =>
        ServeAsync(context, _declarations, "text/plain; charset=utf-8", encoding: null);

    /// <summary>
    /// The coding the request accepts with the highest quality, Brotli before gzip when equal; null for identity.
    /// A malformed header parses as no header, which means identity.
    /// </summary>
    private static string? PreferredEncoding(HttpRequest request)
    {
        var accepted = request.GetTypedHeaders().AcceptEncoding;
        if (accepted.Count == 0)
        {
            return null;
        }

        var brotli = Quality(accepted, "br");
        var gzip = Quality(accepted, "gzip");
        if (brotli <= 0 && gzip <= 0)
        {
            return null;
        }

        return brotli >= gzip ? "br" : "gzip";
    }

    private static double Quality(IList<StringWithQualityHeaderValue> accepted, string coding)
    {
        double? any = null;
        foreach (var value in accepted)
        {
            if (value.Value.Equals(coding, StringComparison.OrdinalIgnoreCase))
            {
                return value.Quality ?? 1;
            }

            if (value.Value.Equals("*", StringComparison.Ordinal))
            {
                any = value.Quality ?? 1;
            }
        }

        return any ?? 0;
    }

    private async Task ServeAsync(HttpContext context, (byte[] Bytes, string ETag) asset, string contentType, string? encoding)
    {
        var response = context.Response;
        var versioned = context.Request.Query["v"] is [var v] && string.Equals(v, Version, StringComparison.Ordinal);
        response.Headers.CacheControl = versioned ? "public, max-age=31536000, immutable" : "no-cache";
        response.Headers.ETag = asset.ETag;
        response.Headers.XContentTypeOptions = "nosniff";
        if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } tags
            && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(new EntityTagHeaderValue(asset.ETag), useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.ContentType = contentType;
        if (encoding is not null)
        {
            response.Headers.ContentEncoding = encoding;
        }

        response.ContentLength = asset.Bytes.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await response.Body.WriteAsync(asset.Bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static (byte[] Bytes, string ETag) Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from {assembly.GetName().Name}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var hash = Convert.ToBase64String(SHA256.HashData(bytes), 0, 12).Replace('+', '-').Replace('/', '_');
        return (bytes, $"\"{hash}\"");
    }
}
