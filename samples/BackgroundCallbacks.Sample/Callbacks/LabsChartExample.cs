namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// The progress bar chart of the Dash Labs 0.4.0 announcement, which also showed that a running job can update
/// components other than its outputs: besides the chart, the handler writes each finished step to a log line with
/// <see cref="CallbackContext.SetProps"/>. Both tell the same step, and a cancel replaces the log line.
/// </summary>
public sealed class LabsChartExample(IConfiguration configuration)
{
    private const string Hidden = """{"visibility":"hidden"}""";
    private const string Visible = """{"visibility":"visible"}""";

    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("labs-chart", PreventInitialCall = true, Interval = 1000)]
    [Output("labs-paragraph", "children")]
    [Input("labs-run", "n_clicks")]
    [Running("labs-run", "disabled", true, false)]
    [Running("labs-stop", "disabled", false, true)]
    [Running("labs-paragraph", "style", Hidden, Visible, Json = true)]
    [Running("labs-graph", "style", Visible, Hidden, Json = true)]
    [Progress("labs-graph", "figure", DefaultJson = """{"value":0,"max":10,"label":"0 of 10"}""")]
    [Cancel("labs-stop", "n_clicks")]
    public async Task<string> Run(IProgress<BarFigure> setProgress, int? clicks, CallbackContext context, CancellationToken cancellationToken)
    {
        const int total = 10;
        for (var done = 1; done <= total; done++)
        {
            await _delay.WaitAsync(0.5, cancellationToken);
            setProgress.Report(BarFigure.Of(done, total));
            context.SetProps("labs-log", new { children = $"Step {done} of {total} done" });
        }

        return $"Clicked {clicks} times";
    }

    // A cancelled job sends nothing more, so the last "Step n of 10 done" would stay: the Cancel click replaces it,
    // answered in its own request. The button is enabled only while the job runs.
    [BackgroundCallback("labs-cancelled", PreventInitialCall = true, Inline = true)]
    [Output("labs-log", "children")]
    [Input("labs-stop", "n_clicks")]
    public static string Cancelled(int? clicks) => "Cancelled";
}
