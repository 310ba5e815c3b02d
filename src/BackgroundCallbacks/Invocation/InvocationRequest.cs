using System.Text.Json;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// A validated invocation: one value per argument (inputs then state), the triggered inputs, and for pattern-matching
/// callbacks the values the MATCH wildcards took.
/// </summary>
internal sealed record InvocationRequest(IReadOnlyList<JsonElement> Arguments, IReadOnlyList<string> Triggered, IReadOnlyDictionary<string, JsonElement>? Matches = null);
