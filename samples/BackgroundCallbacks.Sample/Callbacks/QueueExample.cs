using BackgroundCallbacks.Mcp;
namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Waiting in line: a slow job of which only one runs at a time (<c>MaxRunning = 1</c>). Each row of the queue page
/// starts its own job (MATCH), so starting all three puts two of them in line; the page shows each one's place and
/// the server's estimate while it waits, then its progress once it runs.
/// </summary>
public sealed class QueueExample(IConfiguration configuration)
{
    private const string StartButton = """{"type":"queue-start","index":"MATCH"}""";

    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("queue-job", PreventInitialCall = true, MaxRunning = 1, Interval = 500)]
    [McpTool(Description = "A slow job of which only one runs at a time; others wait in line.")]
    [Output("""{"type":"queue-result","index":"MATCH"}""", "children")]
    [Input(StartButton, "n_clicks")]
    [Running(StartButton, "disabled", true, false)]
    [Progress("""{"type":"queue-progress","index":"MATCH"}""", "value", Default = 0)]
    public async Task<string> RunJob(int? clicks, IProgress<int> setProgress, CallbackContext context, CancellationToken cancellationToken)
    {
        const int steps = 6;
        for (var i = 1; i <= steps; i++)
        {
            await _delay.WaitAsync(0.5, cancellationToken);
            setProgress.Report(i * 100 / steps);
        }

        return $"Job {context.Match["index"]} done (run {clicks})";
    }
}
