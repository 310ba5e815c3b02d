using System.Net.Sockets;
using System.Text;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// Sends one command to a Redis or a sentinel on 127.0.0.1 over a fresh connection and reads its reply, for the test
/// infrastructure's checks: no multiplexer of its own that could follow a failover and so hide which node answered.
/// Replies come back as a string, a long, null, or an array of those; an error reply throws.
/// </summary>
internal static class RespClient
{
    public static async Task<bool> PingAsync(int port)
    {
        try
        {
            return await CommandAsync(port, "PING") is "PONG";
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    public static async Task<object?> CommandAsync(int port, params string[] command)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = client.GetStream();
            var request = new StringBuilder().Append('*').Append(command.Length).Append("\r\n");
            foreach (var part in command)
            {
                request.Append('$').Append(Encoding.UTF8.GetByteCount(part)).Append("\r\n").Append(part).Append("\r\n");
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), timeout.Token);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await ReadAsync(reader).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"Redis on port {port} did not answer {command[0]} in time.", e);
        }
    }

    /// <summary>A flat list of field, value, field, value (as SENTINEL MASTER gives) as a dictionary.</summary>
    public static Dictionary<string, string> Fields(object? reply)
    {
        var items = (object?[])reply!;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            fields[(string)items[i]!] = items[i + 1]?.ToString() ?? string.Empty;
        }

        return fields;
    }

    /// <summary>The "field:value" lines of an INFO reply.</summary>
    public static Dictionary<string, string> Info(object? reply) =>
        ((string)reply!).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#') && l.Contains(':'))
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    private static async Task<object?> ReadAsync(StreamReader reader)
    {
        var line = await reader.ReadLineAsync() ?? throw new IOException("Redis closed the connection.");
        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                throw new InvalidOperationException("Redis answered an error: " + rest);
            case ':':
                return long.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                // Bulk strings here are ASCII (INFO, addresses, names), so characters count as bytes.
                var buffer = new char[length + 2];
                var read = 0;
                while (read < buffer.Length)
                {
                    var n = await reader.ReadAsync(buffer.AsMemory(read));
                    if (n == 0)
                    {
                        throw new IOException("Redis closed the connection.");
                    }

                    read += n;
                }

                return new string(buffer, 0, length);
            case '*':
                var count = int.Parse(rest, System.Globalization.CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }

                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = await ReadAsync(reader);
                }

                return items;
            default:
                throw new IOException("Unexpected reply from Redis: " + line);
        }
    }
}
