namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>Writes the library's log events to stdout, one line each, for the test that started this process to read.</summary>
internal sealed class StdoutLogger(string category) : ILogger
{
    private static readonly Lock WriteLock = new();

    public static void Use(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddProvider(new Provider());
    }

    public static void WriteLine(string line)
    {
        lock (WriteLock)
        {
            Console.Out.WriteLine(line);
            Console.Out.Flush();
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) =>
        logLevel >= LogLevel.Warning || (logLevel >= LogLevel.Information && category.StartsWith("BackgroundCallbacks", StringComparison.Ordinal));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            var message = formatter(state, exception).ReplaceLineEndings(" ");
            WriteLine($"LOG|{eventId.Name}|{logLevel}|{category}|{message}{(exception is null ? "" : " | " + exception.GetType().Name + ": " + exception.Message.ReplaceLineEndings(" "))}");
        }
    }

    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new StdoutLogger(categoryName);

        public void Dispose() { }
    }
}
