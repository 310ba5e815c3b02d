namespace BackgroundCallbacks.Tests;

/// <summary>Attribute-declared callbacks, found by <c>AddCallbacksFrom</c> in the tests that ask for them.</summary>
public sealed class AttributeCallbacks(ScopedCounter counter)
{
    [BackgroundCallback("attr-static", Interval = 500, PreventInitialCall = true)]
    [Output("paragraph_id", "children")]
    [Input("button_id", "n_clicks")]
    [State("input-1", "value")]
    [Running("button_id", "disabled", true, false)]
    [Progress("progress_bar", "value")]
    [Progress("progress_bar", "max")]
    [Cancel("cancel_button_id", "n_clicks")]
    public static async Task<string> UpdateClicks(int? clicks, string? value, IProgress<object?[]> progress, CancellationToken ct)
    {
        progress.Report([1, 1]);
        await Task.Yield();
        return $"Clicked {clicks} times with '{value}'";
    }

    [BackgroundCallback("attr-instance")]
    [Output("out", "children", AllowDuplicate = true)]
    [Input("in", "value")]
    public string Instance(int? n) => counter is null ? "no scope" : "scoped";

    [BackgroundCallback("attr-scope")]
    [Output("out", "children", AllowDuplicate = true)]
    [Input("in", "value")]
    public string Scope(int? n) => counter.Id.ToString();
}
