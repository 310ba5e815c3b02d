using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// One redis-server process on 127.0.0.1, started with the arguments given, waited for until it answers PING, and
/// stopped by its own process id. Shared by <see cref="RedisServer"/> and <see cref="RedisCluster"/>.
/// </summary>
internal sealed class RedisProcess
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output;

    private RedisProcess(Process process, StringBuilder output)
    {
        _process = process;
        _output = output;
    }

    public int Id => _process.Id;

    /// <summary>What the server printed so far, for a failure message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts redis-server on <paramref name="port"/> with its files in <paramref name="directory"/>.</summary>
    /// <param name="extra">Further arguments, such as <c>--appendonly yes</c> or <c>--cluster-enabled yes</c>.</param>
    public static async Task<RedisProcess> StartAsync(int port, string directory, IEnumerable<string> extra)
    {
        var start = new ProcessStartInfo(FindBinary("redis-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--dir", directory, "--protected-mode", "no" }.Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisProcess(process, output);

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await PingAsync(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await server.KillAsync();
                throw new InvalidOperationException($"redis-server did not answer PING on port {port}. Its output:\n{server.Output}");
            }

            await Task.Delay(20);
        }

        return server;
    }

    /// <summary>Kills the server at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    /// <summary>The path of a Redis binary (redis-server, redis-cli); a machine without it fails the test, never skips it.</summary>
    public static string FindBinary(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"{name} was not found on PATH. These tests run against a real Redis and are never skipped: install it " +
            "(apt-get install redis-server; scripts/install-test-deps.sh does this for CI).");
    }

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or TimeoutException)
        {
            return false;
        }
    }
}
