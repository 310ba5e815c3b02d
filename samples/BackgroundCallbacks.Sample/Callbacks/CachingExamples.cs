using BackgroundCallbacks.Mcp;
namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// The caching examples of the Dash documentation. Dash configures caching on the manager (cache_by a launch id,
/// expire 60 s); here each callback turns it on for itself, so the long-callback examples stay uncached.
/// <see cref="BackgroundCallbackAttribute.SharedResults"/> lets every session read the results, as in Dash.
/// </summary>
public sealed class CachingExamples(IConfiguration configuration)
{
    private readonly SampleDelay _delay = new(configuration);

    // The click count cycles 1, 2, 3, 0: from the second round on, every result comes from the cache at once.
    [BackgroundCallback("cache", PreventInitialCall = true, CacheBy = new[] { BuiltInCacheBy.LaunchId }, SharedResults = true, ExpireSeconds = 60)]
    [McpTool(Description = "Runs a two-second job whose result is cached and shared with every caller for a minute.")]
    [Output("cache-paragraph", "children")]
    [Output("cache-run", "n_clicks")]
    [Input("cache-run", "n_clicks")]
    [Running("cache-run", "disabled", true, false)]
    [Running("cache-stop", "disabled", false, true)]
    [Cancel("cache-stop", "n_clicks")]
    public async Task<(string Paragraph, int Clicks)> UpdateClicks(int? clicks, CancellationToken cancellationToken)
    {
        await _delay.WaitAsync(2.0, cancellationToken);
        return ($"Clicked {clicks} times", (clicks ?? 0) % 4);
    }

    // cache_args_to_ignore by name: the button's click count is left out of the key, so only the text matters.
    [BackgroundCallback("ignore-by-name", Interval = 500, PreventInitialCall = true,
        CacheBy = new[] { BuiltInCacheBy.LaunchId }, SharedResults = true, ExpireSeconds = 60, CacheArgsToIgnore = new object[] { "button" })]
    [McpTool(Description = "Computes a result for a text in about eight seconds, with progress; results are cached per text for a minute.")]
    [Output("result-1", "children")]
    [Input("run-button-1", "n_clicks", Name = "button")]
    [State("input-1", "value", Name = "value")]
    [Running("run-button-1", "disabled", true, false)]
    [Progress("status-1", "children", Default = "Finished")]
    public async Task<string> UpdateOutput1(IProgress<string> setProgress, int? button, string? value, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 4; i++)
        {
            setProgress.Report($"Progress {i}/4");
            await _delay.WaitAsync(2.0, cancellationToken);
        }

        return $"Result for '{value}'";
    }

    // cache_args_to_ignore by position: argument 0 is the click count. Without PreventInitialCall this one runs
    // when the page loads, as in Dash. The trigger is not part of the key either (CacheIgnoreTriggered defaults to
    // true), so the page's initial call, which has none, answers the first click with the same text from the cache.
    [BackgroundCallback("ignore-by-index", Interval = 500,
        CacheBy = new[] { BuiltInCacheBy.LaunchId }, SharedResults = true, ExpireSeconds = 60, CacheArgsToIgnore = new object[] { 0 })]
    [Output("result-2", "children")]
    [Input("run-button-2", "n_clicks")]
    [State("input-2", "value")]
    [Running("run-button-2", "disabled", true, false)]
    [Progress("status-2", "children", Default = "Finished")]
    public async Task<string> UpdateOutput2(IProgress<string> setProgress, int? numberOfClicks, string? value, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 4; i++)
        {
            setProgress.Report($"Progress {i}/4");
            await _delay.WaitAsync(2.0, cancellationToken);
        }

        return $"Result for '{value}'";
    }
}
