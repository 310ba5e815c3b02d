using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace BackgroundCallbacks.Client.Transport;

/// <summary>
/// Sends the protocol's requests: resolves paths under the prefix, keeps this client's cookies, and waits out a
/// 503, 429 or 409 that carries <c>Retry-After</c>.
/// </summary>
/// <remarks>
/// The cookie jar is the client's own, not the handler's: <c>IHttpClientFactory</c> pools handlers across every
/// client it makes, so a jar there would put all of them in one session (and rotate it with the handler). Without a
/// jar (null), cookies are left to the handler.
/// </remarks>
internal sealed class ProtocolConnection(HttpClient http, BackgroundCallbacksClientOptions options, TimeProvider time, CookieContainer? cookies)
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public BackgroundCallbacksClientOptions Options => options;

    public TimeProvider Time => time;

    public Uri UriOf(string pathAndQuery)
    {
        var baseAddress = options.BaseAddress ?? http.BaseAddress
            ?? throw new InvalidOperationException("The BackgroundCallbacks client has no base address: set BackgroundCallbacksClientOptions.BaseAddress or the HttpClient's BaseAddress.");
        if (!baseAddress.AbsolutePath.EndsWith('/'))
        {
            // Without the slash, a relative path would replace the app's path base instead of going under it.
            baseAddress = new Uri(baseAddress.GetLeftPart(UriPartial.Path) + "/");
        }

        var prefix = options.Prefix.Trim('/');
        return new Uri(baseAddress, (prefix.Length == 0 ? "" : prefix + "/") + pathAndQuery);
    }

    /// <summary>Sends one request with this client's cookies, and keeps the cookies its answer sets.</summary>
    public async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        if (!request.RequestUri!.IsAbsoluteUri)
        {
            request.RequestUri = new Uri(http.BaseAddress!, request.RequestUri);
        }

        if (cookies is null)
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }

        AddCookies(cookies, request);
        var response = await http.SendAsync(request, completion, cancellationToken);
        KeepCookies(cookies, request.RequestUri, response);
        return response;
    }

    /// <summary>Puts the jar's cookies for the request's address on it, in place of any it had.</summary>
    private static void AddCookies(CookieContainer cookies, HttpRequestMessage request)
    {
        request.Headers.Remove("Cookie");
        var header = cookies.GetCookieHeader(request.RequestUri!);
        if (header.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Cookie", header);
        }
    }

    /// <summary>Keeps the cookies an answer sets.</summary>
    private static void KeepCookies(CookieContainer cookies, Uri uri, HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var setCookies))
        {
            return;
        }

        foreach (var setCookie in setCookies)
        {
            try
            {
                cookies.SetCookies(uri, setCookie);
            }
            catch (CookieException)
            {
                // A cookie the jar cannot hold is not the protocol's: the session cookie always fits.
            }
        }
    }

    /// <summary>Sends a request made by <paramref name="create"/>, again after each answer that asks to retry later, within the bounds of the options.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = create();
            var response = await SendOnceAsync(request, completion, cancellationToken);
            if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict)
                || RetryAfterOf(response) is not { } delay
                || attempt >= options.MaxRetries
                || delay > options.MaxRetryDelay)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(delay, time, cancellationToken);
        }
    }

    /// <summary>The answer's JSON body when it succeeded; else a <see cref="CallbackProblemException"/>.</summary>
    public async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await ReadJsonAsync(response, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new CallbackProblemException(response.StatusCode, body.ValueKind == JsonValueKind.Object ? body : EmptyObject, RetryAfterOf(response));
        }

        return body;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (bytes.Length == 0)
        {
            return EmptyObject;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException) when (!response.IsSuccessStatusCode)
        {
            // A proxy's HTML error page: the status code is all there is to tell.
            return EmptyObject;
        }
    }

    public TimeSpan? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
        _ => null,
    };

    public static MediaTypeHeaderValue JsonContentType { get; } = new("application/json") { CharSet = "utf-8" };
}
