using System.Text.Json;

namespace BackgroundCallbacks.Invocation;

/// <summary>A validated invocation: one value per argument (inputs then state) and the triggered inputs.</summary>
internal sealed record InvocationRequest(IReadOnlyList<JsonElement> Arguments, IReadOnlyList<string> Triggered);
