// The sample's worker process: no HTTP, only the jobs. It registers the same callbacks on the same Redis as the web
// app (samples/BackgroundCallbacks.Sample), which then runs with BackgroundCallbacks__RunWorkers=false and leaves the
// jobs to one or more of these. See docs/deployment.md.
using BackgroundCallbacks.Sample;

var builder = Host.CreateApplicationBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis")))
{
    // Without Redis the worker would run its own in-process backend, which no web process can reach.
    Console.Error.WriteLine("The sample worker shares jobs with the web app through Redis: set ConnectionStrings__redis (for example localhost:6379).");
    return 2;
}

// The same callbacks, stores and backend as the web app registers.
builder.Services.AddSampleCallbacks(builder.Configuration);

builder.Build().Run();
return 0;
