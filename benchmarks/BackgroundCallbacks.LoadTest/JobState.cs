using System.Text.Json;

namespace BackgroundCallbacks.LoadTest;

/// <summary>What the driver reads from a 200 or 202 body: an invocation's answer, or a job as its handle sees it.</summary>
internal sealed record JobState(string Status, long Version, string? Location, string? CancelReason, string? FirstOutput)
{
    public bool IsTerminal => Status is "succeeded" or "failed" or "canceled";

    /// <summary>Null when the body is not the JSON object of docs/protocol.md.</summary>
    public static JobState? TryParse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var status) || status.GetString() is not { } text)
            {
                return null;
            }

            return new JobState(
                text,
                root.TryGetProperty("version", out var version) ? version.GetInt64() : 0,
                root.TryGetProperty("location", out var location) ? location.GetString() : null,
                root.TryGetProperty("cancelReason", out var reason) ? reason.GetString() : null,
                root.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Array && outputs.GetArrayLength() > 0
                    && outputs[0].TryGetProperty("value", out var value)
                    ? value.GetRawText()
                    : null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
