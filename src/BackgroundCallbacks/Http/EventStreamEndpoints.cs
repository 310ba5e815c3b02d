using System.Buffers;
using System.Globalization;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Http;

/// <summary>
/// The Server-Sent Events door (<c>GET {prefix}/events</c>): one stream follows several jobs of the caller through
/// <see cref="JobFeed"/>, each <c>job</c> event carrying the document a poll answers. It resolves the owner and the
/// versions to resume after, and adds no rule of its own.
/// </summary>
internal sealed class EventStreamEndpoints(
    JobFeed feed,
    OwnerResolver owners,
    IOptions<BackgroundCallbacksOptions> options,
    ILogger<EventStreamEndpoints> logger)
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);
    private static readonly ReadOnlyMemory<byte> EmptyObject = "{}"u8.ToArray();

    private readonly BackgroundCallbacksOptions _options = options.Value;

    public Task StreamAsync(HttpContext context) => CallbackEndpoints.GuardAsync(context, logger, StreamCoreAsync);

    private async Task StreamCoreAsync(HttpContext context)
    {
        var owner = owners.Resolve(context);
        if (!TryReadRequest(context, out var handles, out var after, out var problem))
        {
            Log.EventStreamRejected(logger, problem);
            await Problems.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid event stream", problem).ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            Prepare(context);
            return;
        }

        var aborted = context.RequestAborted;
        try
        {
            await foreach (var item in feed.FollowAsync(handles, owner, after, _options.EventStreamHeartbeat, aborted).ConfigureAwait(false))
            {
                var frame = item.Kind switch
                {
                    JobFeedItemKind.Opened => Open(context),
                    JobFeedItemKind.Job => ServerSentEvents.Event("job", string.Join(',', item.Delivered!), JobResponseWriter.JobDocument(handles[item.Index], item.View!).Span),
                    JobFeedItemKind.Error => ServerSentEvents.Event("job-error", null, NotFound(handles[item.Index]).Span),
                    JobFeedItemKind.Heartbeat => ServerSentEvents.Event("ping", null, EmptyObject.Span),
                    _ => ServerSentEvents.Event("end", null, EmptyObject.Span),
                };

                // Each event goes out as it is made: a stream is worth nothing if the server holds it back.
                await context.Response.Body.WriteAsync(frame, aborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (aborted.IsCancellationRequested && e is OperationCanceledException or IOException)
        {
            // The client left; nobody is there to answer.
        }
        catch (Exception e) when (context.Response.HasStarted && IsUnavailable(e, aborted))
        {
            // Too late for a 503: ending the stream makes the client reconnect, and resume where it was.
            Log.EventStreamInterrupted(logger, e);
        }
    }

    /// <summary>Starts the answer once the backend has answered for every job, so a backend that cannot be reached still gets its 503.</summary>
    private static ReadOnlyMemory<byte> Open(HttpContext context)
    {
        Prepare(context);
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return ServerSentEvents.Retry(ReconnectDelay);
    }

    private static void Prepare(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ServerSentEvents.ContentType;
        context.Response.Headers.CacheControl = "no-cache, no-transform";

        // nginx buffers proxied answers unless told otherwise; this header tells it, per response.
        context.Response.Headers["X-Accel-Buffering"] = "no";
    }

    private static bool IsUnavailable(Exception exception, CancellationToken aborted) => exception switch
    {
        BackendUnavailableException => true,
        OperationCanceledException => !aborted.IsCancellationRequested,
        TimeoutException => true,
        _ => false,
    };

    private static ReadOnlyMemory<byte> NotFound(string handle)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("handle", handle);
            writer.WriteNumber("status", StatusCodes.Status404NotFound);
            writer.WriteString("title", "Job not found");
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private bool TryReadRequest(HttpContext context, out string[] handles, out long[] after, out string problem)
    {
        handles = [];
        after = [];
        var jobs = context.Request.Query["jobs"];
        if (jobs.Count != 1 || string.IsNullOrEmpty(jobs[0]))
        {
            problem = "'jobs' must list the handles to follow, separated by commas.";
            return false;
        }

        handles = jobs[0]!.Split(',');
        if (handles.Any(string.IsNullOrEmpty))
        {
            problem = "'jobs' must not hold an empty handle.";
            return false;
        }

        if (handles.Length > _options.MaxJobsPerEventStream)
        {
            problem = $"A stream follows at most {_options.MaxJobsPerEventStream} jobs.";
            return false;
        }

        if (handles.Distinct(StringComparer.Ordinal).Count() != handles.Length)
        {
            problem = "'jobs' lists a handle twice.";
            return false;
        }

        // An EventSource that reconnects names what it has in Last-Event-ID; that is fresher than the URL's 'after'.
        var lastEventId = context.Request.Headers["Last-Event-ID"];
        var (source, versions) = lastEventId.Count > 0 ? ("Last-Event-ID", lastEventId) : ("after", context.Request.Query["after"]);
        if (versions.Count > 1 || !TryParseVersions(versions.Count == 0 ? null : versions[0], handles.Length, out after))
        {
            problem = $"'{source}' must list non-negative whole numbers, separated by commas, no more than the jobs listed.";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    private static bool TryParseVersions(string? text, int max, out long[] versions)
    {
        versions = new long[max];
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        var parts = text.Split(',');
        if (parts.Length > max)
        {
            return false;
        }

        for (var i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out versions[i]))
            {
                return false;
            }
        }

        return true;
    }
}
