namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Pattern-matching ids: every row of the rows page runs its own job (MATCH), with its own progress bar and cancel
/// button, and a summary reads the sizes of all rows at once (ALL). Rows added after the page loaded work the same.
/// The handlers learn which row is which from the context (MATCH) and from <see cref="Matched{T}"/> pairs (ALL).
/// </summary>
public sealed class RowExamples(IConfiguration configuration)
{
    private const string RunButton = """{"type":"row-run","index":"MATCH"}""";
    private const string CancelButton = """{"type":"row-cancel","index":"MATCH"}""";

    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("row", PreventInitialCall = true, Interval = 500)]
    [Output("""{"type":"row-result","index":"MATCH"}""", "children")]
    [Input(RunButton, "n_clicks")]
    [State("""{"type":"row-size","index":"MATCH"}""", "value")]
    [Running(RunButton, "disabled", true, false)]
    [Running(CancelButton, "disabled", false, true)]
    [Progress("""{"type":"row-progress","index":"MATCH"}""", "value", Default = 0)]
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

    [BackgroundCallback("rows-total", Interval = 500)]
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
