using System.Net;
using System.Text.Json;

namespace BackgroundCallbacks.Client;

/// <summary>
/// The server refused a request: its status code and its problem-details document (RFC 9457). A 503 or 429 whose
/// retries ran out, or whose <c>Retry-After</c> was longer than the client waits, carries the delay.
/// </summary>
public sealed class CallbackProblemException : Exception
{
    /// <summary>An exception for a refused request.</summary>
    /// <param name="statusCode">The answer's status code.</param>
    /// <param name="problem">The problem-details document (an empty object when the answer had none).</param>
    /// <param name="retryAfter">The answer's <c>Retry-After</c>, when it had one.</param>
    public CallbackProblemException(HttpStatusCode statusCode, JsonElement problem, TimeSpan? retryAfter = null)
        : base(MessageOf(statusCode, problem))
    {
        StatusCode = statusCode;
        Problem = problem;
        RetryAfter = retryAfter;
    }

    /// <summary>The answer's status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The problem-details document as the server sent it.</summary>
    public JsonElement Problem { get; }

    /// <summary>The problem's <c>title</c>.</summary>
    public string? Title => JobUpdate.String(Problem, "title");

    /// <summary>The problem's <c>detail</c>.</summary>
    public string? Detail => JobUpdate.String(Problem, "detail");

    /// <summary>The problem's <c>reason</c> extension (<c>queue-full</c>, <c>too-many-jobs</c>, <c>expired</c>, …), when it has one.</summary>
    public string? Reason => JobUpdate.String(Problem, "reason");

    /// <summary>The answer's <c>Retry-After</c>, when it had one.</summary>
    public TimeSpan? RetryAfter { get; }

    private static string MessageOf(HttpStatusCode statusCode, JsonElement problem)
    {
        var title = JobUpdate.String(problem, "title");
        var detail = JobUpdate.String(problem, "detail");
        return $"{(int)statusCode} {title ?? statusCode.ToString()}{(detail is null ? "" : ": " + detail)}";
    }
}
