using BackgroundCallbacks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);
var callbacks = builder.Services.AddBackgroundCallbacks(builder.Configuration.GetSection("BackgroundCallbacks"))
    // The server-side example's large rows live in files rather than in the process (Callbacks/ServerSideExample.cs).
    .AddFileSystemValueStore("disk", o => o.Directory = Path.Combine(Path.GetTempPath(), "bc-sample-values"));

// The server-side example's "round trip" mode posts its rows back: 1,000,000 doubles are about 20 MB of JSON, far over
// the defaults (256 KiB an argument, 1 MiB a request) that suit ordinary inputs. Server-side mode needs none of this.
builder.Services.Configure<BackgroundCallbacksOptions>(o =>
{
    o.MaxArgumentSize = 32 * 1024 * 1024;
    o.MaxRequestBodySize = 40 * 1024 * 1024;
});

// The embedded default needs nothing; with a Redis connection string (ConnectionStrings__redis=localhost:6379) the
// same app shares jobs and results with other processes. See docs/deployment.md.
if (builder.Configuration.GetConnectionString("redis") is { Length: > 0 } redis)
{
    callbacks.UseRedis(redis);
}

// Traces and metrics go to an OpenTelemetry collector when one is named (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317);
// without it the sample runs as before. docs/observability.md lists the names.
if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(r => r.AddService("BackgroundCallbacks.Sample"))
        .WithTracing(t => t.AddSource("BackgroundCallbacks", "Microsoft.AspNetCore"))
        .WithMetrics(m => m.AddMeter("BackgroundCallbacks", "Microsoft.AspNetCore.Hosting"))
        .UseOtlpExporter();
}
// GET /healthz: whether the backend answers and a worker serves each queue (docs/observability.md).
builder.Services.AddHealthChecks().AddBackgroundCallbacks();

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapBackgroundCallbacks();
app.MapHealthChecks("/healthz");

app.Run();
