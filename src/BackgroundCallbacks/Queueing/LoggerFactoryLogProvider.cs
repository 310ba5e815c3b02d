using Hangfire.Logging;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Queueing;

/// <summary>
/// Hangfire's log provider over the logger factories of the hosts that run in this process. Hangfire keeps the loggers
/// it is given for good (many in static fields), so each one looks the factory up when it writes: a host that stops
/// takes its factory away, and the lines go to the most recently started host that is still running, or nowhere.
/// </summary>
internal sealed class LoggerFactoryLogProvider(string probeName) : ILogProvider
{
    private readonly Lock _gate = new();

    // Copied on each attach and detach (rare), so writing a line takes no lock.
    private Attachment[] _attached = [];

    [ThreadStatic]
    private static bool t_probed;

    /// <summary>The factory lines go to now; null when no host is attached.</summary>
    internal Attachment? Current => Volatile.Read(ref _attached) is { Length: > 0 } attached ? attached[^1] : null;

    public ILog GetLogger(string name)
    {
        if (name == probeName)
        {
            t_probed = true;
        }

        return new LoggerFactoryLog(name, this);
    }

    /// <summary>Whether <paramref name="probe"/>, which asks Hangfire for the probe logger, reached this provider.</summary>
    public static bool Answers(Action probe)
    {
        t_probed = false;
        probe();
        var answered = t_probed;
        t_probed = false;
        return answered;
    }

    public IDisposable Attach(ILoggerFactory loggers)
    {
        var attachment = new Attachment(loggers, this);
        lock (_gate)
        {
            Volatile.Write(ref _attached, [.. _attached, attachment]);
        }

        return attachment;
    }

    private void Detach(Attachment attachment)
    {
        lock (_gate)
        {
            Volatile.Write(ref _attached, [.. _attached.Where(a => a != attachment)]);
        }
    }

    /// <summary>One host's factory, with the loggers made from it so far.</summary>
    internal sealed class Attachment(ILoggerFactory loggers, LoggerFactoryLogProvider provider) : IDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

        public ILogger? Logger(string name)
        {
            try
            {
                return _loggers.GetOrAdd(name, loggers.CreateLogger);
            }
            catch (ObjectDisposedException)
            {
                // The host is being torn down between a line and its detaching: drop the line.
                return null;
            }
        }

        public void Dispose() => provider.Detach(this);
    }
}
