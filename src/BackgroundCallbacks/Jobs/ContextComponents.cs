using System.Text.Json;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Builds what a handler's <see cref="CallbackContext"/> tells of its invocation's components, from the job record:
/// concrete ids from the declaration and the MATCH values, ALL rows from the ids the client sent.
/// </summary>
internal static class ContextComponents
{
    /// <param name="callback">The callback.</param>
    /// <param name="outputs">Its outputs, with the MATCH values put in.</param>
    /// <param name="values">One value per argument; copied, since the handler may keep the context.</param>
    /// <param name="ids">The ALL entries' ids, as <see cref="ArgumentIds.Read"/> gives them.</param>
    /// <param name="matchJson">The record's MATCH values.</param>
    public static InvocationComponents Build(
        CallbackDefinition callback,
        IReadOnlyList<DependencySpec> outputs,
        IReadOnlyList<JsonElement> values,
        IReadOnlyList<JsonElement>? ids,
        string? matchJson)
    {
        var matches = matchJson is null
            ? new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(matchJson)!;
        var inputs = new List<ComponentValue>();
        var states = new List<ComponentValue>();
        foreach (var argument in callback.Arguments)
        {
            var spec = argument.Dependency;
            var value = values[argument.Position].ValueKind == JsonValueKind.Undefined ? default : values[argument.Position].Clone();
            ComponentValue entry;
            if (spec.Kind == PatternKind.All)
            {
                var rowIds = ids is null ? default : ids[argument.Position];
                Matched<JsonElement>[] rows = rowIds.ValueKind == JsonValueKind.Array && value.ValueKind == JsonValueKind.Array
                    ? [.. rowIds.EnumerateArray().Zip(value.EnumerateArray(), (id, item) => new Matched<JsonElement>(ComponentId.FromJson(id), item))]
                    : [];
                entry = new ComponentValue(ComponentId.Parse(spec.ComponentId), spec.Property, value, isAll: true, rows);
            }
            else
            {
                var id = ComponentId.Parse(ComponentPatterns.Resolve(spec, matches));
                entry = new ComponentValue(id, spec.Property, value, isAll: false, [new Matched<JsonElement>(id, value)]);
            }

            (argument.IsState ? states : inputs).Add(entry);
        }

        var outputList = outputs.Select(o => new ComponentProperty(ComponentId.Parse(o.ComponentId), o.Property)).ToArray();
        return new InvocationComponents(outputList, inputs, states, matches);
    }
}
