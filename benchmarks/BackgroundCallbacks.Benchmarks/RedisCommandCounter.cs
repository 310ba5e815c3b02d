using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// Counts what Redis processed over a window, three ways: the calls in <c>INFO commandstats</c> (every command, those
/// run by scripts included), <c>total_commands_processed</c> from <c>INFO stats</c>, and, from a <c>MONITOR</c>
/// connection, the commands clients sent (a line not marked <c>lua</c>) and their round trips, which the library's own
/// multiplexers would not let the benchmark count. <c>INFO</c> itself is left out of every count.
/// </summary>
internal sealed class RedisCommandCounter(IServer server, int port)
{
    public async Task<Snapshot> ReadAsync()
    {
        var commands = ParseCommandStats(await server.InfoRawAsync("commandstats") ?? string.Empty);
        var stats = await server.InfoRawAsync("stats") ?? string.Empty;
        var processed = stats.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("total_commands_processed:", StringComparison.Ordinal))
            .Select(l => long.Parse(l["total_commands_processed:".Length..], CultureInfo.InvariantCulture))
            .Single();
        return new Snapshot(commands, processed);
    }

    /// <summary>Starts a MONITOR connection; dispose the returned watch to stop it and read its counts.</summary>
    public async Task<MonitorWatch> MonitorAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        var reader = new StreamReader(stream);
        var ok = await reader.ReadLineAsync();
        if (ok != "+OK")
        {
            client.Dispose();
            throw new InvalidOperationException($"MONITOR answered {ok}");
        }

        return new MonitorWatch(client, reader);
    }

    private static Dictionary<string, long> ParseCommandStats(string info)
    {
        // cmdstat_evalsha:calls=12,usec=345,usec_per_call=28.75,rejected_calls=0,failed_calls=0
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal)))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = line["cmdstat_".Length..colon];
            var count = line[(colon + 1)..].Split(',').First(p => p.StartsWith("calls=", StringComparison.Ordinal))["calls=".Length..];
            if (name != "info")
            {
                calls[name] = long.Parse(count, CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    public sealed record Snapshot(IReadOnlyDictionary<string, long> Calls, long Processed)
    {
        public long TotalCalls => Calls.Values.Sum();

        /// <summary>Calls per command made since <paramref name="before"/>.</summary>
        public Dictionary<string, long> Since(Snapshot before) =>
            Calls.ToDictionary(c => c.Key, c => c.Value - before.Calls.GetValueOrDefault(c.Key), StringComparer.Ordinal);
    }

    /// <summary>
    /// A MONITOR feed being counted: client commands and commands run from scripts. The feed lags the server, so the
    /// counts are taken when a marker command the caller sends comes through, not when the caller stops looking.
    /// </summary>
    internal sealed class MonitorWatch : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly Task _reading;
        private readonly TaskCompletionSource<Counts> _marked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile string? _marker;
        private readonly Dictionary<string, (bool AfterSelect, bool InMulti)> _connections = new(StringComparer.Ordinal);
        private long _clientCommands;
        private long _scriptCommands;
        private long _roundTrips;

        public MonitorWatch(TcpClient client, StreamReader reader)
        {
            _client = client;
            _reading = Task.Run(async () =>
            {
                try
                {
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        // +1733500000.123456 [0 127.0.0.1:40312] "EVALSHA" ...   or   +1733500000.123456 [0 lua] "HSET" ...
                        if (_marker is { } marker && line.Contains(marker, StringComparison.Ordinal))
                        {
                            _marked.TrySetResult(new Counts(_clientCommands, _scriptCommands, _roundTrips));
                        }
                        else if (line.Contains(" lua] ", StringComparison.Ordinal))
                        {
                            _scriptCommands++;
                        }
                        else if (!line.Contains("] \"info\"", StringComparison.OrdinalIgnoreCase))
                        {
                            _clientCommands++;
                            CountRoundTrip(line);
                        }
                    }
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
                {
                    // The connection was closed to stop the watch.
                }
                finally
                {
                    _marked.TrySetException(new InvalidOperationException("MONITOR ended before the marker came through."));
                }
            });
        }

        /// <summary>Sends a marker through <paramref name="database"/> and returns the counts seen before it.</summary>
        public async Task<Counts> CountAsync(IDatabase database)
        {
            var marker = $"bench-marker-{Guid.NewGuid():N}";
            _marker = marker;
            await database.ExecuteAsync("ECHO", marker);
            return await _marked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _reading;
        }

        /// <summary>
        /// A transaction (StackExchange.Redis writes <c>SELECT</c>, <c>MULTI</c>, the commands and <c>EXEC</c> in one go,
        /// and the server answers them together) is one round trip; every other client command is one.
        /// </summary>
        private void CountRoundTrip(string line)
        {
            var open = line.IndexOf('[', StringComparison.Ordinal);
            var close = line.IndexOf(']', open + 1);
            if (open < 0 || close < 0)
            {
                return;
            }

            var connection = line[(open + 1)..close];
            var command = line[(close + 1)..].TrimStart().Split(' ', 2)[0].Trim('"').ToUpperInvariant();
            var (afterSelect, inMulti) = _connections.GetValueOrDefault(connection);
            if (inMulti)
            {
                _connections[connection] = (false, command is not ("EXEC" or "DISCARD"));
                return;
            }

            if (command == "MULTI")
            {
                _connections[connection] = (false, true);
                if (!afterSelect)
                {
                    _roundTrips++;
                }

                return;
            }

            _connections[connection] = (command == "SELECT", false);
            _roundTrips++;
        }
    }

    /// <summary>Client commands, commands run by scripts, and client round trips seen on a MONITOR feed.</summary>
    internal readonly record struct Counts(long Client, long Script, long RoundTrips);
}
