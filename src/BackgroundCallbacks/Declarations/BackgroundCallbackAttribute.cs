namespace BackgroundCallbacks;

/// <summary>
/// Marks a method as a background callback: a handler that runs as a queued job while the browser
/// follows its progress. Declare its dependencies with <see cref="OutputAttribute"/>,
/// <see cref="InputAttribute"/>, <see cref="StateAttribute"/> and the other dependency attributes.
/// </summary>
/// <remarks>
/// The method may be static or an instance method (the instance is resolved from a DI scope created for
/// each job), synchronous or asynchronous. Besides its inputs it may take an <see cref="IProgress{T}"/>,
/// a <see cref="CancellationToken"/> and a <see cref="CallbackContext"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class BackgroundCallbackAttribute : Attribute
{
    /// <summary>Creates the attribute for the callback with the given id.</summary>
    /// <param name="id">The callback id, unique in the application; it appears in the invocation URL.</param>
    public BackgroundCallbackAttribute(string id) => Id = id;

    /// <summary>Gets the callback id.</summary>
    public string Id { get; }

    /// <summary>
    /// Gets or sets the pace, in milliseconds, at which a page sees a running job: the least time between two renders of
    /// its progress and side updates (reports that come sooner wait, and only the latest progress is shown), and how often
    /// a client that cannot hold a request open polls. The result is shown as soon as it comes.
    /// </summary>
    /// <value>1000, as in Dash.</value>
    public int Interval { get; set; } = 1000;

    /// <summary>Gets or sets whether the client skips the call it would make when the page loads.</summary>
    /// <value>
    /// When not set, <see cref="BackgroundCallbacksOptions.PreventInitialCallbacks"/> decides (false unless the app says
    /// otherwise); a value set here, true or false, wins over the option.
    /// </value>
    public bool PreventInitialCall
    {
        get => PreventInitialCallSetting ?? false;
        set => PreventInitialCallSetting = value;
    }

    /// <summary>The callback's own choice; null when it left it to the app-wide option.</summary>
    internal bool? PreventInitialCallSetting { get; private set; }

    /// <summary>Gets or sets the name of the manager that runs this callback; the default manager when not set.</summary>
    public string? Manager { get; set; }

    /// <summary>
    /// Gets or sets the names of the cache-by providers for this callback, replacing the manager's list.
    /// An empty array turns caching on with no provider; leaving it unset uses the manager's setting.
    /// </summary>
    public string[]? CacheBy { get; set; }

    /// <summary>
    /// Gets or sets the arguments left out of the cache key: positions (integers, counting inputs then state, triggers
    /// not counted) or names (strings, the argument's name).
    /// </summary>
    public object[]? CacheArgsToIgnore { get; set; }

    /// <summary>
    /// Gets or sets the only arguments the cache key is built from (Dash's <c>cache_by</c> over inputs and state), the
    /// complement of <see cref="CacheArgsToIgnore"/>: positions (integers, counting inputs then state, triggers not
    /// counted) or names (strings, an argument's or a request value parameter's name). Every argument and request value
    /// not named is left out of the key. Set one of the two lists, not both.
    /// </summary>
    /// <example><c>CacheArgs = new object[] { "value" }</c> caches by the <c>value</c> argument alone.</example>
    public object[]? CacheArgs { get; set; }

    /// <summary>
    /// Gets or sets whether the list of triggered inputs is left out of the cache key, as in Dash. Set it to false
    /// when the handler's result depends on which input fired.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool CacheIgnoreTriggered { get; set; } = true;

    /// <summary>
    /// Gets or sets the sliding expiry of cached results in seconds; 0 uses the manager's expiry.
    /// </summary>
    public int ExpireSeconds { get; set; }

    /// <summary>
    /// Gets or sets whether cached results are shared between owners. By default the owner (user or session)
    /// is part of the cache key, so one user's results are never served to another.
    /// </summary>
    public bool SharedResults { get; set; }

    /// <summary>
    /// Gets or sets whether the callback runs inline, in the request, with no job (Dash's <c>background=False</c>): the
    /// invocation is answered with its outputs. For quick callbacks; it caches, and makes and reads server-side outputs,
    /// as a background one does, but has no progress and cannot be cancelled.
    /// </summary>
    public bool Inline { get; set; }

    /// <summary>Gets or sets how many times a failed run is retried; 0 (the default) never retries.</summary>
    public int Retries { get; set; }

    /// <summary>
    /// Gets or sets how many of this callback's jobs may run at once, across every worker process; 0 (the default) sets
    /// no limit. Jobs past the limit wait in line, in the order they were admitted, and their state carries their place.
    /// </summary>
    public int MaxRunning { get; set; }

    /// <summary>
    /// Gets or sets how many of this callback's jobs may wait in line; an invocation past it is answered 503 with
    /// <c>Retry-After</c>. 0 (the default) leaves the line unbounded.
    /// </summary>
    public int MaxQueued { get; set; }

    /// <summary>
    /// Gets or sets the name of a concurrency group (configured in <see cref="BackgroundCallbacksOptions.ConcurrencyGroups"/>)
    /// whose limits this callback shares with the group's other callbacks, instead of limits of its own.
    /// </summary>
    public string? Group { get; set; }

    /// <summary>
    /// Gets or sets the time limit of one run, in seconds; 0 (the default) sets none. When it passes, the job ends
    /// <c>canceled</c> with the reason <c>timeout</c> at once and the handler's token fires.
    /// </summary>
    public int TimeoutSeconds { get; set; }

    /// <summary>
    /// Gets or sets the name of a static method on the same type that turns a handler's exception into outputs.
    /// It takes an <see cref="Exception"/> and a <see cref="CallbackContext"/> and returns the outputs, like the handler.
    /// </summary>
    public string? OnError { get; set; }
}
