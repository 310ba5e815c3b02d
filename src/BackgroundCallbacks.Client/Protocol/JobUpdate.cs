using System.Text.Json;

namespace BackgroundCallbacks.Client;

/// <summary>
/// One state of an invocation as the server told it: a job document (a poll's or a stream's answer), or the
/// 200 answer of a cache hit or an inline callback. Progress and side updates hold only what is newer than the
/// update before it.
/// </summary>
public sealed class JobUpdate
{
    private JobUpdate(JsonElement document)
    {
        Document = document;
    }

    /// <summary>The handle this update is about; null for a 200 answer, which has no job.</summary>
    public string? Handle { get; private init; }

    /// <summary>The callback's id.</summary>
    public string CallbackId { get; private init; } = "";

    /// <summary>The status.</summary>
    public JobStatus Status { get; private init; }

    /// <summary>Whether the status is final: <see cref="JobStatus.Succeeded"/>, <see cref="JobStatus.Failed"/> or <see cref="JobStatus.Canceled"/>.</summary>
    public bool IsFinal => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Canceled;

    /// <summary>The job's version; it grows with every change. Zero for a 200 answer.</summary>
    public long Version { get; private init; }

    /// <summary>The last reported progress, when it is newer than the previous update; otherwise null.</summary>
    public IReadOnlyList<CallbackValue>? Progress { get; private init; }

    /// <summary>The <c>SetProps</c> updates newer than the previous update, oldest first.</summary>
    public IReadOnlyList<SideUpdate> SideUpdates { get; private init; } = [];

    /// <summary>The outputs, when <see cref="Status"/> is <see cref="JobStatus.Succeeded"/>; an output left unchanged is absent.</summary>
    public IReadOnlyList<CallbackValue>? Outputs { get; private init; }

    /// <summary>The error message, when <see cref="Status"/> is <see cref="JobStatus.Failed"/>.</summary>
    public string? Error { get; private init; }

    /// <summary>Why it was cancelled (<c>requested</c>, <c>superseded</c>, <c>timeout</c>, <c>abandoned</c>), when <see cref="Status"/> is <see cref="JobStatus.Canceled"/>.</summary>
    public string? CancelReason { get; private init; }

    /// <summary>While the job waits in line: how many jobs are ahead of it (0: it runs next); otherwise null.</summary>
    public int? Position { get; private init; }

    /// <summary>While the job waits in line: the server's estimate of the seconds until its result, when it has one.</summary>
    public double? EtaSeconds { get; private init; }

    /// <summary>Whether this is a cache hit's answer.</summary>
    public bool Cached { get; private init; }

    /// <summary>Whether this is an inline callback's answer.</summary>
    public bool Inline { get; private init; }

    /// <summary>The document as the server sent it, for fields this type does not name.</summary>
    public JsonElement Document { get; }

    /// <summary>Reads the output of the component with the string id <paramref name="id"/> and this property.</summary>
    /// <param name="id">The component's id.</param>
    /// <param name="property">The property.</param>
    /// <param name="serializerOptions">How to read it; <see cref="JsonSerializerOptions.Web"/> when null.</param>
    /// <returns>The value, or default when there is no such output (also when the handler left it unchanged).</returns>
    public T? GetOutput<T>(string id, string property, JsonSerializerOptions? serializerOptions = null) =>
        Outputs?.FirstOrDefault(o => o.Is(id, property)) is { } output ? output.GetValue<T>(serializerOptions) : default;

    internal static JobUpdate Parse(JsonElement document) => new(document)
    {
        Handle = String(document, "handle"),
        CallbackId = String(document, "callbackId") ?? "",
        Status = ParseStatus(String(document, "status")),
        Version = document.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number ? version.GetInt64() : 0,
        Progress = Values(document, "progress"),
        SideUpdates = SideUpdatesOf(document),
        Outputs = Values(document, "outputs"),
        Error = String(document, "error"),
        CancelReason = String(document, "cancelReason"),
        Position = document.TryGetProperty("position", out var position) && position.ValueKind == JsonValueKind.Number ? position.GetInt32() : null,
        EtaSeconds = document.TryGetProperty("etaSeconds", out var eta) && eta.ValueKind == JsonValueKind.Number ? eta.GetDouble() : null,
        Cached = Flag(document, "cached"),
        Inline = Flag(document, "inline"),
    };

    internal static IReadOnlyList<CallbackValue>? Values(JsonElement document, string name)
    {
        if (!document.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return list.EnumerateArray()
            .Select(v => new CallbackValue(v.GetProperty("id"), v.GetProperty("property").GetString()!, v.TryGetProperty("value", out var value) ? value : default))
            .ToArray();
    }

    internal static string? String(JsonElement document, string name) =>
        document.ValueKind == JsonValueKind.Object && document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Flag(JsonElement document, string name) =>
        document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static SideUpdate[] SideUpdatesOf(JsonElement document)
    {
        if (!document.TryGetProperty("sideUpdates", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return list.EnumerateArray()
            .Select(u => new SideUpdate(u.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0, u.GetProperty("id"), u.GetProperty("props")))
            .ToArray();
    }

    private static JobStatus ParseStatus(string? status) => status switch
    {
        "queued" => JobStatus.Queued,
        "running" => JobStatus.Running,
        "succeeded" => JobStatus.Succeeded,
        "failed" => JobStatus.Failed,
        "canceled" => JobStatus.Canceled,
        _ => throw new JsonException($"Unknown job status '{status}'."),
    };
}
