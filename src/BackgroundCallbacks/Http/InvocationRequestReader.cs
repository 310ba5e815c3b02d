using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BackgroundCallbacks.Http;

/// <summary>
/// Reads an invocation body: checks its media type and size, parses the JSON, checks it against the callback's
/// declaration and binds each value to its handler parameter's type, so a bad request is refused here with a 4xx
/// instead of failing in a worker.
/// </summary>
internal static class InvocationRequestReader
{
    // A duplicate property name is refused wherever it is: which of the two a reader takes is not part of JSON, so two
    // readers (this one, a proxy, a log) could disagree on what the request said.
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>The longest page id accepted.</summary>
    public const int MaxPageLength = 64;

    /// <summary>Up to this many distinct triggered inputs, a duplicate is found by comparing with each.</summary>
    private const int LinearDistinct = 8;

    /// <summary>The longest page URL accepted (what browsers and proxies commonly allow).</summary>
    public const int MaxUrlLength = 8192;

    // ValueTasks: the body is usually in the server's buffer already, and then no Task is made for the answer; pooled
    // state machines when it is not.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<InvocationBody> ReadAsync(
        HttpContext context, CallbackDefinition callback, BackgroundCallbacksOptions options, string? idempotencyKey)
    {
        var request = context.Request;
        if (!JsonMediaType.IsInvocation(request.ContentType))
        {
            throw new ProtocolException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "An invocation must be sent as application/json (UTF-8), with well-formed parameters if any.");
        }

        var maxBodySize = LimitBody(context, options.MaxRequestBodySize);
        if (request.ContentLength > maxBodySize)
        {
            throw BodyTooLarge(context, maxBodySize);
        }

        (byte[]? Rented, int Length) body;
        try
        {
            body = await ReadBodyAsync(request.BodyReader, maxBodySize, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // The server refused the body (over its own limit, broken chunked framing, too slow): answered as the
            // protocol's error, not as a failure of ours.
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? BodyTooLarge(context, maxBodySize)
                : new ProtocolException(e.StatusCode, "Unreadable body", "The request body could not be read.");
        }

        var rented = body.Rented ?? throw BodyTooLarge(context, maxBodySize);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(rented.AsMemory(0, body.Length), DocumentOptions);
        }
        catch (JsonException e)
        {
            Return(rented);
            throw BadRequest($"The body is not valid JSON: {e.Message}");
        }

        try
        {
            var root = document.RootElement;
            return new InvocationBody(Validate(context, root, callback, options, idempotencyKey), Page(root), document, rented);
        }
        catch
        {
            document.Dispose();
            Return(rented);
            throw;
        }
    }

    /// <summary>Gives back a body's bytes once nothing reads them any more.</summary>
    internal static void Return(byte[] rented)
    {
        if (rented.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Makes the server hold the body to the same limit, so an oversized body the reader stops at is not read to its end
    /// afterwards (the server drains what the app left unread). A stricter limit the app set stays; the limit in force
    /// is returned.
    /// </summary>
    private static long LimitBody(HttpContext context, long maxBodySize)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { } server)
        {
            return maxBodySize;
        }

        if (!server.IsReadOnly && (server.MaxRequestBodySize is null || server.MaxRequestBodySize > maxBodySize))
        {
            server.MaxRequestBodySize = maxBodySize;
        }

        return Math.Min(maxBodySize, server.MaxRequestBodySize ?? long.MaxValue);
    }

    /// <summary>
    /// The invocation, made once: its parts are gathered in arrays of their final size, and the dictionary of MATCH
    /// values and the list of ALL ids only when the callback has such patterns (a cache hit's every allocation counts).
    /// </summary>
    private static InvocationRequest Validate(HttpContext context, JsonElement root, CallbackDefinition callback, BackgroundCallbacksOptions options, string? idempotencyKey)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw BadRequest("The body must be a JSON object with 'inputs', 'state' and 'triggered'.");
        }

        Dictionary<string, JsonElement>? matches = null;
        JsonElement[]? ids = null;
        var arguments = callback.Arguments.Count == 0 ? [] : new JsonElement[callback.Arguments.Count];
        Values(root, "inputs", callback.InputArguments, ref matches, ref ids, arguments, 0);
        Values(root, "state", callback.StateArguments, ref matches, ref ids, arguments, callback.InputArguments.Count);
        for (var i = 0; i < arguments.Length; i++)
        {
            // Measured as sent, before binding: a value too large to keep is refused before it costs more.
            var size = arguments[i].ValueKind == JsonValueKind.Undefined ? 0 : JsonMarshal.GetRawUtf8Value(arguments[i]).Length;
            if (size > options.MaxArgumentSize)
            {
                throw new ProtocolException(StatusCodes.Status413PayloadTooLarge, "Argument too large",
                    $"The value of {callback.ArgumentTargets[i].Description} is {size} bytes of JSON; an argument may be at most {options.MaxArgumentSize}.");
            }
        }

        var triggered = Triggered(root, callback, matches);
        try
        {
            ArgumentBinder.Bind(callback.ArgumentTargets, arguments, options.SerializerOptions, ids);
        }
        catch (ArgumentBindingException e)
        {
            throw BadRequest(e.Message);
        }

        // Read after the body's own checks, so a request wrong in both is told about its body first.
        var requestValues = RequestValueReader.Read(context, callback, Url(root));
        return new InvocationRequest(arguments, triggered, matches, ids, requestValues) { IdempotencyKey = idempotencyKey };
    }

    /// <summary>The triggered inputs in their canonical form, each once, in the order first sent.</summary>
    private static string[] Triggered(JsonElement root, CallbackDefinition callback, Dictionary<string, JsonElement>? matches)
    {
        if (!root.TryGetProperty("triggered", out var triggeredElement) || triggeredElement.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (triggeredElement.ValueKind != JsonValueKind.Array)
        {
            throw BadRequest("'triggered' must be an array of \"componentId.property\" strings.");
        }

        var length = triggeredElement.GetArrayLength();
        if (length == 0)
        {
            return [];
        }

        var triggered = new string[length];
        var count = 0;
        HashSet<string>? seen = null;
        foreach (var item in triggeredElement.EnumerateArray())
        {
            var key = item.ValueKind != JsonValueKind.String ? null : DeclaredKey(item, callback) ?? TriggeredKey(item.GetString()!, callback, matches);
            if (key is null)
            {
                throw BadRequest($"'triggered' names {item.GetRawText()}, which is not an input of this callback (a pattern input is named by a component it matches, with this invocation's MATCH values).");
            }

            // A few keys (the common case) are compared with those kept so far; a set is made only for many, as the
            // concrete components of ALL patterns can be as many as the body holds.
            if (seen is null && count >= LinearDistinct)
            {
                seen = new HashSet<string>(new ArraySegment<string>(triggered, 0, count), StringComparer.Ordinal);
            }

            if (seen is null ? Array.IndexOf(triggered, key, 0, count) < 0 : seen.Add(key))
            {
                triggered[count++] = key;
            }
        }

        if (count < length)
        {
            Array.Resize(ref triggered, count);
        }

        return triggered;
    }

    /// <summary>
    /// The key of the plain input a triggered name is written exactly as, the common case, compared without reading the
    /// name into a string; null for anything else, which <see cref="TriggeredKey"/> decides. The answer is the one it
    /// would give: a plain id never starts with <c>{</c>, and a property with a dot could never be named (the name is
    /// split at its last dot).
    /// </summary>
    private static string? DeclaredKey(JsonElement name, CallbackDefinition callback)
    {
        var arguments = callback.Arguments;
        for (var i = 0; i < arguments.Count; i++)
        {
            var spec = arguments[i].Dependency;
            if (!arguments[i].IsState && spec.ComponentId[0] != '{' && !spec.Property.Contains('.') && name.ValueEquals(spec.Key))
            {
                return spec.Key;
            }
        }

        return null;
    }

    /// <summary>
    /// Finds the input a triggered name (<c>componentId.property</c>) stands for and returns it in one canonical form:
    /// for pattern inputs the id may be any component the pattern matches, with its keys in any order.
    /// </summary>
    private static string? TriggeredKey(string name, CallbackDefinition callback, Dictionary<string, JsonElement>? matches)
    {
        var dot = name.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        // Compared as spans: a plain id, the common case, is answered with the name as sent and no string of its own.
        var id = name.AsSpan(0, dot);
        var property = name.AsSpan(dot + 1);
        JsonElement concrete = default;
        var isObject = id[0] == '{' && ComponentPatterns.TryParse(name[..dot], out concrete);
        var arguments = callback.Arguments;
        for (var i = 0; i < arguments.Count; i++)
        {
            var argument = arguments[i];
            var spec = argument.Dependency;
            if (argument.IsState || !property.SequenceEqual(spec.Property))
            {
                continue;
            }

            if (!isObject)
            {
                if (id.SequenceEqual(spec.ComponentId))
                {
                    return name;
                }
            }
            else if (ComponentPatterns.TryParse(spec.ComponentId, out var declared) && ComponentPatterns.Fits(concrete, declared)
                && (spec.Kind != PatternKind.Match || (matches is not null && ComponentPatterns.AgreesWith(concrete, declared, matches))))
            {
                return string.Concat(spec.Kind == PatternKind.All ? JsonSerializer.Serialize(concrete) : ComponentPatterns.Resolve(spec, matches), ".", property);
            }
        }

        return null;
    }

    /// <summary>The optional page id: which tab sent the invocation, so it supersedes only that tab's previous one.</summary>
    private static string? Page(JsonElement root)
    {
        if (!root.TryGetProperty("page", out var page) || page.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var value = page.ValueKind == JsonValueKind.String ? page.GetString() : null;
        if (value is not { Length: > 0 and <= MaxPageLength } || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw BadRequest($"'page' must be a string of 1 to {MaxPageLength} letters, digits, '-' or '_'.");
        }

        return value;
    }

    /// <summary>
    /// The optional URL of the page the user is on, which the browser client sends with each invocation; validated
    /// whether or not the callback binds it, so a client learns the rule once.
    /// </summary>
    private static string? Url(JsonElement root)
    {
        if (!root.TryGetProperty("url", out var url) || url.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var value = url.ValueKind == JsonValueKind.String ? url.GetString() : null;
        if (value is not { Length: > 0 and <= MaxUrlLength } || !Uri.TryCreate(value, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            throw BadRequest($"'url' must be an absolute http or https URL of at most {MaxUrlLength} characters.");
        }

        return value;
    }

    /// <summary>Checks one of the body's arrays of values and puts its values into <paramref name="arguments"/> from <paramref name="offset"/> on.</summary>
    private static void Values(
        JsonElement root, string name, IReadOnlyList<ArgumentSpec> expected, ref Dictionary<string, JsonElement>? matches, ref JsonElement[]? ids, JsonElement[] arguments, int offset)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            if (expected.Count == 0)
            {
                return;
            }

            throw BadRequest($"'{name}' is missing; this callback takes {expected.Count}.");
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw BadRequest($"'{name}' must be an array of {{\"id\", \"property\", \"value\"}} objects.");
        }

        var length = array.GetArrayLength();
        if (length != expected.Count)
        {
            throw BadRequest($"'{name}' has {length} values; this callback takes {expected.Count}.");
        }

        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var spec = expected[index++].Dependency;
            if (item.ValueKind != JsonValueKind.Object
                || !item.TryGetProperty("id", out var id)
                || !item.TryGetProperty("property", out var property)
                || property.ValueKind != JsonValueKind.String)
            {
                throw BadRequest($"'{name}[{index - 1}]' must be an object with 'id', 'property' and 'value'.");
            }

            if (!ComponentPatterns.Matches(id, spec, ref matches) || !property.ValueEquals(spec.Property))
            {
                throw BadRequest(spec.Kind == PatternKind.Match
                    ? $"'{name}[{index - 1}]' must be a component matching {spec}, with the same MATCH values as the other entries."
                    : $"'{name}[{index - 1}]' must be {spec}.");
            }

            var value = item.TryGetProperty("value", out var found) ? found : default;
            if (spec.Kind == PatternKind.All && value.ValueKind != JsonValueKind.Array)
            {
                throw BadRequest($"'{name}[{index - 1}]' is an ALL pattern, so its value must be an array of the matching components' values.");
            }

            if (spec.Kind == PatternKind.All && CheckIds(item, value.GetArrayLength(), spec, $"{name}[{index - 1}]") is { ValueKind: JsonValueKind.Array } sent)
            {
                // One item per argument, undefined but for the ALL entries that came with ids; none when no entry did.
                (ids ??= new JsonElement[arguments.Length])[offset + index - 1] = sent;
            }

            arguments[offset + index - 1] = value;
        }
    }

    /// <summary>
    /// The optional concrete ids of an ALL entry: one per value, in the same order, each a component of the pattern;
    /// undefined when there are none.
    /// </summary>
    private static JsonElement CheckIds(JsonElement item, int count, DependencySpec spec, string entry)
    {
        if (!item.TryGetProperty("ids", out var ids) || ids.ValueKind == JsonValueKind.Null)
        {
            return default;
        }

        if (ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() != count)
        {
            throw BadRequest($"'{entry}.ids' must be an array of {count} component ids, one per value, in the same order.");
        }

        // A declared pattern always parses: the registry checked it at startup.
        var pattern = ComponentPatterns.TryParse(spec.ComponentId, out var parsed) ? parsed : default;
        var position = 0;
        foreach (var id in ids.EnumerateArray())
        {
            if (!ComponentPatterns.Fits(id, pattern))
            {
                throw BadRequest($"'{entry}.ids[{position}]' is not a component matching {spec}.");
            }

            position++;
        }

        return ids;
    }

    /// <summary>
    /// The whole body in a pooled array (a body the size of the invocation's values is not one more allocation per
    /// request), or no array as soon as it is known to be larger than <paramref name="maxBodySize"/>.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(byte[]? Rented, int Length)> ReadBodyAsync(PipeReader reader, long maxBodySize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length > maxBodySize)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                return (null, 0);
            }

            if (result.IsCompleted)
            {
                var length = (int)result.Buffer.Length;
                var body = length == 0 ? [] : ArrayPool<byte>.Shared.Rent(length);
                result.Buffer.CopyTo(body);
                reader.AdvanceTo(result.Buffer.End);
                return (body, length);
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>
    /// The rest of an oversized body is never read, so its connection cannot carry another request: the answer says it
    /// closes (HTTP/1.x), or a client would send its next request on a connection the server is about to drop.
    /// </summary>
    private static ProtocolException BodyTooLarge(HttpContext context, long maxBodySize)
    {
        ResponseBodies.CloseConnectionAfter(context);

        return new(StatusCodes.Status413PayloadTooLarge, "Invocation too large", $"An invocation body may be at most {maxBodySize} bytes.");
    }

    private static ProtocolException BadRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, "Invalid invocation", detail);
}
