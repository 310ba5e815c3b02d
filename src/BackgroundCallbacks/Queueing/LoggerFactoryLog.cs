using Hangfire.Logging;
using Microsoft.Extensions.Logging;
using HangfireLevel = Hangfire.Logging.LogLevel;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace BackgroundCallbacks.Queueing;

/// <summary>One Hangfire logger, written to the category of the same name in the current host's logger factory.</summary>
internal sealed class LoggerFactoryLog(string name, LoggerFactoryLogProvider provider) : ILog
{
    public bool Log(HangfireLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
    {
        if (provider.Current?.Logger(name) is not { } logger)
        {
            return false;
        }

        var level = logLevel switch
        {
            HangfireLevel.Trace => LogLevel.Trace,
            HangfireLevel.Debug => LogLevel.Debug,
            HangfireLevel.Info => LogLevel.Information,
            HangfireLevel.Warn => LogLevel.Warning,
            HangfireLevel.Error => LogLevel.Error,
            HangfireLevel.Fatal => LogLevel.Critical,
            _ => LogLevel.None,
        };

        // Hangfire asks without a message to learn whether a level is on.
        if (messageFunc is null || !logger.IsEnabled(level))
        {
            return messageFunc is null && logger.IsEnabled(level);
        }

        var message = messageFunc();
        Diagnostics.Log.HangfireLine(logger, level, exception, message);
        return true;
    }
}
