using BackgroundCallbacks.Mcp;
namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Every keystroke invokes the callback; each new invocation supersedes (and cancels) the previous job, so the
/// result always settles on what was typed last.
/// </summary>
public sealed class SearchExample(IConfiguration configuration)
{
    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("search", PreventInitialCall = true, Interval = 250)]
    [McpTool(Description = "Searches for a text; takes about a second.")]
    [Output("search-result", "children")]
    [Input("search-input", "value")]
    [Running("search-status", "hidden", false, true)]
    public async Task<string> Search(string? text, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(1.0, cancellationToken);
        return string.IsNullOrWhiteSpace(text) ? "Type something to search" : $"Results for '{text}'";
    }
}
