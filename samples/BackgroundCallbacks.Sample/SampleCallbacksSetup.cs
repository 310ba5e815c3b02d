using BackgroundCallbacks;

namespace BackgroundCallbacks.Sample;

/// <summary>
/// What the web app and the worker process must register alike: the callbacks, their value stores and the backend.
/// A worker that lacks a store a callback writes to refuses to start, so both take it from here.
/// </summary>
public static class SampleCallbacksSetup
{
    public static BackgroundCallbacksBuilder AddSampleCallbacks(this IServiceCollection services, IConfiguration configuration)
    {
        var callbacks = services.AddBackgroundCallbacks(configuration.GetSection("BackgroundCallbacks"))
            .AddCallbacksFrom(typeof(SampleCallbacksSetup).Assembly)
            // The server-side example's large rows live in files rather than in the process (Callbacks/ServerSideExample.cs).
            // A web and a worker process on one machine share the directory; on several machines use AddRedisValueStore.
            .AddFileSystemValueStore("disk", o => o.Directory = Path.Combine(Path.GetTempPath(), "bc-sample-values"));

        // The embedded default needs nothing; with a Redis connection string (ConnectionStrings__redis=localhost:6379) the
        // same app shares jobs and results with other processes. See docs/deployment.md.
        if (configuration.GetConnectionString("redis") is { Length: > 0 } redis)
        {
            callbacks.UseRedis(redis);
        }

        return callbacks;
    }
}
