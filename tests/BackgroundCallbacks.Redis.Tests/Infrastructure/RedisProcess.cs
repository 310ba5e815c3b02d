using System.Diagnostics;
using System.Text;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// One redis-server process (a data node or a sentinel) of a <see cref="RedisSentinelSet"/>: started with the given
/// arguments, awaited until it answers PING, and stopped or killed by its own process id.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private RedisProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static async Task<RedisProcess> StartAsync(int port, string directory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(RedisBinary.Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var node = new RedisProcess(process, port);
        process.OutputDataReceived += (_, e) => node.Add(e.Data);
        process.ErrorDataReceived += (_, e) => node.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await RespClient.PingAsync(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await node.DisposeAsync();
                throw new InvalidOperationException($"redis-server did not answer PING on port {port}. Its output:\n{node.Output()}");
            }

            await Task.Delay(20);
        }

        return node;
    }

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    /// <summary>SIGKILL, as a crash or a lost machine would end it, and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            Posix.Signal(_process.Id, Posix.SigKill);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
