using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Protocol;

/// <summary>
/// Reads an invocation body: checks its media type and size, parses the JSON, checks it against the callback's
/// declaration and binds each value to its handler parameter's type, so a bad request is refused here with a 4xx
/// instead of failing in a worker.
/// </summary>
internal static class InvocationRequestReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static async Task<(InvocationRequest Request, JsonDocument Document)> ReadAsync(
        HttpContext context, CallbackDefinition callback, long maxBodySize, JsonSerializerOptions json)
    {
        var request = context.Request;
        if (!IsJson(request.ContentType))
        {
            throw new ProtocolException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "An invocation must be sent as application/json.");
        }

        if (request.ContentLength > maxBodySize)
        {
            throw TooLarge(maxBodySize);
        }

        var body = await ReadBodyAsync(request.BodyReader, maxBodySize, context.RequestAborted).ConfigureAwait(false);
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
            return (Validate(document.RootElement, callback, json), document);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    private static InvocationRequest Validate(JsonElement root, CallbackDefinition callback, JsonSerializerOptions json)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw BadRequest("The body must be a JSON object with 'inputs', 'state' and 'triggered'.");
        }

        var inputs = Values(root, "inputs", callback.Arguments.Where(a => !a.IsState).ToList());
        var state = Values(root, "state", callback.Arguments.Where(a => a.IsState).ToList());
        var arguments = inputs.Concat(state).ToArray();

        var triggered = new List<string>();
        if (root.TryGetProperty("triggered", out var triggeredElement) && triggeredElement.ValueKind != JsonValueKind.Null)
        {
            if (triggeredElement.ValueKind != JsonValueKind.Array)
            {
                throw BadRequest("'triggered' must be an array of \"componentId.property\" strings.");
            }

            var inputKeys = callback.Arguments.Where(a => !a.IsState).Select(a => a.Dependency.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var item in triggeredElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String || !inputKeys.Contains(item.GetString()!))
                {
                    throw BadRequest($"'triggered' names {item.GetRawText()}, which is not an input of this callback.");
                }

                triggered.Add(item.GetString()!);
            }
        }

        try
        {
            ArgumentBinder.Bind(callback, arguments, json);
        }
        catch (ArgumentBindingException e)
        {
            throw BadRequest(e.Message);
        }

        return new InvocationRequest(arguments, triggered.Distinct(StringComparer.Ordinal).ToArray());
    }

    private static List<JsonElement> Values(JsonElement root, string name, List<ArgumentSpec> expected)
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

            if (!IdMatches(id, spec.ComponentId) || property.GetString() != spec.Property)
            {
                throw BadRequest($"'{name}[{index - 1}]' must be {spec}.");
            }

            values.Add(item.TryGetProperty("value", out var value) ? value : default);
        }

        return values;
    }

    private static bool IdMatches(JsonElement id, string declared) => id.ValueKind switch
    {
        JsonValueKind.String => id.GetString() == declared,
        _ => false,
    };

    private static bool IsJson(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<byte[]> ReadBodyAsync(PipeReader reader, long maxBodySize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (result.Buffer.Length > maxBodySize)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                throw TooLarge(maxBodySize);
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

    private static ProtocolException BadRequest(string detail) =>
        new(StatusCodes.Status400BadRequest, "Invalid invocation", detail);

    private static ProtocolException TooLarge(long maxBodySize) =>
        new(StatusCodes.Status413PayloadTooLarge, "Invocation too large", $"An invocation body may be at most {maxBodySize} bytes.");
}
