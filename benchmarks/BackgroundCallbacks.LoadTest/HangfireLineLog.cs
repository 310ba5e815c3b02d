using Hangfire.Logging;
using HangfireLogLevel = Hangfire.Logging.LogLevel;

namespace BackgroundCallbacks.LoadTest;

/// <summary>Hangfire's own warnings and errors (failing processes, storage trouble) as "HF|level|logger|message" lines.</summary>
internal sealed class HangfireLineLog(string name) : ILog
{
    public bool Log(HangfireLogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
    {
        if (logLevel < HangfireLogLevel.Warn)
        {
            return false;
        }

        if (messageFunc is not null)
        {
            var error = exception is null ? "" : " | " + exception.ToString().ReplaceLineEndings(" \\ ");
            LineLogger.WriteLine($"HF|{logLevel}|{name}|{messageFunc().ReplaceLineEndings(" ")}{error}");
        }

        return true;
    }

    public sealed class Provider : ILogProvider
    {
        public ILog GetLogger(string name) => new HangfireLineLog(name);
    }
}
