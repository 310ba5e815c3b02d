using BackgroundCallbacks.Mcp;
namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Pattern-matching ids: every row of the rows page runs its own job (MATCH), with its own progress bar and cancel
/// button, and a summary reads the sizes of all rows at once (ALL). Rows added after the page loaded work the same.
/// The handlers learn which row is which from the context (MATCH) and from <see cref="Matched{T}"/> pairs (ALL).
/// A row shows its bar and "Running…" only while its job runs, and says "Cancelled" when it was cancelled.
/// </summary>
public sealed class RowExamples(IConfiguration configuration)
{
    private const string RunButton = """{"type":"row-run","index":"MATCH"}""";
    private const string CancelButton = """{"type":"row-cancel","index":"MATCH"}""";
    private const string Result = """{"type":"row-result","index":"MATCH"}""";
    private const string State = """{"type":"row-state","index":"MATCH"}""";
    private const string Bar = """{"type":"row-progress","index":"MATCH"}""";

    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("row", PreventInitialCall = true, Interval = 500)]
    [McpTool(Description = "Processes one row of the rows page: its index and size; reports progress in percent.")]
    [Output(Result, "children", AllowDuplicate = true)]
    [Input(RunButton, "n_clicks")]
    [State("""{"type":"row-size","index":"MATCH"}""", "value")]
    [Running(RunButton, "disabled", true, false)]
    [Running(CancelButton, "disabled", false, true)]
    // While the job runs, "Running…" and the bar take the place of the previous result (or of "Not run yet").
    [Running(Result, "hidden", true, false)]
    [Running(State, "hidden", false, true)]
    [Running(Bar, "hidden", false, true)]
    [Progress(Bar, "value", Default = 0)]
    [Cancel(CancelButton, "n_clicks")]
    public async Task<string> RunRow(int? clicks, int? size, IProgress<int> setProgress, CallbackContext context, CancellationToken cancellationToken)
    {
        const int steps = 8;
        for (var i = 1; i <= steps; i++)
        {
            await _delay.WaitAsync(0.5, cancellationToken);
            setProgress.Report(i * 100 / steps);
        }

        return $"Row {context.Match["index"]}: processed {size ?? 0} items (run {clicks})";
    }

    // A cancelled job writes no outputs, so the Cancel click itself says so, answered in its own request. The button is
    // enabled only while the row's job runs. Both callbacks write the row's result, so both allow the duplicate.
    [BackgroundCallback("row-cancelled", PreventInitialCall = true, Inline = true)]
    [Output(Result, "children", AllowDuplicate = true)]
    [Input(CancelButton, "n_clicks")]
    public static string Cancelled(int? clicks) => "Cancelled";

    [BackgroundCallback("rows-total", Interval = 500)]
    [McpTool(Description = "Adds up the sizes of rows and names the largest; each row is an id (its index) and a size.")]
    [Output("rows-total", "children")]
    [Input("""{"type":"row-size","index":"ALL"}""", "value")]
    public async Task<string> Total(IReadOnlyList<Matched<int?>> sizes, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(0.2, cancellationToken);
        var total = sizes.Sum(s => s.Value ?? 0);
        var largest = sizes.MaxBy(s => s.Value ?? 0);
        return largest is null
            ? "No rows"
            : $"{sizes.Count} rows, {total} items in all; the largest is row {largest.Id["index"]}";
    }
}
