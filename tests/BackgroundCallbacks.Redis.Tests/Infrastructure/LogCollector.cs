using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>Keeps the event names an app logs (and their exceptions), so a test can wait for one instead of sleeping.</summary>
public sealed class LogCollector : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<string> _events = [];
    private readonly Dictionary<string, Exception> _exceptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _messages = new(StringComparer.Ordinal);
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public async Task WaitForEventAsync(string eventName, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task added;
            lock (_lock)
            {
                if (_events.Contains(eventName))
                {
                    return;
                }

                added = _added.Task;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"The app never logged {eventName}.");
            }

            try
            {
                await added.WaitAsync(remaining);
            }
            catch (TimeoutException)
            {
                // Checked once more at the top.
            }
        }
    }

    /// <summary>The exception the first entry of an event carried, if any.</summary>
    public Exception? ExceptionOf(string eventName)
    {
        lock (_lock)
        {
            return _exceptions.GetValueOrDefault(eventName);
        }
    }

    /// <summary>The message the first entry of an event carried, if any.</summary>
    public string? MessageOf(string eventName)
    {
        lock (_lock)
        {
            return _messages.GetValueOrDefault(eventName);
        }
    }

    public void Dispose() { }

    private void Add(string? eventName, Exception? exception, string message)
    {
        if (eventName is null)
        {
            return;
        }

        TaskCompletionSource added;
        lock (_lock)
        {
            _events.Add(eventName);
            _messages.TryAdd(eventName, message);
            if (exception is not null)
            {
                _exceptions.TryAdd(eventName, exception);
            }

            added = _added;
            _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        added.TrySetResult();
    }

    private sealed class Logger(LogCollector owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(eventId.Name, exception, formatter(state, exception));
    }
}
