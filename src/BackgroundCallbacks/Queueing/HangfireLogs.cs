using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Queueing;

/// <summary>
/// Sends Hangfire's own log lines (servers starting and stopping, workers failing, storage trouble) to the app's
/// <see cref="ILoggerFactory"/>. Hangfire logs through one process-wide provider, which it leaves unset unless the app
/// sets one (or it finds Serilog, NLog, log4net… loaded), so without this its lines go nowhere. The provider is set
/// only when Hangfire has none: an app that set its own keeps it.
/// </summary>
internal static class HangfireLogs
{
    // A logger name no Hangfire type has: asking Hangfire for it tells whether our provider is the current one.
    private const string ProbeName = "BackgroundCallbacks.Queueing.HangfireLogs.Probe";

    private static readonly Lock Gate = new();
    private static readonly LoggerFactoryLogProvider Provider = new(ProbeName);

    /// <summary>
    /// Sends Hangfire's lines to <paramref name="loggers"/> until the returned handle is disposed, unless the app set a
    /// provider of its own; then it returns null and changes nothing.
    /// </summary>
    public static IDisposable? Attach(ILoggerFactory loggers)
    {
        lock (Gate)
        {
            switch (Current())
            {
                case Owner.App:
                    return null;
                case Owner.None:
                    LogProvider.SetCurrentLogProvider(Provider);
                    break;
            }

            return Provider.Attach(loggers);
        }
    }

    private static Owner Current()
    {
        if (LoggerFactoryLogProvider.Answers(() => LogProvider.GetLogger(ProbeName)))
        {
            return Owner.Us;
        }

        // Hangfire has no getter for its provider. Its LogProvider.GetLogger answers with its internal no-op logger
        // exactly when no provider is set and none of the logging libraries it looks for is loaded.
        return LogProvider.GetLogger(ProbeName).GetType().Name == "NoOpLogger" ? Owner.None : Owner.App;
    }

    private enum Owner
    {
        None,
        Us,
        App,
    }
}
