using System.Text;

namespace BackgroundCallbacks.Client.Transport;

/// <summary>Reads the events of a <c>text/event-stream</c> body: each ends at a blank line; comments and <c>retry</c> are skipped.</summary>
internal sealed class ServerSentEventReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>
    /// The next event, or null when the stream ended (cleanly or not) before one was complete, or sent nothing for
    /// <paramref name="silence"/>.
    /// </summary>
    public async Task<(string Event, string Data)?> ReadAsync(TimeSpan silence, TimeProvider time, CancellationToken cancellationToken)
    {
        using var quiet = new CancellationTokenSource(silence, time);
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, quiet.Token);
        string? name = null;
        var data = new StringBuilder();
        var hasData = false;
        while (true)
        {
            string? line;
            try
            {
                line = await _reader.ReadLineAsync(reading.Token);
            }
            catch (OperationCanceledException) when (quiet.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // A connection that died without a word (a dropped network, a NAT that forgot it) sends no pings either.
                return null;
            }
            catch (IOException)
            {
                // The connection died mid-stream: the caller resumes from the last version it got.
                return null;
            }
            catch (HttpRequestException)
            {
                return null;
            }

            if (line is null)
            {
                return null;
            }

            if (line.Length == 0)
            {
                if (name is null && !hasData)
                {
                    continue;
                }

                return (name ?? "message", data.ToString());
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    name = value;
                    break;
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    hasData = true;
                    break;
            }
        }
    }

    public void Dispose() => _reader.Dispose();
}
