using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace BackgroundCallbacks.Client;

/// <summary>
/// The server's answer to an invocation: a result at once (200: a cache hit or an inline callback), or a job to
/// follow (202).
/// </summary>
public sealed class CallbackInvocation
{
    private readonly BackgroundCallbacksClient _client;

    internal CallbackInvocation(BackgroundCallbacksClient client, HttpStatusCode statusCode, JsonElement document)
    {
        _client = client;
        StatusCode = statusCode;
        Document = document;
        State = JobUpdate.Parse(document);
        ProgressDefault = JobUpdate.Values(document, "progressDefault") ?? [];
        Joined = document.TryGetProperty("joined", out var joined) && joined.ValueKind == JsonValueKind.True;
        Interval = document.TryGetProperty("interval", out var interval) && interval.ValueKind == JsonValueKind.Number
            ? TimeSpan.FromMilliseconds(interval.GetDouble())
            : null;
    }

    /// <summary>200 (the result is in <see cref="State"/>) or 202 (a job: follow <see cref="Handle"/>).</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The callback's id.</summary>
    public string CallbackId => State.CallbackId;

    /// <summary>The handle of the job this invocation follows; null when the answer came at once.</summary>
    public string? Handle => State.Handle;

    /// <summary>Whether the invocation joined a job an identical invocation had started.</summary>
    public bool Joined { get; }

    /// <summary>The callback's interval: the least time between two renders of a running job's progress.</summary>
    public TimeSpan? Interval { get; }

    /// <summary>The progress values to show when the job ends (the declared defaults).</summary>
    public IReadOnlyList<CallbackValue> ProgressDefault { get; }

    /// <summary>The state the answer told: final for a 200, queued or running for a 202.</summary>
    public JobUpdate State { get; }

    /// <summary>The answer's body as the server sent it.</summary>
    public JsonElement Document { get; }

    /// <summary>
    /// Every update of the job until it ends, the final one last. A 200 answer yields its own state once.
    /// </summary>
    /// <param name="cancellationToken">Stops following (the job goes on: use <see cref="CancelAsync"/> to cancel it).</param>
    /// <returns>The updates, as they come.</returns>
    public async IAsyncEnumerable<JobUpdate> FollowAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Handle is null)
        {
            yield return State;
            yield break;
        }

        await foreach (var update in _client.FollowAsync(Handle, 0, cancellationToken))
        {
            yield return update;
        }
    }

    /// <summary>Follows the job to its end.</summary>
    /// <param name="cancellationToken">Stops waiting (the job goes on).</param>
    /// <returns>The final update: outputs, an error or a cancel reason.</returns>
    public async Task<JobUpdate> GetResultAsync(CancellationToken cancellationToken = default)
    {
        var last = State;
        await foreach (var update in FollowAsync(cancellationToken))
        {
            last = update;
        }

        return last;
    }

    /// <summary>Sends <c>DELETE</c> for this invocation's handle: it ends <c>canceled</c> at once, and so does the job when nobody else follows it.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle's state after the cancel; for a 200 answer, its own state.</returns>
    public Task<JobUpdate> CancelAsync(CancellationToken cancellationToken = default) =>
        Handle is null ? Task.FromResult(State) : _client.CancelAsync(Handle, cancellationToken);
}
