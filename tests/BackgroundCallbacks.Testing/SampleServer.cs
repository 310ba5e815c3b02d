using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace BackgroundCallbacks.Testing;

/// <summary>
/// The sample app, started as its own process from its build output on 127.0.0.1 with a free port (Kestrel picks it;
/// the process prints it). Stopped by its process id when the tests end, also when they fail. The browser tests drive
/// it with Chromium, the .NET client's tests with the client.
/// </summary>
public sealed class SampleServer : IAsyncDisposable
{
    /// <summary>The factor the sample's handler delays are scaled by: a 2 s Dash example job takes 1 s here.</summary>
    public const double DelayScale = 0.5;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SampleServer(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;

    /// <summary>The last lines the sample printed, for failure messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(60));

    public static async Task<SampleServer> StartAsync()
    {
        var assembly = Metadata("SampleAssembly");
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"The sample is not built: {assembly} is missing.");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Metadata("SampleDirectory"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { assembly, "--urls", "http://127.0.0.1:0" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Sample__DelayScale"] = DelayScale.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // HTTP/1.1 only, as most browsers meet a server: about six connections per host, shared by the tabs.
        start.Environment["Kestrel__EndpointDefaults__Protocols"] = "Http1";
        // A short heartbeat, so a test of a stream gone silent waits seconds (the client gives up after twice it and 5 s).
        start.Environment["BackgroundCallbacks__EventStreamHeartbeat"] = "00:00:02";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";

        var process = Process.Start(start) ?? throw new InvalidOperationException("The sample process did not start.");
        var server = new SampleServer(process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
            {
                return;
            }

            server._output.Enqueue(line);
            while (server._output.Count > 200)
            {
                server._output.TryDequeue(out _);
            }

            const string marker = "Now listening on: ";
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            if (at >= 0)
            {
                listening.TrySetResult(new Uri(line[(at + marker.Length)..].Trim()));
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The sample exited before it listened:" + Environment.NewLine + server.RecentOutput));

        try
        {
            server.Address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
        }
        catch (InvalidOperationException)
        {
            // it has already exited
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string Metadata(string key) =>
        typeof(SampleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
