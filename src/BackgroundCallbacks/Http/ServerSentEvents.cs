using System.Buffers;
using System.Text;

namespace BackgroundCallbacks.Http;

/// <summary>The framing of text/event-stream (the WHATWG HTML "Server-sent events" format): events and the retry field.</summary>
internal static class ServerSentEvents
{
    public const string ContentType = "text/event-stream";

    /// <summary>
    /// One event. A line break inside <paramref name="data"/> starts another <c>data:</c> line, which the client joins
    /// back with a line feed: JSON copied from a store may hold line breaks between its tokens, never inside a string.
    /// </summary>
    public static ReadOnlyMemory<byte> Event(string name, string? id, ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>(data.Length + 64);
        Write(buffer, "event: ");
        Write(buffer, name);
        Write(buffer, "\n");
        if (id is not null)
        {
            Write(buffer, "id: ");
            Write(buffer, id);
            Write(buffer, "\n");
        }

        Write(buffer, "data: ");
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (b is (byte)'\r' or (byte)'\n')
            {
                if (b == '\r' && i + 1 < data.Length && data[i + 1] == '\n')
                {
                    i++;
                }

                Write(buffer, "\ndata: ");
            }
            else
            {
                buffer.GetSpan(1)[0] = b;
                buffer.Advance(1);
            }
        }

        Write(buffer, "\n\n");
        return buffer.WrittenMemory;
    }

    /// <summary>How long a client waits before it reconnects.</summary>
    public static ReadOnlyMemory<byte> Retry(TimeSpan delay) =>
        Encoding.UTF8.GetBytes(FormattableString.Invariant($"retry: {(long)delay.TotalMilliseconds}\n\n"));

    private static void Write(ArrayBufferWriter<byte> buffer, string text)
    {
        var written = Encoding.UTF8.GetBytes(text, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length)));
        buffer.Advance(written);
    }
}
