using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// A real redis-server of the test's own, on a free port of 127.0.0.1, with its files in a temporary directory.
/// Without persistence by default; with an append-only file (fsync on every write) when a test restarts it and expects
/// the data back. Stopped by its own process id. A machine without redis-server fails the test: it is never skipped.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly bool _appendOnly;
    private readonly string _directory;
    private Process? _process;

    private RedisServer(int port, bool appendOnly)
    {
        Port = port;
        _appendOnly = appendOnly;
        _directory = Directory.CreateTempSubdirectory("bgcb-redis-").FullName;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("Redis is not running.");

    /// <param name="appendOnly">Whether to keep an append-only file, synced on every write.</param>
    /// <param name="port">The port; a free one when not given (a test that started its app before Redis gives the app's).</param>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false, int? port = null)
    {
        var server = new RedisServer(port ?? FreePort.Next(), appendOnly);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills Redis at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    /// <summary>Starts Redis again on the same port and directory, so an append-only file is loaded back.</summary>
    public Task RestartAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(FindBinary())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--dir", _directory, "--protected-mode", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--appendonly");
        start.ArgumentList.Add(_appendOnly ? "yes" : "no");
        if (_appendOnly)
        {
            start.ArgumentList.Add("--appendfsync");
            start.ArgumentList.Add("always");
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await PingAsync())
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await KillAsync();
                string log;
                lock (output) log = output.ToString();
                throw new InvalidOperationException($"redis-server did not answer PING on port {Port}. Its output:\n{log}");
            }

            await Task.Delay(20);
        }
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
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

    private static string FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "redis-server was not found on PATH. These tests run against a real Redis and are never skipped: install it " +
            "(apt-get install redis-server; scripts/install-test-deps.sh does this for CI).");
    }
}
