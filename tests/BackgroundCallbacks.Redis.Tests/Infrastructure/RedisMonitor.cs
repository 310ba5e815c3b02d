using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// A <c>MONITOR</c> feed of a test's own redis-server on 127.0.0.1: every command it ran, in order, with whether a
/// client sent it or a script ran it (Redis lists a script's <c>EVAL</c>/<c>EVALSHA</c> just before the commands the
/// script runs, and marks those <c>lua</c>). StackExchange.Redis has no <c>MONITOR</c>, hence a socket of its own.
/// </summary>
public sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly StreamReader _reader;
    private readonly List<MonitoredCommand> _commands = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly int _port;

    private RedisMonitor(int port, TcpClient client, StreamReader reader)
    {
        _port = port;
        _client = client;
        _reader = reader;
        _reading = Task.Run(ReadAsync);
    }

    public static async Task<RedisMonitor> StartAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync("*1\r\n$7\r\nMONITOR\r\n"u8.ToArray());
        var reader = new StreamReader(stream, Encoding.UTF8);
        var ok = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5));
        if (ok != "+OK")
        {
            client.Dispose();
            throw new InvalidOperationException($"MONITOR answered {ok}.");
        }

        return new RedisMonitor(port, client, reader);
    }

    /// <summary>
    /// Everything Redis ran up to now: sends <c>ECHO</c> of a fresh marker and waits until the feed has shown it, so no
    /// command sent before this call is still on its way. The marker itself is left out.
    /// </summary>
    public async Task<IReadOnlyList<MonitoredCommand>> SnapshotAsync()
    {
        var marker = "monitor-mark-" + Guid.NewGuid().ToString("N");
        await RespClient.CommandAsync(_port, "ECHO", marker);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            lock (_lock)
            {
                var at = _commands.FindIndex(c => c.Name == "ECHO" && c.Arguments.Count == 1 && c.Arguments[0] == marker);
                if (at >= 0)
                {
                    var snapshot = _commands.Take(at).Where(c => !(c.Name == "ECHO" && c.Arguments.Count == 1 && c.Arguments[0].StartsWith("monitor-mark-", StringComparison.Ordinal))).ToArray();
                    return snapshot;
                }
            }

            if (_reading.IsCompleted)
            {
                await _reading;
                throw new InvalidOperationException("The MONITOR feed ended.");
            }

            Assert.True(DateTime.UtcNow < deadline, "The MONITOR feed never showed the marker.");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _client.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // The socket was closed under the reader: that is how it stops.
        }

        _stop.Dispose();
        _reader.Dispose();
    }

    private async Task ReadAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var line = await _reader.ReadLineAsync(_stop.Token);
            if (line is null)
            {
                return;
            }

            if (Parse(line) is { } command)
            {
                lock (_lock)
                {
                    _commands.Add(command);
                }
            }
        }
    }

    /// <summary>Reads <c>+1796601619.524354 [0 lua] "SET" "foo" "x"</c>: the source and the quoted, escaped words.</summary>
    private static MonitoredCommand? Parse(string line)
    {
        var open = line.IndexOf('[', StringComparison.Ordinal);
        var close = open < 0 ? -1 : line.IndexOf(']', open);
        if (close < 0)
        {
            return null;
        }

        var source = line[(open + 1)..close];
        var words = new List<string>();
        var i = close + 1;
        while (i < line.Length)
        {
            if (line[i] != '"')
            {
                i++;
                continue;
            }

            var word = new StringBuilder();
            i++;
            while (i < line.Length && line[i] != '"')
            {
                if (line[i] == '\\' && i + 1 < line.Length)
                {
                    var next = line[i + 1];
                    if (next == 'x' && i + 3 < line.Length)
                    {
                        word.Append((char)int.Parse(line.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        continue;
                    }

                    word.Append(next switch { 'n' => '\n', 'r' => '\r', 't' => '\t', 'a' => '\a', 'b' => '\b', _ => next });
                    i += 2;
                    continue;
                }

                word.Append(line[i]);
                i++;
            }

            words.Add(word.ToString());
            i++;
        }

        return words.Count == 0 ? null : new MonitoredCommand(source.EndsWith(" lua", StringComparison.Ordinal), words[0].ToUpperInvariant(), words.Skip(1).ToArray());
    }
}
