using System.Text.Json;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// A validated invocation: one value per argument (inputs then state), the triggered inputs, and for pattern-matching
/// callbacks the values the MATCH wildcards took and the concrete ids sent for ALL values (one item per argument, the
/// ids of an ALL entry or undefined; null when no entry came with ids); and the request values the handler declares (per
/// value its strings, or null when the request had none), null when it declares none.
/// </summary>
internal sealed record InvocationRequest(
    IReadOnlyList<JsonElement> Arguments,
    IReadOnlyList<string> Triggered,
    IReadOnlyDictionary<string, JsonElement>? Matches = null,
    IReadOnlyList<JsonElement>? Ids = null,
    IReadOnlyList<string[]?>? RequestValues = null)
{
    /// <summary>The caller's key for retrying this invocation safely (<see cref="IdempotentInvocations"/>); null for none.</summary>
    public string? IdempotencyKey { get; init; }
}
