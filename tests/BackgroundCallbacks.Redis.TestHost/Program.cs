// A web or worker process for the multi-process tests of the Redis backend. Everything comes from the command line:
//   dotnet BackgroundCallbacks.Redis.TestHost.dll --role=web|worker --BackgroundCallbacks:Redis:ConnectionString=…
// A web process prints "LISTENING <address>" once it serves; a worker prints "READY". Both print "LOG|<event>|…" lines
// for the library's log events, so a test can wait for what a process did (its Debug events too with
// --TestHost:DebugLog=true). A worker given --TestHost:Queues=a,b takes jobs only from those queues;
// --TestHost:ServerSide=true adds the callbacks, managers and stores of the server-side tests. A web process maps the cache
// administration door under /_admin for callers that send X-Test-Admin. --TestHost:Trace=true prints every span as a
// "SPAN|…" line (SpanPrinter). A web process given --TestHost:Mcp=true also serves the MCP tests' callbacks as tools at
// /mcp (call time --TestHost:McpCallTimeout) and signs in a request carrying X-Test-User as that user.
using BackgroundCallbacks.Redis.TestHost;

var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();

// Hangfire logs through its own static provider; this is a test process, so setting it here is fine.
Hangfire.Logging.LogProvider.SetCurrentLogProvider(new HangfireStdoutLog.Provider());
if (configuration.GetValue("TestHost:Trace", false))
{
    SpanPrinter.Start();
}

var role = configuration["role"];
if (role == "web")
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
    StdoutLogger.Use(builder.Logging, configuration.GetValue("TestHost:DebugLog", false));
    var callbacks = TestCallbacks.Register(builder.Services, builder.Configuration);
    var mcp = configuration.GetValue("TestHost:Mcp", false);
    if (mcp)
    {
        builder.Services.AddAuthentication(TestUserAuthentication.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.SchemeName, null);
        callbacks.AddMcp(o =>
        {
            o.Callbacks.Add(TestCallbacks.StepsCallback);
            o.CallTimeout = configuration.GetValue("TestHost:McpCallTimeout", TimeSpan.FromMinutes(1));
        });
    }

    // The cache administration door, for a caller that says X-Test-Admin (a test's stand-in for a real policy).
    builder.Services.AddAuthorization(o => o.AddPolicy("test-admin", p => p.RequireAssertion(c => c.Resource is Microsoft.AspNetCore.Http.HttpContext h && h.Request.Headers.ContainsKey("X-Test-Admin"))));
    var app = builder.Build();
    if (mcp)
    {
        app.UseAuthentication();
    }

    app.UseAuthorization();
    app.MapBackgroundCallbacks();
    app.MapBackgroundCallbacksAdmin("/_admin", "test-admin");
    if (mcp)
    {
        app.MapBackgroundCallbacksMcp("/mcp");
    }

    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    StdoutLogger.WriteLine("LISTENING " + address);
    await app.WaitForShutdownAsync();
}
else if (role == "worker")
{
    var builder = Host.CreateApplicationBuilder(args);
    StdoutLogger.Use(builder.Logging, configuration.GetValue("TestHost:DebugLog", false));
    TestCallbacks.Register(builder.Services, builder.Configuration);
    using var host = builder.Build();
    await host.StartAsync();
    StdoutLogger.WriteLine("READY");
    await host.WaitForShutdownAsync();
}
else
{
    Console.Error.WriteLine("Pass --role=web or --role=worker.");
    return 2;
}

return 0;
