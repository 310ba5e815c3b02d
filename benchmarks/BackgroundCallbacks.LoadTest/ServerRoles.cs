namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The web role (serves the protocol, runs no jobs) and the worker role (runs jobs, serves nothing). Each prints one
/// line when it is ready, for the driver to read: "LISTENING &lt;address&gt;" or "READY".
/// </summary>
internal static class ServerRoles
{
    public static async Task<int> RunWebAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        Prepare(builder.Services, builder.Logging, builder.Configuration);
        await using var app = builder.Build();
        app.MapBackgroundCallbacks();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        LineLogger.WriteLine("LISTENING " + address);
        await app.WaitForShutdownAsync();
        return 0;
    }

    public static async Task<int> RunWorkerAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        Prepare(builder.Services, builder.Logging, builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        LineLogger.WriteLine("READY");
        await host.WaitForShutdownAsync();
        return 0;
    }

    private static void Prepare(IServiceCollection services, ILoggingBuilder logging, IConfiguration configuration)
    {
        // Hangfire logs through its own static provider; these processes are ours alone, so setting it here is fine.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(new HangfireLineLog.Provider());
        LineLogger.Use(logging);
        LoadCallbacks.Register(services, configuration);
        if (configuration.GetValue<int?>(ParentWatch.Setting) is not null)
        {
            services.AddHostedService<ParentWatch>();
        }

        if (configuration.GetValue<bool>(ChangeCountReport.Setting))
        {
            services.AddHostedService<ChangeCountReport>();
        }
    }
}
