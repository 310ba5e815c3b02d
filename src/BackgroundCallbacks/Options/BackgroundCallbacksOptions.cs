using System.Security.Claims;
using System.Text.Json;

namespace BackgroundCallbacks;

/// <summary>
/// Settings of the background callbacks: those of the default manager (inherited) and those of the whole app.
/// </summary>
public sealed class BackgroundCallbacksOptions : CallbackManagerOptions
{
    /// <summary>Gets the named managers a callback may choose with <see cref="BackgroundCallbackAttribute.Manager"/>.</summary>
    public IDictionary<string, CallbackManagerOptions> Managers { get; } = new Dictionary<string, CallbackManagerOptions>(StringComparer.Ordinal);

    /// <summary>Gets or sets how long a finished job's state stays available to its client.</summary>
    /// <value>Ten minutes.</value>
    public TimeSpan JobRetention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets or sets the largest invocation body accepted; a larger one is answered with 413.</summary>
    /// <value>1 MiB.</value>
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets the largest value one argument (an input or state value) may have, in bytes of its JSON text as sent;
    /// an invocation with a larger one is answered with 413 naming the argument. Each argument is also kept with its job
    /// and may be part of a cache key, so this bounds what one value costs the stores.
    /// </summary>
    /// <value>256 KiB.</value>
    public long MaxArgumentSize { get; set; } = 256 * 1024;

    /// <summary>Gets or sets the largest file <c>POST {prefix}/uploads</c> takes, in bytes; a larger one is refused with 413 and nothing is kept.</summary>
    /// <value>100 MB.</value>
    public long MaxUploadSize { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Gets the file extensions (<c>.csv</c>) and content types (<c>text/csv</c>) uploads may have; empty admits every
    /// file. Either the name's extension or the declared type must be listed, and the bytes must not contradict them.
    /// </summary>
    public ICollection<string> AllowedUploadTypes { get; } = new List<string>();

    /// <summary>Gets or sets how many uploads one owner may have in flight in one web process; past it, 429.</summary>
    /// <value>4.</value>
    public int MaxConcurrentUploadsPerOwner { get; set; } = 4;

    /// <summary>Gets or sets the name of the server-side value store uploads go to.</summary>
    /// <value><c>default</c>: memory on the embedded backend, Redis with <c>UseRedis</c>.</value>
    public string UploadStore { get; set; } = "default";

    /// <summary>Gets or sets the longest a job poll with <c>wait</c> is held open; longer waits are cut to this.</summary>
    /// <value>25 seconds, under the 30-second timeout of common proxies.</value>
    public TimeSpan MaxLongPollWait { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Gets or sets whether this process runs jobs. Turn it off in a web process that leaves the work to worker processes.</summary>
    /// <value>True.</value>
    public bool RunWorkers { get; set; } = true;

    /// <summary>Gets or sets how many jobs this process runs at once.</summary>
    /// <value>Twice the processor count, at least 4.</value>
    public int WorkerCount { get; set; } = Math.Max(4, Environment.ProcessorCount * 2);

    /// <summary>
    /// Gets or sets whether a failed job shows the exception's message to its client. Null shows it in the Development
    /// environment only; otherwise the client sees a generic message.
    /// </summary>
    public bool? IncludeExceptionDetails { get; set; }

    /// <summary>
    /// Gets or sets the app-wide error handler (Dash's <c>on_error</c>), used by callbacks without their own: it turns
    /// a handler's exception into outputs. Throwing from it, or leaving it unset, fails the job.
    /// </summary>
    public Func<Exception, CallbackContext, object?>? OnError { get; set; }

    /// <summary>
    /// Gets or sets whether callbacks skip the call the browser client makes when a page loads (Dash's
    /// <c>prevent_initial_callbacks</c>), for every callback that does not set
    /// <see cref="BackgroundCallbackAttribute.PreventInitialCall"/> itself; one that sets it, true or false, keeps its own.
    /// </summary>
    /// <value>False: callbacks run when the page loads, unless they say otherwise.</value>
    public bool PreventInitialCallbacks { get; set; }

    /// <summary>
    /// Gets or sets whether the application's assembly is scanned for <see cref="BackgroundCallbackAttribute"/> methods:
    /// the assembly named by <c>IHostEnvironment.ApplicationName</c> (so also under <c>WebApplicationFactory</c>), else
    /// the entry assembly.
    /// </summary>
    /// <value>True.</value>
    public bool ScanEntryAssembly { get; set; } = true;

    /// <summary>Gets or sets the name of the cookie that holds an anonymous user's session.</summary>
    /// <value><c>.BackgroundCallbacks.Session</c>.</value>
    public string SessionCookieName { get; set; } = ".BackgroundCallbacks.Session";

    /// <summary>
    /// Gets or sets how many bytes of results the embedded (in-memory) result cache may hold; when a new result takes
    /// it over, the least recently used results are dropped. Results with a Redis backend live in Redis and are bounded
    /// by its <c>maxmemory</c> instead.
    /// </summary>
    /// <value>100 MB, as ASP.NET Core's output cache.</value>
    public long ResultCacheSizeLimit { get; set; } = 100 * 1024 * 1024;

    /// <summary>
    /// Gets the claim types of the signed-in user that are copied into each job, for its handler's
    /// <see cref="CallbackContext.User"/>. Jobs are stored (in Redis with the Redis backend) for their retention, so
    /// keep personal data such as e-mail addresses out unless a handler needs it.
    /// </summary>
    /// <value>The name identifier claim (<see cref="ClaimTypes.NameIdentifier"/>) only.</value>
    public ICollection<string> JobClaimTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { ClaimTypes.NameIdentifier };

    /// <summary>
    /// Gets the concurrency groups by name: callbacks that name a group with <see cref="BackgroundCallbackAttribute.Group"/>
    /// share its limits, across every worker process.
    /// </summary>
    public IDictionary<string, ConcurrencyGroupOptions> ConcurrencyGroups { get; } = new Dictionary<string, ConcurrencyGroupOptions>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets how many unended jobs one owner may follow at once; an invocation past it is answered 429 with
    /// <c>Retry-After</c>. Anonymous callers are also counted by client address, since a client can drop its cookie.
    /// </summary>
    /// <value>Null (the default): no limit.</value>
    public int? MaxLiveJobsPerOwner { get; set; }

    /// <summary>
    /// Gets or sets how long a job may go without a follower polling or streaming it before it is cancelled
    /// (reason <c>abandoned</c>): the page that wanted it has gone. It must exceed the browser client's longest retry delay.
    /// </summary>
    /// <value>Null (the default): jobs are never cancelled for being abandoned.</value>
    public TimeSpan? AbandonedJobGrace { get; set; }

    /// <summary>Gets or sets how often an idle event stream sends a comment, so proxies and clients know it is alive.</summary>
    /// <value>15 seconds.</value>
    public TimeSpan EventStreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how many jobs one event stream may follow.</summary>
    /// <value>100.</value>
    public int MaxJobsPerEventStream { get; set; } = 100;

    /// <summary>Gets or sets how long a POST's <c>Idempotency-Key</c> is remembered: a retry within it gets the same job or answer.</summary>
    /// <value>24 hours.</value>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The browser client's longest delay between two retries; an abandoned-job grace must exceed it.</summary>
    internal static readonly TimeSpan ClientMaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>How long an admission may stay unacknowledged before a sweeper finishes it (queues its job, detaches an orphan).</summary>
    internal TimeSpan AdmissionGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often each process looks for admissions left unfinished.</summary>
    internal TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after its token fired a handler may run on before a warning says it ignores cancellation.</summary>
    internal TimeSpan IgnoredCancelWarning { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how handler values and outputs are written to JSON, and inputs read from it.</summary>
    /// <value>The web defaults: camelCase names, case-insensitive reads.</value>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
