using BackgroundCallbacks.Mcp;
namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// The five long-callback examples of the Dash documentation, one per page under wwwroot/examples. Each page has its
/// own component ids, so the callbacks of one page never fire on another.
/// </summary>
/// <remarks>
/// The Dash examples also run once when the page loads (their n_clicks is None then). Here they wait for the first
/// click, so each page opens on "Button not clicked".
/// </remarks>
public sealed class LongCallbackExamples(IConfiguration configuration)
{
    private const string Hidden = """{"visibility":"hidden"}""";
    private const string Visible = """{"visibility":"visible"}""";

    private readonly SampleDelay _delay = new(configuration);

    // Example 1: a job that takes two seconds, with no sign that it runs.
    [BackgroundCallback("basic", PreventInitialCall = true)]
    [McpTool(Description = "Runs a two-second job and says how many times it was started.")]
    [Output("basic-paragraph", "children")]
    [Input("basic-run", "n_clicks")]
    public async Task<string> Basic(int? clicks, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(2.0, cancellationToken);
        return $"Clicked {clicks} times";
    }

    // Example 2: the button is disabled while the job runs.
    [BackgroundCallback("disable", PreventInitialCall = true)]
    [Output("disable-paragraph", "children")]
    [Input("disable-run", "n_clicks")]
    [Running("disable-run", "disabled", true, false)]
    public async Task<string> DisableWhileRunning(int? clicks, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(2.0, cancellationToken);
        return $"Clicked {clicks} times";
    }

    // Example 3: a second button cancels the running job; the paragraph keeps its old text.
    [BackgroundCallback("cancel", PreventInitialCall = true)]
    [McpTool(Description = "Runs a two-second job that can be cancelled.")]
    [Output("cancel-paragraph", "children")]
    [Input("cancel-run", "n_clicks")]
    [Running("cancel-run", "disabled", true, false)]
    [Running("cancel-stop", "disabled", false, true)]
    [Cancel("cancel-stop", "n_clicks")]
    public async Task<string> Cancel(int? clicks, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(2.0, cancellationToken);
        return $"Clicked {clicks} times";
    }

    // Example 4: a progress bar, shown only while the job runs, fed by (value, max) reports.
    [BackgroundCallback("progress", PreventInitialCall = true)]
    [McpTool(Description = "Runs a five-second job that reports its progress in ten steps.")]
    [Output("progress-paragraph", "children")]
    [Input("progress-run", "n_clicks")]
    [Running("progress-run", "disabled", true, false)]
    [Running("progress-stop", "disabled", false, true)]
    [Running("progress-paragraph", "style", Hidden, Visible, Json = true)]
    [Running("progress-bar", "style", Visible, Hidden, Json = true)]
    [Progress("progress-bar", "value")]
    [Progress("progress-bar", "max")]
    [Cancel("progress-stop", "n_clicks")]
    public async Task<string> ProgressBar(IProgress<(string Value, string Max)> setProgress, int? clicks, CancellationToken cancellationToken)
    {
        const int total = 10;
        for (var i = 0; i < total; i++)
        {
            await _delay.WaitAsync(0.5, cancellationToken);
            setProgress.Report(((i + 1).ToString(), total.ToString()));
        }

        return $"Clicked {clicks} times";
    }

    // Example 5: the progress is a chart; between jobs it shows the progress default, an empty bar.
    [BackgroundCallback("chart", PreventInitialCall = true, Interval = 1000)]
    [Output("chart-paragraph", "children")]
    [Input("chart-run", "n_clicks")]
    [Running("chart-run", "disabled", true, false)]
    [Running("chart-stop", "disabled", false, true)]
    [Running("chart-paragraph", "style", Hidden, Visible, Json = true)]
    [Running("chart-graph", "style", Visible, Hidden, Json = true)]
    [Progress("chart-graph", "figure", DefaultJson = """{"value":0,"max":10,"label":"0 of 10"}""")]
    [Cancel("chart-stop", "n_clicks")]
    public async Task<string> ProgressChart(IProgress<BarFigure> setProgress, int? clicks, CancellationToken cancellationToken)
    {
        const int total = 10;
        for (var i = 0; i < total; i++)
        {
            await _delay.WaitAsync(0.5, cancellationToken);
            setProgress.Report(BarFigure.Of(i, total));
        }

        return $"Clicked {clicks} times";
    }
}
