using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Mcp.Resources;
using BackgroundCallbacks.Mcp.Tools;
using BackgroundCallbacks.Owners;
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

    /// <summary>
    /// The outputs as a tool result. A server-side output (known from its declaration) is never inlined: its value in
    /// the structured content is a link with a preview, and a <c>resource_link</c> block follows the text.
    /// </summary>
    public static ValueTask<CallToolResult> OutputsAsync(ToolDescription tool, string outputsJson, string source, ServerSideLinks links, Owner owner, CancellationToken cancellationToken) =>
        OutputsAsync(tool, JsonDocument.Parse(outputsJson), source, links, owner, cancellationToken);

    /// <summary>A cache hit's outputs, parsed from the UTF-8 the result store holds.</summary>
    public static ValueTask<CallToolResult> OutputsAsync(ToolDescription tool, ReadOnlyMemory<byte> outputs, string source, ServerSideLinks links, Owner owner, CancellationToken cancellationToken) =>
        OutputsAsync(tool, JsonDocument.Parse(outputs), source, links, owner, cancellationToken);

    private static async ValueTask<CallToolResult> OutputsAsync(ToolDescription tool, JsonDocument outputs, string source, ServerSideLinks links, Owner owner, CancellationToken cancellationToken)
    {
        var structured = new JsonObject();
        var text = new StringBuilder();
        var content = new List<ContentBlock>();
        using (var document = outputs)
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
                if (text.Length > 0)
                {
                    text.AppendLine();
                }

                if (tool.Outputs[index].Output.Store is not null && value.ValueKind == JsonValueKind.String)
                {
                    var link = await links.LinkAsync(name, value.GetString()!, owner.Id, cancellationToken).ConfigureAwait(false);
                    structured[name] = link.Structured;
                    text.Append(link.Text);
                    content.Add(link.Block);
                    continue;
                }

                structured[name] = JsonNode.Parse(value.GetRawText());
                var shown = ToolArguments.Describe(value);
                text.Append(name).Append(": ").Append(shown.Length > MaxTextValue ? shown[..MaxTextValue] + "…" : shown);
            }
        }

        content.Insert(0, new TextContentBlock { Text = text.Length == 0 ? "No outputs were updated." : text.ToString() });
        return new CallToolResult
        {
            Content = content,
            StructuredContent = JsonSerializer.SerializeToElement(structured),
            Meta = new JsonObject { [MetaKey] = new JsonObject { ["source"] = source } },
        };
    }

    /// <summary>
    /// The answer for a job that has ended: its outputs, or the failure or cancellation as an error; null while it runs.
    /// A call and the result tool answer an ended job alike.
    /// </summary>
    public static async ValueTask<CallToolResult?> EndedAsync(JobView view, ToolDescription? tool, string source, ServerSideLinks links, Owner owner, CancellationToken cancellationToken) => view.Status switch
    {
        JobStatus.Succeeded when tool is not null => await OutputsAsync(tool, view.OutputsJson ?? "[]", source, links, owner, cancellationToken).ConfigureAwait(false),
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
