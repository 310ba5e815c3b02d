using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Mcp.Tools;
using BackgroundCallbacks.Registry;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>
/// Tool results: the outputs as structured content (one property per output the handler updated) with a short text
/// form, or an error the agent can read. Where the answer came from is in <c>_meta</c>, never among the outputs.
/// </summary>
internal static class ToolResults
{
    /// <summary>The longest text form of one value; the structured content always has the whole value.</summary>
    private const int MaxTextValue = 500;

    public const string MetaKey = "backgroundcallbacks";

    public static CallToolResult Outputs(ToolDescription tool, string outputsJson, string source)
    {
        var structured = new JsonObject();
        var text = new StringBuilder();
        using (var document = JsonDocument.Parse(outputsJson))
        {
            var next = 0;
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                if (!entry.TryGetProperty("property", out var property) || !entry.TryGetProperty("value", out var value))
                {
                    continue;
                }

                // Entries come in declared order, outputs the handler did not update left out: the next declared output
                // with this property and a fitting id is the one.
                var index = Find(tool.Outputs, next, property.GetString(), entry.TryGetProperty("id", out var id) ? id : default);
                if (index < 0)
                {
                    continue;
                }

                next = index + 1;
                var name = tool.Outputs[index].Name;
                structured[name] = JsonNode.Parse(value.GetRawText());
                if (text.Length > 0)
                {
                    text.AppendLine();
                }

                var shown = ToolArguments.Describe(value);
                text.Append(name).Append(": ").Append(shown.Length > MaxTextValue ? shown[..MaxTextValue] + "…" : shown);
            }
        }

        return new CallToolResult
        {
            Content = [new TextContentBlock { Text = text.Length == 0 ? "No outputs were updated." : text.ToString() }],
            StructuredContent = JsonSerializer.SerializeToElement(structured),
            Meta = new JsonObject { [MetaKey] = new JsonObject { ["source"] = source } },
        };
    }

    /// <summary>
    /// The answer for a job that has ended: its outputs, or the failure or cancellation as an error; null while it runs.
    /// A call and the result tool answer an ended job alike.
    /// </summary>
    public static CallToolResult? Ended(JobView view, ToolDescription? tool, string source) => view.Status switch
    {
        JobStatus.Succeeded when tool is not null => Outputs(tool, view.OutputsJson ?? "[]", source),
        JobStatus.Succeeded => Error("The job ended, but its callback is no longer a tool.", "failed"),
        JobStatus.Failed => Error(view.Error ?? "The callback failed.", "failed"),
        JobStatus.Canceled => Error($"The job was cancelled ({view.CancelReason ?? "cancelled"}).", "canceled"),
        _ => null,
    };

    public static CallToolResult Error(string message, string? reason = null) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
        Meta = reason is null ? null : new JsonObject { [MetaKey] = new JsonObject { ["reason"] = reason } },
    };

    private static int Find(IReadOnlyList<ToolOutput> outputs, int from, string? property, JsonElement id)
    {
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = pass == 0 ? from : 0; i < outputs.Count; i++)
            {
                var output = outputs[i].Output;
                if (output.Property == property && Fits(output, id))
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static bool Fits(DependencySpec output, JsonElement id)
    {
        if (output.Kind == PatternKind.None)
        {
            return id.ValueKind != JsonValueKind.String || id.GetString() == output.ComponentId;
        }

        return id.ValueKind != JsonValueKind.Object || (ComponentPatterns.TryParse(output.ComponentId, out var pattern) && ComponentPatterns.Fits(id, pattern));
    }
}
