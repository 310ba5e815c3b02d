// The sample's worker process: no HTTP, only the jobs. It registers the same callbacks on the same Redis as the web
// app (samples/BackgroundCallbacks.Sample), which then runs with BackgroundCallbacks__RunWorkers=false and leaves the
// jobs to one or more of these. See docs/deployment.md.
using BackgroundCallbacks.Sample.Callbacks;

var builder = Host.CreateApplicationBuilder(args);
builder.Services
    .AddBackgroundCallbacks(builder.Configuration.GetSection("BackgroundCallbacks"))
    .AddCallbacksFrom(typeof(LongCallbackExamples).Assembly)
    .UseRedis(builder.Configuration.GetConnectionString("redis"));

builder.Build().Run();
