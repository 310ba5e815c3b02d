using System.Buffers;
using System.IO.Pipelines;
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

    /// <summary>The longest page URL accepted (what browsers and proxies commonly allow).</summary>
    public const int MaxUrlLength = 8192;

    // ValueTasks: the body is usually in the server's buffer already, and then no Task is made for the answer.
    public static async ValueTask<(InvocationRequest Request, string? Page, JsonDocument Document)> ReadAsync(
        HttpContext context, CallbackDefinition callback, BackgroundCallbacksOptions options)
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

        byte[] body;
        try
        {
            body = await ReadBodyAsync(request.BodyReader, maxBodySize, context.RequestAborted).ConfigureAwait(false)
                ?? throw BodyTooLarge(context, maxBodySize);
        }
        catch (BadHttpRequestException e)
        {
            // The server refused the body (over its own limit, broken chunked framing, too slow): answered as the
            // protocol's error, not as a failure of ours.
            throw e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? BodyTooLarge(context, maxBodySize)
                : new ProtocolException(e.StatusCode, "Unreadable body", "The request body could not be read.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw BadRequest($"The body is not valid JSON: {e.Message}");
        }

        try
        {
            var root = document.RootElement;
            var invocation = Validate(root, callback, options) with { RequestValues = RequestValueReader.Read(context, callback, Url(root)) };
            return (invocation, Page(root), document);
        }
        catch
        {
            document.Dispose();
            throw;
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

    private static InvocationRequest Validate(JsonElement root, CallbackDefinition callback, BackgroundCallbacksOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw BadRequest("The body must be a JSON object with 'inputs', 'state' and 'triggered'.");
        }

        var matches = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var ids = new List<JsonElement>();
        var inputs = Values(root, "inputs", callback.InputArguments, matches, ids);
        var state = Values(root, "state", callback.StateArguments, matches, ids);
        var arguments = new JsonElement[inputs.Count + state.Count];
        inputs.CopyTo(arguments);
        state.CopyTo(arguments, inputs.Count);
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

        var triggered = new List<string>();
        if (root.TryGetProperty("triggered", out var triggeredElement) && triggeredElement.ValueKind != JsonValueKind.Null)
        {
            if (triggeredElement.ValueKind != JsonValueKind.Array)
            {
                throw BadRequest("'triggered' must be an array of \"componentId.property\" strings.");
            }

            foreach (var item in triggeredElement.EnumerateArray())
            {
                var key = item.ValueKind == JsonValueKind.String ? TriggeredKey(item.GetString()!, callback, matches) : null;
                triggered.Add(key ?? throw BadRequest($"'triggered' names {item.GetRawText()}, which is not an input of this callback (a pattern input is named by a component it matches, with this invocation's MATCH values)."));
            }
        }

        try
        {
            ArgumentBinder.Bind(callback.ArgumentTargets, arguments, options.SerializerOptions, ids);
        }
        catch (ArgumentBindingException e)
        {
            throw BadRequest(e.Message);
        }

        return new InvocationRequest(arguments, triggered.Distinct(StringComparer.Ordinal).ToArray(), matches.Count == 0 ? null : matches,
            ids.Any(i => i.ValueKind == JsonValueKind.Array) ? ids : null);
    }

    /// <summary>
    /// Finds the input a triggered name (<c>componentId.property</c>) stands for and returns it in one canonical form:
    /// for pattern inputs the id may be any component the pattern matches, with its keys in any order.
    /// </summary>
    private static string? TriggeredKey(string name, CallbackDefinition callback, Dictionary<string, JsonElement> matches)
    {
        var dot = name.LastIndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        var id = name[..dot];
        var property = name[(dot + 1)..];
        JsonElement concrete = default;
        var isObject = id[0] == '{' && ComponentPatterns.TryParse(id, out concrete);
        foreach (var argument in callback.Arguments)
        {
            var spec = argument.Dependency;
            if (argument.IsState || spec.Property != property)
            {
                continue;
            }

            if (!isObject)
            {
                if (spec.ComponentId == id)
                {
                    return name;
                }
            }
            else if (ComponentPatterns.TryParse(spec.ComponentId, out var declared) && ComponentPatterns.Fits(concrete, declared)
                && (spec.Kind != PatternKind.Match || ComponentPatterns.AgreesWith(concrete, declared, matches)))
            {
                return (spec.Kind == PatternKind.All ? JsonSerializer.Serialize(concrete) : ComponentPatterns.Resolve(spec, matches)) + "." + property;
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

    private static List<JsonElement> Values(JsonElement root, string name, IReadOnlyList<ArgumentSpec> expected, Dictionary<string, JsonElement> matches, List<JsonElement> ids)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            if (expected.Count == 0)
            {
                return [];
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

        var values = new List<JsonElement>(length);
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

            if (!ComponentPatterns.Matches(id, spec, matches) || property.GetString() != spec.Property)
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

            ids.Add(spec.Kind == PatternKind.All ? CheckIds(item, value.GetArrayLength(), spec, $"{name}[{index - 1}]") : default);

            values.Add(value);
        }

        return values;
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

    /// <summary>The whole body, or null as soon as it is known to be larger than <paramref name="maxBodySize"/>.</summary>
    private static async ValueTask<byte[]?> ReadBodyAsync(PipeReader reader, long maxBodySize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length > maxBodySize)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                return null;
            }

            if (result.IsCompleted)
            {
                var body = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return body;
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
