using System.Collections.Concurrent;
using System.Text.Json;

namespace BackgroundCallbacks.Browser.Tests.Infrastructure;

/// <summary>
/// A page in its own browser context, with what a test needs to observe it: every request and job response on the
/// wire, the client's events, console errors and uncaught exceptions.
/// </summary>
public sealed class TestPage : IAsyncDisposable
{
    // Records the client's events from the first script on, so a test can tell what the client did and did not do,
    // and the job documents the page's event streams received (Playwright does not expose a stream's messages).
    private const string RecordEvents = """
        window.__bcEvents = [];
        for (const name of ["invoke", "job", "reattach", "cancel", "done", "error", "queue", "upload", "uploadprogress", "uploaded", "connection"]) {
          document.addEventListener("backgroundcallbacks:" + name, (e) => window.__bcEvents.push(Object.assign({ event: name }, e.detail)));
        }
        window.__bcStream = [];
        if (window.EventSource) {
          const Native = window.EventSource;
          window.EventSource = class extends Native {
            constructor(url, init) {
              super(url, init);
              this.addEventListener("job", (e) => window.__bcStream.push(JSON.parse(e.data)));
            }
          };
        }
        """;

    private readonly IBrowserContext _context;
    private readonly bool _ownsContext;
    private readonly ConcurrentQueue<(string Method, string Url)> _requests = new();
    private int _presses;
    private readonly ConcurrentQueue<Task<(string Url, int Status, string Body)>> _jobResponses = new();

    private TestPage(IBrowserContext context, IPage page, bool ownsContext = true)
    {
        _context = context;
        _ownsContext = ownsContext;
        Page = page;
        page.Request += (_, request) => _requests.Enqueue((request.Method, request.Url));
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/_callbacks/jobs/", StringComparison.Ordinal) || response.Url.Contains("/_callbacks/callbacks/", StringComparison.Ordinal))
            {
                _jobResponses.Enqueue(ReadAsync(response));
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                ConsoleErrors.Enqueue(message.Text);
            }
            else if (message.Type == "warning")
            {
                ConsoleWarnings.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => PageErrors.Enqueue(error);
    }

    public IPage Page { get; }

    public IBrowserContext Context => _context;

    public ConcurrentQueue<string> ConsoleErrors { get; } = new();

    public ConcurrentQueue<string> ConsoleWarnings { get; } = new();

    public ConcurrentQueue<string> PageErrors { get; } = new();

    public static async Task<TestPage> CreateAsync(IBrowserContext context)
    {
        await context.AddInitScriptAsync(RecordEvents);
        var page = await context.NewPageAsync();
        return new TestPage(context, page);
    }

    /// <summary>
    /// Another tab of the same browser: same cookies (so the same owner), its own sessionStorage unless
    /// <paramref name="initScript"/> seeds it. Disposing it closes the tab only.
    /// </summary>
    public async Task<TestPage> NewTabAsync(string? initScript = null)
    {
        var page = await _context.NewPageAsync();
        if (initScript is not null)
        {
            await page.AddInitScriptAsync(initScript);
        }

        return new TestPage(_context, page, ownsContext: false);
    }

    /// <summary>Opens a page and waits until the client has loaded the callback map and wired the page.</summary>
    public async Task OpenAsync(string path)
    {
        await Page.GotoAsync(path);
        await WhenReadyAsync();
    }

    public Task WhenReadyAsync() =>
        Page.EvaluateAsync("() => window.BackgroundCallbacks.ready").WaitAsync(TimeSpan.FromSeconds(20));

    public Task ReloadAsync() => Page.ReloadAsync().ContinueWith(_ => WhenReadyAsync()).Unwrap();

    /// <summary>The requests made so far, as "METHOD path?query".</summary>
    public IReadOnlyList<string> Requests =>
        _requests.Select(r => r.Method + " " + new Uri(r.Url).PathAndQuery).ToList();

    public int RequestCount => _requests.Count;

    public IReadOnlyList<string> RequestsSince(int count) => Requests.Skip(count).ToList();

    /// <summary>The answers of the invocation and job endpoints received so far, with their JSON bodies.</summary>
    public async Task<IReadOnlyList<(string Path, int Status, JsonElement Body)>> ResponsesAsync()
    {
        var all = await Task.WhenAll(_jobResponses.ToArray());
        return all.Where(r => r.Body.Length > 0)
            .Select(r => (new Uri(r.Url).AbsolutePath, r.Status, JsonDocument.Parse(r.Body).RootElement.Clone()))
            .ToList();
    }

    /// <summary>The client's events of one kind so far (invoke, job, reattach, cancel, done, error, upload, uploadprogress, uploaded).</summary>
    public async Task<IReadOnlyList<JsonElement>> EventsAsync(string name)
    {
        var json = await Page.EvaluateAsync<string>("(name) => JSON.stringify(window.__bcEvents.filter((e) => e.event === name))", name);
        return JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>The job documents this page's event streams received (`event: job`), in order.</summary>
    public async Task<IReadOnlyList<JsonElement>> StreamedJobsAsync()
    {
        var json = await Page.EvaluateAsync<string>("() => JSON.stringify(window.__bcStream)");
        return JsonDocument.Parse(json).RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>How the client follows jobs now, as the root element shows it: events, longpoll or poll.</summary>
    public Task<string?> TransportAsync() => Page.Locator("html").GetAttributeAsync("data-bc-transport");

    /// <summary>Waits, up to a deadline, until the client has raised an event that satisfies the condition.</summary>
    public async Task<JsonElement> WaitForEventAsync(string name, Func<JsonElement, bool> condition, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var found = (await EventsAsync(name)).FirstOrDefault(condition);
            if (found.ValueKind != JsonValueKind.Undefined)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No '{name}' event matched within {timeoutMs} ms. Requests: {string.Join(", ", Requests)}");
            }

            await Page.WaitForTimeoutAsync(50);
        }
    }

    /// <summary>
    /// What the page did so far, for a failure message: its requests, the client's events and the console's errors, so a
    /// failure seen once on a busy machine says what happened.
    /// </summary>
    public async Task<string> DescribeAsync()
    {
        var events = await Page.EvaluateAsync<string>("() => JSON.stringify(window.__bcEvents)");
        return $"Requests: {string.Join(", ", Requests)}{Environment.NewLine}Events: {events}{Environment.NewLine}" +
            $"Console errors: {string.Join(" | ", ConsoleErrors)}; warnings: {string.Join(" | ", ConsoleWarnings)}";
    }

    /// <summary>Runs an assertion; when it fails, the failure carries <see cref="DescribeAsync"/>.</summary>
    public async Task ExplainAsync(Func<Task> assertion)
    {
        try
        {
            await assertion();
        }
        catch (PlaywrightException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + Environment.NewLine + await DescribeAsync());
        }
    }

    /// <summary>
    /// Arranges, inside the page, for the button to be focused and clicked the moment it is next enabled, and returns
    /// a task that ends once it has been. Call it before the action that enables the button: a cancel button of a
    /// one-second job is then pressed within the page's own event loop, where waiting for it with Playwright's
    /// polling (100 ms, then 250 ms, 500 ms, 1 s) and two more round trips could outlast the job on a busy machine.
    /// </summary>
    public async Task<Task> PressWhenEnabledAsync(string selector)
    {
        var key = "__bcPress" + Interlocked.Increment(ref _presses);
        await Page.EvaluateAsync(
            """
            ([selector, key]) => {
              const button = document.querySelector(selector);
              window[key] = new Promise(resolve => {
                const press = () => {
                  if (button.disabled) return false;
                  button.focus();
                  button.click();
                  resolve();
                  return true;
                };
                const observer = new MutationObserver(() => { if (press()) observer.disconnect(); });
                observer.observe(button, { attributes: true, attributeFilter: ['disabled'] });
              });
            }
            """,
            new[] { selector, key });
        return PressedAsync(selector, key);
    }

    private async Task PressedAsync(string selector, string key)
    {
        try
        {
            await Page.EvaluateAsync($"() => window['{key}']").WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"{selector} was not enabled within 15 s, so it was never pressed.{Environment.NewLine}{await DescribeAsync()}");
        }
    }

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsContext)
        {
            await _context.CloseAsync();
        }
        else
        {
            await Page.CloseAsync();
        }
    }

    private static async Task<(string Url, int Status, string Body)> ReadAsync(IResponse response)
    {
        try
        {
            return (response.Url, response.Status, await response.TextAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            return (response.Url, response.Status, string.Empty); // a request the page aborted, or a body it never read
        }
    }
}
