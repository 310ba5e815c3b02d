namespace BackgroundCallbacks.Redis.TestHost;

/// <summary>Writes the library's log events to stdout, one line each, for the test that started this process to read.</summary>
internal sealed class StdoutLogger(string category, LogLevel libraryLevel) : ILogger
{
    private static readonly Lock WriteLock = new();

    /// <param name="logging">The host's logging.</param>
    /// <param name="debug">Whether the library's Debug events are written too (job started, queued…), for a test that must see which process ran a job.</param>
    public static void Use(ILoggingBuilder logging, bool debug = false)
    {
        var level = debug ? LogLevel.Debug : LogLevel.Information;
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        logging.AddProvider(new Provider(level));
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
        logLevel >= LogLevel.Warning || (logLevel >= libraryLevel && category.StartsWith("BackgroundCallbacks", StringComparison.Ordinal));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            var message = formatter(state, exception).ReplaceLineEndings(" ");
            WriteLine($"LOG|{eventId.Name}|{logLevel}|{category}|{message}{Describe(exception)}");
        }
    }

    // The whole chain of causes, since the library's 503 wraps the Redis error that explains it.
    private static string Describe(Exception? exception)
    {
        var text = "";
        for (var e = exception; e is not null; e = e.InnerException)
        {
            text += " | " + e.GetType().Name + ": " + e.Message.ReplaceLineEndings(" ");
        }

        return text;
    }

    private sealed class Provider(LogLevel libraryLevel) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new StdoutLogger(categoryName, libraryLevel);

        public void Dispose() { }
    }
}
