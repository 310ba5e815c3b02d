using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Clears the cache of every manager that sets <see cref="CallbackManagerOptions.ClearCacheOnStartup"/>, before any
/// hosted service starts (the web server among them), so no request is answered from an entry the start meant to drop.
/// A backend that cannot be reached is logged and left: the app starts as it would without the option, because a Redis
/// that is down at startup should make requests answer 503, not keep the app from starting.
/// </summary>
internal sealed class CallbackManagerStartup(CallbackRegistry registry, CallbackManagers managers, ILogger<CallbackManagerStartup> logger) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        foreach (var manager in managers.All.Where(m => m.Settings.ClearCacheOnStartup))
        {
            var callbacks = registry.All.Where(c => c.Manager == manager.Name).Select(c => c.Id).ToArray();
            var window = manager.Settings.ClearCacheWindow;
            try
            {
                if (await manager.Backend.Results.ClearOnStartupAsync(manager.Name, callbacks, window, cancellationToken).ConfigureAwait(false))
                {
                    Log.CacheClearedOnStartup(logger, manager.Name, callbacks.Length, window);
                }
                else
                {
                    Log.CacheClearSkipped(logger, manager.Name, window);
                }
            }
            catch (BackendUnavailableException e)
            {
                Log.CacheClearFailed(logger, e, manager.Name);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
