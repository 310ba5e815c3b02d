using System.Text.Json;

namespace BackgroundCallbacks.Client;

/// <summary>One <c>SetProps</c> call of a running handler: props to merge into one component, in order.</summary>
public sealed class SideUpdate
{
    internal SideUpdate(long version, JsonElement id, JsonElement props)
    {
        Version = version;
        Id = id;
        Props = props;
    }

    /// <summary>The job version that wrote it.</summary>
    public long Version { get; }

    /// <summary>The component's id: a JSON string, or a JSON object for a pattern-matching component.</summary>
    public JsonElement Id { get; }

    /// <summary>The properties to merge into the component, as a JSON object.</summary>
    public JsonElement Props { get; }
}
