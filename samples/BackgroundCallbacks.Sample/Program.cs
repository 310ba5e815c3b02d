using BackgroundCallbacks;
using BackgroundCallbacks.Sample;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);
// The callbacks, their stores and the backend (Redis when ConnectionStrings__redis is set), as the worker process
// (samples/BackgroundCallbacks.Sample.Worker) registers them too: SampleCallbacksSetup.cs.
builder.Services.AddSampleCallbacks(builder.Configuration)
    // The callbacks marked [McpTool] are tools for AI agents at /mcp (docs/mcp.md); only the web app serves them.
    .AddMcp(builder.Configuration.GetSection("Mcp"));

// The server-side example's "round trip" mode posts its rows back: 1,000,000 doubles are about 20 MB of JSON, far over
// the defaults (256 KiB an argument, 1 MiB a request) that suit ordinary inputs. Server-side mode needs none of this.
builder.Services.Configure<BackgroundCallbacksOptions>(o =>
{
    o.MaxArgumentSize = 32 * 1024 * 1024;
    o.MaxRequestBodySize = 40 * 1024 * 1024;
});

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
app.MapBackgroundCallbacksMcp("/mcp");

app.Run();
