using System.Collections.Concurrent;
using BackgroundCallbacks.Tests.Infrastructure;
using Hangfire.Logging;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Hangfire's own log lines reach the app's loggers, through Hangfire's process-wide log provider, which the library
/// sets only when the app has set none. In the statics collection: these tests set and clear that provider.
/// </summary>
[Collection(nameof(HangfireStaticsCollection))]
public sealed class HangfireLogTests
{
    [Fact]
    public async Task Hangfires_server_start_reaches_the_apps_logger_provider()
    {
        LogProvider.SetCurrentLogProvider(null);
        try
        {
            await using var app = await TestApp.StartAsync(Echo);

            var line = await WaitForAsync(() => app.Logs.Entries.FirstOrDefault(e => e.Message.Contains("Starting Hangfire Server", StringComparison.Ordinal)));

            Assert.StartsWith("Hangfire.", line.Category, StringComparison.Ordinal);
            Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, line.Level);
        }
        finally
        {
            LogProvider.SetCurrentLogProvider(null);
        }
    }

    [Fact]
    public async Task A_provider_the_app_set_is_left_in_place()
    {
        var own = new RecordingLogProvider();
        LogProvider.SetCurrentLogProvider(own);
        try
        {
            await using var app = await TestApp.StartAsync(Echo);

            await WaitForAsync(() => own.Lines.FirstOrDefault(l => l.Contains("Starting Hangfire Server", StringComparison.Ordinal)));
            LogProvider.GetLogger("after-start").Log(Hangfire.Logging.LogLevel.Info, () => "still the app's");

            Assert.Contains("still the app's", own.Lines);
            Assert.DoesNotContain(app.Logs.Entries, e => e.Category.StartsWith("Hangfire.", StringComparison.Ordinal));
        }
        finally
        {
            LogProvider.SetCurrentLogProvider(null);
        }
    }

    [Fact]
    public async Task When_a_host_stops_the_lines_go_to_the_host_that_still_runs()
    {
        LogProvider.SetCurrentLogProvider(null);
        try
        {
            await using var first = await TestApp.StartAsync(Echo);
            var second = await TestApp.StartAsync(Echo);
            await second.DisposeAsync();

            LogProvider.GetLogger("Hangfire.Test").Log(Hangfire.Logging.LogLevel.Warn, () => "after the second host stopped");

            Assert.Contains(first.Logs.Entries, e => e.Category == "Hangfire.Test" && e.Message == "after the second host stopped");
            Assert.DoesNotContain(second.Logs.Entries, e => e.Category == "Hangfire.Test");
        }
        finally
        {
            LogProvider.SetCurrentLogProvider(null);
        }
    }

    private static void Echo(BackgroundCallbacksBuilder b) =>
        b.MapBackgroundCallback("echo", (string? text) => text).Output("out", "children").Input("in", "value");

    private static async Task<T> WaitForAsync<T>(Func<T?> find)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (find() is { } found && !EqualityComparer<T>.Default.Equals(found, default!))
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "The log line never came.");
            await Task.Delay(50);
        }
    }

    private sealed class RecordingLogProvider : ILogProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILog GetLogger(string name) => new RecordingLog(this);

        private sealed class RecordingLog(RecordingLogProvider owner) : ILog
        {
            public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
            {
                if (messageFunc is not null)
                {
                    owner.Lines.Enqueue(messageFunc());
                }

                return true;
            }
        }
    }
}
