using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace BackgroundCallbacks.Client.Transport;

/// <summary>
/// Follows one handle on the Server-Sent Events stream, resuming from the last delivered version when the stream
/// closes without its <c>end</c> (the server lost its backend, or the connection dropped).
/// </summary>
internal static class EventStreamFollower
{
    /// <summary>
    /// How long a stream may send nothing before it is taken for dead: twice the server's default heartbeat
    /// (<c>EventStreamHeartbeat</c>, 15 s) and 5 s, as the browser client allows.
    /// </summary>
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(35);

    public static async IAsyncEnumerable<JobUpdate> FollowAsync(ProtocolConnection connection, string handle, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var dropped = 0;
        while (true)
        {
            var uri = connection.UriOf(string.Create(CultureInfo.InvariantCulture, $"events?jobs={Uri.EscapeDataString(handle)}&after={after}"));
            using var response = await connection.SendAsync(() => StreamRequest(uri), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await connection.ReadAsync(response, cancellationToken);
            }

            using var reader = new ServerSentEventReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            while (await reader.ReadAsync(Silence, connection.Time, cancellationToken) is { } sse)
            {
                switch (sse.Event)
                {
                    case "job":
                        var update = JobUpdate.Parse(Parse(sse.Data));
                        dropped = 0;
                        after = Math.Max(after, update.Version);
                        yield return update;
                        if (update.IsFinal)
                        {
                            yield break;
                        }

                        break;
                    case "job-error":
                        var problem = Parse(sse.Data);
                        var status = problem.TryGetProperty("status", out var code) && code.ValueKind == JsonValueKind.Number ? (HttpStatusCode)code.GetInt32() : HttpStatusCode.NotFound;
                        throw new CallbackProblemException(status, problem);
                    case "end":
                        yield break;
                }
            }

            if (++dropped > connection.Options.MaxRetries)
            {
                throw new HttpRequestException($"The event stream for job {handle} closed without its end {dropped} times in a row.");
            }

            // The server asks browsers to wait 2 s (its `retry`); a drop in a row waits longer each time.
            await Task.Delay(TimeSpan.FromSeconds(2 * dropped), connection.Time, cancellationToken);
        }
    }

    private static HttpRequestMessage StreamRequest(Uri uri)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    private static JsonElement Parse(string data)
    {
        using var document = JsonDocument.Parse(data);
        return document.RootElement.Clone();
    }
}
