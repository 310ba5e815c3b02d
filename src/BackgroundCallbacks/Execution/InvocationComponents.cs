using System.Text.Json;

namespace BackgroundCallbacks.Execution;

/// <summary>The ids and values of one invocation's components, as <see cref="CallbackContext"/> hands them to a handler.</summary>
/// <param name="Outputs">The outputs, with concrete ids.</param>
/// <param name="Inputs">The inputs, with concrete ids and values.</param>
/// <param name="States">The state values, with concrete ids and values.</param>
/// <param name="Match">The MATCH wildcards' values, by key.</param>
internal sealed record InvocationComponents(
    IReadOnlyList<ComponentProperty> Outputs,
    IReadOnlyList<ComponentValue> Inputs,
    IReadOnlyList<ComponentValue> States,
    IReadOnlyDictionary<string, JsonElement> Match)
{
    public static InvocationComponents Empty { get; } = new([], [], [], new Dictionary<string, JsonElement>());
}
