using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// What an <c>Idempotency-Key</c> holds: the fingerprint of the invocation that took it and, once answered, the answer
/// (a handle, cached outputs, or an inline call's outcome). While the first invocation is being answered it is pending.
/// </summary>
internal sealed record IdempotencyRecord
{
    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    [JsonPropertyName("f")]
    public required string Fingerprint { get; init; }

    [JsonPropertyName("p")]
    public bool Pending { get; init; }

    [JsonPropertyName("h")]
    public string? Handle { get; init; }

    [JsonPropertyName("j")]
    public bool Joined { get; init; }

    /// <summary>The job's status when admitted, or an inline call's.</summary>
    [JsonPropertyName("s")]
    public JobStatus Status { get; init; }

    [JsonPropertyName("c")]
    public string? CachedOutputsJson { get; init; }

    [JsonPropertyName("i")]
    public bool Inline { get; init; }

    [JsonPropertyName("o")]
    public string? OutputsJson { get; init; }

    [JsonPropertyName("e")]
    public string? Error { get; init; }

    [JsonPropertyName("u")]
    public IReadOnlyList<KeyValuePair<string, string>>? SideUpdates { get; init; }

    public static IdempotencyRecord Reserved(string fingerprint) => new() { Fingerprint = fingerprint, Pending = true };

    public static IdempotencyRecord Answered(string fingerprint, InvocationResult result) => result.Inline is { } outcome
        ? new()
        {
            Fingerprint = fingerprint,
            Inline = true,
            Status = outcome.Status,
            OutputsJson = outcome.OutputsJson,
            Error = outcome.Error,
            SideUpdates = result.SideUpdates.Count == 0 ? null : result.SideUpdates,
        }
        : new()
        {
            Fingerprint = fingerprint,
            Handle = result.Handle,
            Joined = result.Joined,
            Status = result.Status,
            CachedOutputsJson = result.CachedOutputs is { } outputs ? Encoding.UTF8.GetString(outputs.Span) : null,
        };

    public static IdempotencyRecord Parse(string json) =>
        JsonSerializer.Deserialize<IdempotencyRecord>(json, Json) ?? throw new JsonException("An idempotency record is empty.");

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
