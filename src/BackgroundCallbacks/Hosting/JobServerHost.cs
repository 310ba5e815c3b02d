using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;
using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Hosting;

/// <summary>
/// Starts this process's Hangfire servers, one per backend, each with our own storage, activator and filters,
/// when <see cref="BackgroundCallbacksOptions.RunWorkers"/> is on. It also builds the callback registry at start,
/// so a worker host fails fast on a bad declaration just as a web host does.
/// </summary>
internal sealed class JobServerHost(
    CallbackRegistry registry,
    CallbackManagers managers,
    JobRunner runner,
    IServiceProvider services,
    IOptions<BackgroundCallbacksOptions> options,
    ILogger<JobServerHost> logger) : IHostedService, IDisposable
{
    private readonly List<BackgroundJobServer> _servers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = registry.All;
        if (!options.Value.RunWorkers)
        {
            return Task.CompletedTask;
        }

        foreach (var group in managers.All.GroupBy(m => m.Backend))
        {
            var backend = group.Key;
            var queues = group.Select(m => m.Queue).Distinct(StringComparer.Ordinal).ToArray();
            var serverOptions = new BackgroundJobServerOptions
            {
                WorkerCount = options.Value.WorkerCount,
                Queues = queues,
                Activator = new ServiceProviderJobActivator(services),
                FilterProvider = managers.Filters,
                ServerName = $"{Environment.MachineName}:{Environment.ProcessId}:callbacks-{backend.Name}",
                SchedulePollingInterval = TimeSpan.FromSeconds(1),
            };
            backend.ConfigureServer?.Invoke(serverOptions);
            _servers.Add(new BackgroundJobServer(serverOptions, backend.Storage));
            Log.WorkersStarted(logger, serverOptions.WorkerCount, backend.Name, string.Join(",", queues));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        runner.SignalShutdown();
        foreach (var server in _servers)
        {
            server.SendStop();
        }

        await Task.WhenAll(_servers.Select(s => s.WaitForShutdownAsync(cancellationToken))).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }
    }
}
