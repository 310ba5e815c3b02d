using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;

namespace BackgroundCallbacks.Mcp.Resources;

/// <summary>One server-side output in a tool result: its resource link, its structured form and its line of text.</summary>
/// <param name="Block">The <c>resource_link</c> content block.</param>
/// <param name="Structured">The output's value in the structured content: the link's URI, MIME type, preview and size.</param>
/// <param name="Text">The output's line in the result's text.</param>
internal sealed record ServerSideLink(ResourceLinkBlock Block, JsonObject Structured, string Text);
