using Hangfire.Logging;
using HangfireLogLevel = Hangfire.Logging.LogLevel;

namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>Hangfire's own log (server start and stop, requeued jobs, failing processes) as "HF|…" stdout lines.</summary>
internal sealed class HangfireStdoutLog(string name) : ILog
{
    public bool Log(HangfireLogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
    {
        if (logLevel < HangfireLogLevel.Info)
        {
            return false;
        }

        if (messageFunc is not null)
        {
            var error = exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message.ReplaceLineEndings(" ");
            StdoutLogger.WriteLine($"HF|{DateTime.UtcNow:HH:mm:ss.fff}|{logLevel}|{name}|{messageFunc().ReplaceLineEndings(" ")}{error}");
        }

        return true;
    }

    public sealed class Provider : ILogProvider
    {
        public ILog GetLogger(string name) => new HangfireStdoutLog(name);
    }
}
