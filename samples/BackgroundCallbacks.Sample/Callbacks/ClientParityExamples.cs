namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Client behaviours a Dash user expects that no example page shows on its own: a one-value running entry, the page
/// location as a component, an optional state and two callbacks that write one output. The browser tests
/// (tests/BackgroundCallbacks.Browser.Tests/ClientParityTests.cs) serve the pages these ids belong to. A job that must
/// be seen running waits on the gate named by the page's <c>parity-gate</c> input until the page clicks
/// <c>parity-release</c>.
/// </summary>
public static class ClientParityExamples
{
    private const string Gate = "parity-gate";

    [BackgroundCallback("parity-release", Inline = true, PreventInitialCall = true)]
    [Output("parity-released", "children")]
    [Input("parity-release", "n_clicks")]
    [State(Gate, "value")]
    public static string Release(int? clicks, string? gate)
    {
        if (!string.IsNullOrEmpty(gate))
        {
            ParityGates.Open(gate);
        }

        return $"Released {clicks}";
    }

    // Dash: running=[(Output("restore-run", "disabled"), True), (Output("restore-status", "children"), "Working…")].
    [BackgroundCallback("parity-restore", PreventInitialCall = true)]
    [Output("restore-out", "children")]
    [Input("restore-run", "n_clicks")]
    [State(Gate, "value")]
    [Running("restore-run", "disabled", true)]
    [Running("restore-status", "children", "Working…")]
    public static async Task<string> RunThenRestore(int? clicks, string? gate, CancellationToken cancellationToken)
    {
        await ParityGates.WaitAsync(gate ?? string.Empty, cancellationToken);
        return $"Done {clicks}";
    }

    // Dash: Input("url", "pathname") of a dcc.Location, with its search as State.
    [BackgroundCallback("parity-location", Inline = true)]
    [Output("location-out", "children")]
    [Input("parity-url", "pathname")]
    [State("parity-url", "search")]
    public static string Location(string? pathname, string? search) => $"{pathname}|{search}";

    [BackgroundCallback("parity-hash", Inline = true)]
    [Output("hash-out", "children")]
    [Input("parity-url", "hash")]
    public static string Hash(string? hash) => $"hash:{hash}";

    // Writing the location pushes a history entry without a page load, as Dash's dcc.Location(refresh=False) does.
    [BackgroundCallback("parity-navigate", Inline = true, PreventInitialCall = true)]
    [Output("parity-url", "pathname")]
    [Input("navigate-go", "n_clicks")]
    public static string Navigate(int? clicks) => $"/parity/page-{clicks}";

    // Dash: State("optional-missing", "value", optional=True) on a page without that component.
    [BackgroundCallback("parity-optional", PreventInitialCall = true)]
    [Output("optional-out", "children")]
    [Input("optional-run", "n_clicks")]
    [State("optional-missing", "value", Optional = true)]
    public static string WithOptional(int? clicks, string? missing) => missing is null ? "missing is null" : $"missing is {missing}";

    [BackgroundCallback("parity-required", Inline = true, PreventInitialCall = true)]
    [Output("required-out", "children")]
    [Input("required-run", "n_clicks")]
    [State("required-missing", "value")]
    public static string WithRequired(int? clicks, string? missing) => $"ran with {missing}";

    // Dash: Output("duplicate-out", "children", allow_duplicate=True) on both.
    [BackgroundCallback("parity-slow", PreventInitialCall = true)]
    [Output("duplicate-out", "children", AllowDuplicate = true)]
    [Input("slow-run", "n_clicks")]
    [State(Gate, "value")]
    public static async Task<string> Slow(int? clicks, string? gate, CancellationToken cancellationToken)
    {
        await ParityGates.WaitAsync(gate ?? string.Empty, cancellationToken);
        return $"slow {clicks}";
    }

    [BackgroundCallback("parity-fast", PreventInitialCall = true)]
    [Output("duplicate-out", "children", AllowDuplicate = true)]
    [Input("fast-run", "n_clicks")]
    public static string Fast(int? clicks) => $"fast {clicks}";
}
