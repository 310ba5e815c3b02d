using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Client.Tests.Infrastructure;

/// <summary>
/// A small server on 127.0.0.1 that gives scripted answers, for what the sample cannot be made to say on cue (a full
/// line, too many jobs). Each request takes the next answer; the last one repeats.
/// </summary>
public sealed class StubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Func<HttpContext, int, Task> _answer;
    private int _count;

    private StubServer(WebApplication app, Func<HttpContext, int, Task> answer)
    {
        _app = app;
        _answer = answer;
    }

    public Uri Address { get; private set; } = null!;

    /// <summary>Each request's method and path, in order.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>Completes when the server has received <paramref name="count"/> requests.</summary>
    public Task Received(int count) => WaitAsync(() => Volatile.Read(ref _count) >= count);

    /// <summary>Starts a server whose answer to the n-th request (from 0) is written by <paramref name="answer"/>.</summary>
    public static async Task<StubServer> StartAsync(Func<HttpContext, int, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new StubServer(app, answer);
        app.Run(async context =>
        {
            server._requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            var n = Interlocked.Increment(ref server._count) - 1;
            await server._answer(context, n);
        });
        await app.StartAsync();
        server.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    /// <summary>Writes a problem-details answer with <c>Retry-After</c>.</summary>
    public static Task Problem(HttpContext context, int status, string reason, int retryAfterSeconds)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/problem+json";
        return context.Response.WriteAsync($$"""{"status":{{status}},"title":"Try again later","reason":"{{reason}}"}""");
    }

    /// <summary>Writes a cache hit's 200 answer with one output.</summary>
    public static Task CachedAnswer(HttpContext context, string callbackId, string outputId, string text)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync($$"""{"callbackId":"{{callbackId}}","status":"succeeded","cached":true,"outputs":[{"id":"{{outputId}}","property":"children","value":"{{text}}"}]}""");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The stub server did not receive the expected requests in time.");
            }

            await Task.Delay(10);
        }
    }
}
