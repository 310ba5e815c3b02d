using System.Text.Json;
using BackgroundCallbacks.Execution;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// An inline call's <c>SetProps</c> calls, kept in order to go out with its outputs. There is no job to show progress
/// on, so progress reports are dropped (the registry refuses progress outputs on inline callbacks).
/// </summary>
internal sealed class InlineUpdates(JsonSerializerOptions json) : IHandlerUpdateSink
{
    private readonly List<KeyValuePair<string, string>> _updates = [];
    private bool _closed;

    public IReadOnlyList<KeyValuePair<string, string>> SideUpdates => _updates;

    public void ReportProgress(object?[] values)
    {
    }

    public void SetProps(string componentId, object props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var element = JsonSerializer.SerializeToElement(props, props.GetType(), json);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("SetProps takes an object whose properties are the component's properties.", nameof(props));
        }

        lock (_updates)
        {
            if (_closed)
            {
                throw new InvalidOperationException("The callback has answered; SetProps can no longer be called.");
            }

            _updates.Add(new(componentId, element.GetRawText()));
        }
    }

    public void Close()
    {
        lock (_updates)
        {
            _closed = true;
        }
    }
}
