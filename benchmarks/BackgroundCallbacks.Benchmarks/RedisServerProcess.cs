using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// A redis-server of the benchmark's own on a free 127.0.0.1 port, with no persistence (both sides of every row share
/// it, so neither pays for disk), stopped by its own process id.
/// </summary>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisServerProcess(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> StartAsync()
    {
        var port = FreePort();
        var directory = Directory.CreateTempSubdirectory("bgcb-redisbench-").FullName;
        var start = new ProcessStartInfo(FindBinary("redis-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--protected-mode", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServerProcess(process, port, directory);

        // A benchmark stopped with Ctrl-C or SIGTERM must not leave its redis-server behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.KillNow();
        Console.CancelKeyPress += (_, _) => server.KillNow();

        var deadline = Stopwatch.StartNew();
        while (!await PingAsync(port))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(15))
            {
                await server.DisposeAsync();
                lock (output)
                {
                    throw new InvalidOperationException($"redis-server did not answer PING on port {port}:\n{output}");
                }
            }

            await Task.Delay(20);
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover empty temp folder is harmless.
        }
    }

    private void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already disposed: it was stopped the ordinary way.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindBinary(string name)
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

        throw new InvalidOperationException($"{name} was not found on PATH: install it (scripts/install-test-deps.sh does).");
    }

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
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
