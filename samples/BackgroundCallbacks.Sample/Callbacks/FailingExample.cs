using BackgroundCallbacks.Mcp;
namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// A handler that fails: the job ends as failed, the page shows the message (the exception's in Development, a
/// generic one otherwise) and the button is enabled again.
/// </summary>
public sealed class FailingExample(IConfiguration configuration)
{
    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("failing", PreventInitialCall = true)]
    [McpTool(Description = "A job that always fails, to show how a failure is reported.")]
    [Output("failing-paragraph", "children")]
    [Input("failing-run", "n_clicks")]
    [Running("failing-run", "disabled", true, false)]
    public async Task<string> Fail(int? clicks, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(1.0, cancellationToken);
        throw new InvalidOperationException("The report could not be built: its data source is offline (this handler fails on purpose).");
    }
}
