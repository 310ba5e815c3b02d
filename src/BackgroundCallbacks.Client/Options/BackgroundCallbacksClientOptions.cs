namespace BackgroundCallbacks.Client;

/// <summary>Where the server is and how the client retries and follows jobs.</summary>
public sealed class BackgroundCallbacksClientOptions
{
    /// <summary>The app's address, with its path base when it has one (<c>https://example.com/reports/</c>).</summary>
    /// <value>No default: set it, or give the <see cref="HttpClient"/> a base address.</value>
    public Uri? BaseAddress { get; set; }

    /// <summary>The prefix the app passed to <c>MapBackgroundCallbacks</c>.</summary>
    /// <value>Defaults to <c>/_callbacks</c>.</value>
    public string Prefix { get; set; } = "/_callbacks";

    /// <summary>
    /// How many times one request is sent again after a 503, a 429 or a 409 that carries <c>Retry-After</c>, waiting
    /// the delay the server asked for each time. Zero turns the retries off.
    /// </summary>
    /// <value>Defaults to 3.</value>
    public int MaxRetries { get; set; } = 3;

    /// <summary>
    /// The longest <c>Retry-After</c> the client waits. A longer one is not waited for: the answer is thrown at once
    /// as a <see cref="CallbackProblemException"/> carrying the delay, for the caller to decide.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one long poll may be held by the server (it caps this at its own <c>MaxLongPollWait</c>). Zero polls
    /// without holding, once a second. Keep it below the <see cref="HttpClient.Timeout"/>.
    /// </summary>
    /// <value>Defaults to 20 seconds.</value>
    public TimeSpan LongPollWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How jobs are followed.</summary>
    /// <value>Defaults to <see cref="CallbackTransport.LongPoll"/>.</value>
    public CallbackTransport Transport { get; set; } = CallbackTransport.LongPoll;
}
