namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// Writes log events as single stdout lines, "LOG|level|category|event|message", for the driver to keep and show when
/// a run fails. Every warning and error is written, and the library's own information events except the one each
/// cancelled job makes, which would flood the output under this load.
/// </summary>
internal sealed class LineLogger(string category) : ILogger
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
        if (!IsEnabled(logLevel) || (logLevel < LogLevel.Warning && eventId.Name == "JobCanceled"))
        {
            return;
        }

        // The whole exception, stack included, on the same line: a 500's evidence is its stack.
        var error = exception is null ? "" : " | " + exception.ToString().ReplaceLineEndings(" \\ ");
        WriteLine($"LOG|{logLevel}|{category}|{eventId.Name ?? eventId.Id.ToString()}|{formatter(state, exception).ReplaceLineEndings(" ")}{error}");
    }

    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new LineLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
