using System.Text.Json;

namespace BackgroundCallbacks.Client.Transport;

/// <summary>The dependencies document, read for positional invocations: which component and property each value belongs to.</summary>
internal sealed class CallbackMap(JsonElement document)
{
    public JsonElement Document => document;

    /// <summary>Pairs positional values (inputs, then state, in declaration order) with the callback's declared components.</summary>
    public CallbackRequest RequestFor(string callbackId, IReadOnlyList<object?> values)
    {
        var callback = document.GetProperty("callbacks").EnumerateArray()
            .FirstOrDefault(c => c.GetProperty("id").ValueEquals(callbackId));
        if (callback.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"The server has no callback '{callbackId}'.", nameof(callbackId));
        }

        var inputs = Declared(callback, "inputs");
        var state = Declared(callback, "state");
        if (values.Count != inputs.Count + state.Count)
        {
            throw new ArgumentException(
                $"Callback '{callbackId}' takes {inputs.Count} input and {state.Count} state values, in that order; {values.Count} were given.", nameof(values));
        }

        var all = inputs.Concat(state).ToList();
        var pattern = all.FindIndex(d => d.Id.ValueKind != JsonValueKind.String);
        if (pattern >= 0)
        {
            throw new ArgumentException(
                $"Callback '{callbackId}' has a pattern-matching component ({all[pattern].Id.GetRawText()}): name its concrete ids in a CallbackRequest.", nameof(callbackId));
        }

        var sent = all.Select((d, i) => new CallbackValue(d.Id.GetString()!, d.Property, values[i])).ToList();
        return new CallbackRequest
        {
            Inputs = sent.Take(inputs.Count).ToList(),
            State = sent.Skip(inputs.Count).ToList(),
            // As a click on the first input would: positional calls name no other change.
            Triggered = inputs.Count > 0 ? [$"{inputs[0].Id.GetString()}.{inputs[0].Property}"] : [],
        };
    }

    private static List<(JsonElement Id, string Property)> Declared(JsonElement callback, string name) =>
        callback.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(d => (d.GetProperty("id"), d.GetProperty("property").GetString()!)).ToList()
            : [];
}
