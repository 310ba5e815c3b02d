using System.Text.Json;
using BackgroundCallbacks.Execution;

namespace BackgroundCallbacks;

/// <summary>The ids of the invocation's components, parsed, as Dash's <c>callback_context</c> gives them.</summary>
public sealed partial class CallbackContext
{
    /// <summary>What the runner read from the job's record; empty until the arguments were read.</summary>
    internal InvocationComponents Invocation { get; set; } = InvocationComponents.Empty;

    /// <summary>The response an inline call answers with, for its handler's response parameters; null for a job.</summary>
    internal Microsoft.AspNetCore.Http.HttpResponse? Response { get; init; }

    /// <summary>Gets the outputs of this invocation, in declaration order, with concrete ids.</summary>
    public IReadOnlyList<ComponentProperty> Outputs => Invocation.Outputs;

    /// <summary>Gets the inputs of this invocation, in declaration order: each one's id, property and value.</summary>
    public IReadOnlyList<ComponentValue> Inputs => Invocation.Inputs;

    /// <summary>Gets the state values of this invocation, in declaration order: each one's id, property and value.</summary>
    public IReadOnlyList<ComponentValue> States => Invocation.States;

    /// <summary>
    /// Gets the values the MATCH wildcards took in this invocation, by key: <c>Match["index"]</c> names the row a
    /// pattern-matching callback runs for. Empty when the callback uses no MATCH.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> Match => Invocation.Match;

    /// <summary>Gets the inputs whose change triggered this invocation, as parsed ids; empty for the initial call of a page.</summary>
    public IReadOnlyList<ComponentProperty> Triggered => field ??= TriggeredInputs.Select(ParseTriggered).ToArray();

    /// <summary>Gets the id of the first triggering input (Dash's <c>triggered_id</c>); null for the initial call of a page.</summary>
    public ComponentId? TriggeredId => Triggered.Count > 0 ? Triggered[0].Id : null;

    /// <summary>A triggered name as the door validated it: <c>componentId.property</c>, and properties have no dot.</summary>
    private static ComponentProperty ParseTriggered(string name)
    {
        var dot = name.LastIndexOf('.');
        return new ComponentProperty(ComponentId.Parse(name[..dot]), name[(dot + 1)..]);
    }
}
