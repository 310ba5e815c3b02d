namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// A real redis-server of the test's own, on a free port of 127.0.0.1, with its files in a temporary directory.
/// Without persistence by default; with an append-only file (fsync on every write) when a test restarts it and expects
/// the data back. Stopped by its own process id. A machine without redis-server fails the test: it is never skipped.
/// </summary>
public sealed class RedisServer : ITestRedis
{
    private readonly bool _appendOnly;
    private readonly string _directory;
    private RedisProcess? _process;

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
            await process.KillAsync();
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
        string[] persistence = _appendOnly ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
        _process = await RedisProcess.StartAsync(Port, _directory, persistence);
    }
}
