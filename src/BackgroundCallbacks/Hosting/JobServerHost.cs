using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Hosting;

/// <summary>
/// Starts this process's workers, one set per backend, when <see cref="BackgroundCallbacksOptions.RunWorkers"/> is on,
/// and stops them gracefully: the workers stop taking jobs first, then running handlers are told to stop, and their jobs
/// go back to the queue for another worker. It also builds the callback registry at start, so a worker host fails fast
/// on a bad declaration just as a web host does.
/// </summary>
internal sealed class JobServerHost(
    CallbackRegistry registry,
    CallbackManagers managers,
    JobRunner runner,
    IServiceProvider services,
    IOptions<BackgroundCallbacksOptions> options,
    ILogger<JobServerHost> logger) : IHostedService, IDisposable
{
    private readonly List<IJobWorkers> _workers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = registry.All;
        if (!options.Value.RunWorkers)
        {
            return Task.CompletedTask;
        }

        foreach (var backend in managers.Backends)
        {
            var queues = managers.All.Where(m => m.Backend == backend).Select(m => m.Queue).Distinct(StringComparer.Ordinal).ToArray();
            _workers.Add(backend.Queue.StartWorkers(queues, options.Value.WorkerCount, services));
            Log.WorkersStarted(logger, options.Value.WorkerCount, backend.Name, string.Join(",", queues));
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var workers in _workers)
        {
            workers.SendStop();
        }

        runner.SignalShutdown();
        await Task.WhenAll(_workers.Select(w => w.WaitForShutdownAsync(cancellationToken))).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var workers in _workers)
        {
            workers.Dispose();
        }
    }
}
