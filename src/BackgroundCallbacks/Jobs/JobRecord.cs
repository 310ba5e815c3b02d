namespace BackgroundCallbacks.Jobs;

/// <summary>What an invocation hands to the worker: everything the job needs, written once when the job is created.</summary>
/// <param name="JobId">The job's id, shared by all its followers.</param>
/// <param name="Owner">The owner of the invocation that created the job; the handler runs with this caller's identity.</param>
/// <param name="CallbackId">The callback to run.</param>
/// <param name="Key">The cache key, or null when the callback does not cache; identical invocations join on it.</param>
/// <param name="ArgsJson">
/// The input and state values as a JSON array, in declaration order; <see cref="DroppedArguments"/> once the job ended,
/// since an ended job never runs again.
/// </param>
/// <param name="Triggered">The triggered inputs, as <c>componentId.property</c>.</param>
/// <param name="Claims">The creating caller's identity claims, as (type, value) pairs.</param>
/// <param name="AuthenticationType">The creating caller's authentication type; null when anonymous.</param>
/// <param name="MatchJson">For pattern-matching callbacks, the MATCH values as a JSON object; otherwise null.</param>
/// <param name="IdsJson">
/// The concrete ids the client sent for ALL values, as <see cref="ArgumentIds"/> writes them; otherwise null, and null
/// once the job ended.
/// </param>
/// <param name="RequestValuesJson">
/// The request values the handler declares (never the whole header set or cookie jar), as a JSON array holding per value
/// its strings or null; null when it declares none, and null once the job ended.
/// </param>
/// <param name="TraceParent">
/// The W3C <c>traceparent</c> of the span current when the job was admitted (the invoke span), so its runs continue
/// that trace in whichever process runs them; null when nothing was traced.
/// </param>
/// <param name="TraceState">The W3C <c>tracestate</c> that goes with <see cref="TraceParent"/>, if any.</param>
/// <param name="AdmittedAt">When the job was admitted, by the admitting process's clock, for the queue wait it measures.</param>
internal sealed record JobRecord(
    string JobId,
    string Owner,
    string CallbackId,
    string? Key,
    string ArgsJson,
    IReadOnlyList<string> Triggered,
    IReadOnlyList<KeyValuePair<string, string>> Claims,
    string? AuthenticationType,
    string? MatchJson = null,
    string? IdsJson = null,
    string? RequestValuesJson = null,
    string? TraceParent = null,
    string? TraceState = null,
    DateTimeOffset? AdmittedAt = null)
{
    /// <summary>What <see cref="ArgsJson"/> holds once a job ended and its arguments were dropped.</summary>
    public const string DroppedArguments = "null";
}
