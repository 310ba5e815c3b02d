using System.Diagnostics;
using System.Reflection;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>
/// One web or worker process of the test host (tests/BackgroundCallbacks.Redis.TestHost), started with
/// <c>dotnet</c> and stopped by its own process id. Its stdout lines are kept, so a test can wait for one.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _lineAdded = NewSignal();
    private int _disposed;

    private HostProcess(Process process, string role)
    {
        _process = process;
        Role = role;
    }

    public string Role { get; }

    public int Pid => _process.Id;

    public Uri? Address { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static string TestHostPath { get; } = typeof(HostProcess).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TestHostPath").Value!;

    /// <summary>A web process: serves the protocol and runs no jobs.</summary>
    public static Task<HostProcess> StartWebAsync(string redis, params string[] settings) =>
        StartAsync("web", redis, ["--BackgroundCallbacks:RunWorkers=false", .. settings]);

    /// <summary>A worker process: runs jobs and serves nothing.</summary>
    public static Task<HostProcess> StartWorkerAsync(string redis, params string[] settings) =>
        StartAsync("worker", redis, ["--BackgroundCallbacks:WorkerCount=4", .. settings]);

    private static async Task<HostProcess> StartAsync(string role, string redis, string[] settings)
    {
        if (!File.Exists(TestHostPath))
        {
            throw new InvalidOperationException($"The test host is not built at {TestHostPath}.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(TestHostPath);
        start.ArgumentList.Add("--role=" + role);
        start.ArgumentList.Add("--BackgroundCallbacks:Redis:ConnectionString=" + redis);
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = start };
        var host = new HostProcess(process, role);
        process.OutputDataReceived += (_, e) => host.Add(e.Data);
        process.ErrorDataReceived += (_, e) => host.Add(e.Data is null ? null : "ERR " + e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var ready = await host.WaitForLineAsync(l => l.StartsWith("LISTENING ", StringComparison.Ordinal) || l == "READY", StartTimeout);
            if (ready.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                host.Address = new Uri(ready["LISTENING ".Length..]);
            }
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    public string[] Lines()
    {
        lock (_lock)
        {
            return [.. _lines];
        }
    }

    /// <summary>Waits for a stdout line that matches, seen already or still to come.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task added;
            lock (_lock)
            {
                if (_lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }

                added = _lineAdded.Task;
            }

            if (_process.HasExited)
            {
                // Its last lines may still be on their way: wait for the end of its output, then look once more.
                await _process.WaitForExitAsync();
                lock (_lock)
                {
                    if (_lines.FirstOrDefault(match) is { } line)
                    {
                        return line;
                    }
                }

                throw new InvalidOperationException($"The {Role} process {Pid} exited ({_process.ExitCode}) without printing the expected line. Its output:\n{string.Join('\n', Lines())}");
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"The {Role} process {Pid} printed no matching line in {timeout}. Its output:\n{string.Join('\n', Lines())}");
            }

            try
            {
                await added.WaitAsync(TimeSpan.FromMilliseconds(Math.Min(remaining.TotalMilliseconds, 500)));
            }
            catch (TimeoutException)
            {
                // Look again: the deadline, or the process's exit, is checked at the top.
            }
        }
    }

    /// <summary>Sends a signal to this process: SIGKILL, SIGSTOP, SIGCONT.</summary>
    public void Signal(int signal) => Posix.Signal(Pid, signal);

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Stops the process gracefully (SIGTERM), so its host shuts down as in a deployment.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            Signal(Posix.SigTerm);
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A test may dispose a process that its cluster disposes again at the end.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            // A frozen process would ignore everything but SIGKILL; wake it first so nothing is left behind.
            if (!_process.HasExited)
            {
                Posix.Signal(Pid, Posix.SigCont);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }

        await KillAsync();
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource signal;
        lock (_lock)
        {
            _lines.Add(line);
            signal = _lineAdded;
            _lineAdded = NewSignal();
        }

        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
