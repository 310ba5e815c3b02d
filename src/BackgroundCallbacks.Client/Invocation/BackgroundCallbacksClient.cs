using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;
using BackgroundCallbacks.Client.Transport;

namespace BackgroundCallbacks.Client;

/// <summary>
/// Invokes callbacks of a BackgroundCallbacks server and follows their jobs, as docs/protocol.md describes. One
/// instance is one session: it keeps the cookies the server issues (the session cookie owns its handles), so keep
/// the instance for as long as you follow its jobs.
/// </summary>
public sealed class BackgroundCallbacksClient
{
    private readonly ProtocolConnection _connection;
    private Task<CallbackMap>? _map;

    /// <summary>A client over <paramref name="httpClient"/>, with a cookie jar of its own.</summary>
    /// <param name="httpClient">Sends the requests. Its handler should not keep cookies itself (<c>UseCookies = false</c>).</param>
    /// <param name="options">Where the server is and how to retry and follow; the defaults when null (then <paramref name="httpClient"/> needs a base address).</param>
    /// <param name="timeProvider">The clock <c>Retry-After</c> delays are waited on; the system's when null.</param>
    public BackgroundCallbacksClient(HttpClient httpClient, BackgroundCallbacksClientOptions? options = null, TimeProvider? timeProvider = null)
        : this(httpClient, options, timeProvider, new CookieContainer())
    {
    }

    // A null jar leaves cookies to the handler: the test suites' adapters pass HttpClients that keep their own.
    internal BackgroundCallbacksClient(HttpClient httpClient, BackgroundCallbacksClientOptions? options, TimeProvider? timeProvider, CookieContainer? cookies)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _connection = new ProtocolConnection(httpClient, options ?? new BackgroundCallbacksClientOptions(), timeProvider ?? TimeProvider.System, cookies);
    }

    internal ProtocolConnection Connection => _connection;

    /// <summary>
    /// Reads the callback map (<c>GET {prefix}/dependencies</c>). The first request of a client also takes its
    /// session cookie, so calling this first keeps concurrent first invocations in one session.
    /// </summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The dependencies document.</returns>
    public async Task<JsonElement> GetDependenciesAsync(CancellationToken cancellationToken = default)
    {
        var uri = _connection.UriOf("dependencies");
        using var response = await _connection.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), HttpCompletionOption.ResponseContentRead, cancellationToken);
        return await _connection.ReadAsync(response, cancellationToken);
    }

    /// <summary>Invokes a callback with its inputs and state named by component id and property.</summary>
    /// <param name="callbackId">The callback's id.</param>
    /// <param name="request">The invocation's values and options.</param>
    /// <param name="cancellationToken">Cancels the request (not a job it started: use <see cref="CancelAsync"/>).</param>
    /// <returns>The answer: a result (200) or a job to follow (202).</returns>
    /// <exception cref="CallbackProblemException">The server refused it (4xx), or was still unavailable after the retries.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Both overloads ship in the same version, so no caller was compiled against only one.")]
    public async Task<CallbackInvocation> InvokeAsync(string callbackId, CallbackRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(callbackId);
        ArgumentNullException.ThrowIfNull(request);
        var body = InvocationBody.Write(request);
        var uri = _connection.UriOf("callbacks/" + Uri.EscapeDataString(callbackId));
        using var response = await _connection.SendAsync(() =>
        {
            var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
            message.Content.Headers.ContentType = ProtocolConnection.JsonContentType;
            if (request.IdempotencyKey is { } key)
            {
                message.Headers.Add("Idempotency-Key", key);
            }

            return message;
        }, HttpCompletionOption.ResponseContentRead, cancellationToken);
        var document = await _connection.ReadAsync(response, cancellationToken);
        return new CallbackInvocation(this, response.StatusCode, document);
    }

    /// <summary>
    /// Invokes a callback with positional values: its inputs, then its state, in declaration order. The client reads
    /// the callback map once to name each value's component, and names the first input as the one that changed.
    /// </summary>
    /// <param name="callbackId">The callback's id.</param>
    /// <param name="values">One value per declared input and state value.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The answer: a result (200) or a job to follow (202).</returns>
    /// <exception cref="ArgumentException">The server has no such callback, the count of values is not its count of inputs and state, or it has pattern-matching components.</exception>
    /// <exception cref="CallbackProblemException">The server refused it (4xx), or was still unavailable after the retries.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "Both overloads ship in the same version, so no caller was compiled against only one.")]
    public async Task<CallbackInvocation> InvokeAsync(string callbackId, IReadOnlyList<object?> values, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var map = await MapAsync(cancellationToken);
        return await InvokeAsync(callbackId, map.RequestFor(callbackId, values), cancellationToken);
    }

    /// <summary>Follows a handle until its job ends, by the transport the options name.</summary>
    /// <param name="handle">The handle a 202 answer gave.</param>
    /// <param name="after">The version already seen: only what is newer comes (0: everything so far).</param>
    /// <param name="cancellationToken">Stops following (the job goes on).</param>
    /// <returns>Each update, the final one last.</returns>
    /// <exception cref="CallbackProblemException">404: no such job, it expired, or it belongs to another session or user.</exception>
    public IAsyncEnumerable<JobUpdate> FollowAsync(string handle, long after = 0, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(handle);
        return _connection.Options.Transport == CallbackTransport.EventStream
            ? EventStreamFollower.FollowAsync(_connection, handle, after, cancellationToken)
            : LongPollFollower.FollowAsync(_connection, handle, after, cancellationToken);
    }

    /// <summary>Reads a handle's state once, without waiting (<c>GET {prefix}/jobs/{handle}</c>).</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>Its state, with all progress and side updates so far.</returns>
    /// <exception cref="CallbackProblemException">404: no such job, it expired, or it belongs to another session or user.</exception>
    public async Task<JobUpdate> GetJobAsync(string handle, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(handle);
        var uri = _connection.UriOf("jobs/" + Uri.EscapeDataString(handle));
        using var response = await _connection.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), HttpCompletionOption.ResponseContentRead, cancellationToken);
        return JobUpdate.Parse(await _connection.ReadAsync(response, cancellationToken));
    }

    /// <summary>Cancels a handle's interest in its job (<c>DELETE {prefix}/jobs/{handle}</c>); the job stops when nobody else follows it. Repeating it is harmless.</summary>
    /// <param name="handle">The handle.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle's state: <see cref="JobStatus.Canceled"/>, unless the job had ended before.</returns>
    /// <exception cref="CallbackProblemException">404: no such job, it expired, or it belongs to another session or user.</exception>
    public async Task<JobUpdate> CancelAsync(string handle, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(handle);
        var uri = _connection.UriOf("jobs/" + Uri.EscapeDataString(handle));
        using var response = await _connection.SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, uri), HttpCompletionOption.ResponseContentRead, cancellationToken);
        return JobUpdate.Parse(await _connection.ReadAsync(response, cancellationToken));
    }

    private Task<CallbackMap> MapAsync(CancellationToken cancellationToken)
    {
        var map = _map;
        if (map is null || map.IsFaulted || map.IsCanceled)
        {
            map = _map = LoadMapAsync(cancellationToken);
        }

        return map;
    }

    private async Task<CallbackMap> LoadMapAsync(CancellationToken cancellationToken) =>
        new(await GetDependenciesAsync(cancellationToken));
}
