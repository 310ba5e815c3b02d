using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Protocol;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Http;

/// <summary>
/// Writes the JSON bodies of the invocation and job endpoints, in the shapes of docs/protocol.md. Stored JSON
/// (outputs, progress, side-update props) is copied as it is, never parsed again.
/// </summary>
internal static class JobResponseWriter
{
    // A callback's definition lives as long as its registry: the heads go with it.
    private static readonly ConditionalWeakTable<CallbackDefinition, byte[]> CachedHeads = new();
    private static readonly ReadOnlyMemory<byte> CachedTail = "}"u8.ToArray();

    public static async Task WriteJobAsync(HttpContext context, int status, string handle, JobView job)
    {
        Prepare(context, status);
        await ResponseBodies.WriteAsync(context, JobDocument(handle, job)).ConfigureAwait(false);
    }

    /// <summary>The job document of docs/protocol.md, as a poll answers it and an event stream's <c>job</c> event carries it.</summary>
    public static ReadOnlyMemory<byte> JobDocument(string handle, JobView job)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("handle", handle);
            writer.WriteString("callbackId", job.CallbackId);
            writer.WriteString("status", job.Status.ToWire());
            writer.WriteNumber("version", job.Version);
            writer.WritePropertyName("progress");
            if (job.ProgressJson is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteRawValue(job.ProgressJson, skipInputValidation: true);
            }

            writer.WriteNumber("progressVersion", job.ProgressVersion);
            writer.WriteStartArray("sideUpdates");
            foreach (var update in job.SideUpdates)
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", update.Version);
                ComponentValues.WriteId(writer, update.ComponentId);
                writer.WritePropertyName("props");
                writer.WriteRawValue(update.PropsJson, skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (job.Status == JobStatus.Succeeded && job.OutputsJson is not null)
            {
                writer.WritePropertyName("outputs");
                writer.WriteRawValue(job.OutputsJson, skipInputValidation: true);
            }

            if (job.Error is not null)
            {
                writer.WriteString("error", job.Error);
            }

            if (job.CancelReason is not null)
            {
                writer.WriteString("cancelReason", job.CancelReason);
            }

            if (job.Position is { } position)
            {
                writer.WriteNumber("position", position);
            }

            if (job.EtaSeconds is { } eta)
            {
                writer.WriteNumber("etaSeconds", Math.Round(eta, 1));
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    public static async Task WriteAcceptedAsync(HttpContext context, CallbackDefinition callback, InvocationResult result, string location, IReadOnlyDictionary<string, JsonElement>? matches)
    {
        context.Response.Headers.Location = location;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(callback.Interval / 1000.0)).ToString(CultureInfo.InvariantCulture);
        Prepare(context, StatusCodes.Status202Accepted);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("handle", result.Handle);
            writer.WriteString("callbackId", callback.Id);
            writer.WriteString("status", result.Status.ToWire());

            // A new job has nothing to show yet (version 1). A joined or replayed one may have progress and side updates
            // already: version 0 makes the first poll bring them.
            writer.WriteNumber("version", result.Joined || result.Replayed ? 0 : 1);
            writer.WriteBoolean("joined", result.Joined);
            writer.WriteString("location", location);
            writer.WriteNumber("interval", callback.Interval);
            writer.WriteStartArray("progressDefault");
            foreach (var progress in callback.Progress)
            {
                ComponentValues.WriteEntry(writer, ComponentPatterns.Resolve(progress.Dependency, matches), progress.Dependency.Property, progress.Default);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await ResponseBodies.WriteAsync(context, buffer.WrittenMemory).ConfigureAwait(false);
    }

    /// <summary>
    /// A hit's answer: the stored outputs' bytes go into the response between a head and a tail, unparsed and uncopied
    /// by us. The head depends on the callback alone, so it is written once per callback, by the same writer and options
    /// as every other body, and the answer stays the bytes a writer of the whole document would give.
    /// </summary>
    public static Task WriteCachedAsync(HttpContext context, CallbackDefinition callback, ReadOnlyMemory<byte> outputs)
    {
        Prepare(context, StatusCodes.Status200OK);
        return ResponseBodies.WriteAsync(context, CachedHeads.GetValue(callback, CachedHead), outputs, CachedTail);
    }

    private static byte[] CachedHead(CallbackDefinition callback)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("callbackId", callback.Id);
            writer.WriteString("status", JobStatus.Succeeded.ToWire());
            writer.WriteBoolean("cached", true);
            writer.WritePropertyName("outputs");
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>An inline call's answer: the shape of an ended job, without a handle (there is nothing to follow).</summary>
    public static async Task WriteInlineAsync(HttpContext context, CallbackDefinition callback, JobOutcome outcome, IReadOnlyList<KeyValuePair<string, string>> sideUpdates)
    {
        Prepare(context, StatusCodes.Status200OK);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("callbackId", callback.Id);
            writer.WriteString("status", outcome.Status.ToWire());
            writer.WriteBoolean("inline", true);
            writer.WriteStartArray("sideUpdates");
            var version = 0;
            foreach (var (componentId, props) in sideUpdates)
            {
                writer.WriteStartObject();
                writer.WriteNumber("version", ++version);
                ComponentValues.WriteId(writer, componentId);
                writer.WritePropertyName("props");
                writer.WriteRawValue(props, skipInputValidation: true);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (outcome.Status == JobStatus.Succeeded && outcome.OutputsJson is not null)
            {
                writer.WritePropertyName("outputs");
                writer.WriteRawValue(outcome.OutputsJson, skipInputValidation: true);
            }

            if (outcome.Error is not null)
            {
                writer.WriteString("error", outcome.Error);
            }

            writer.WriteEndObject();
        }

        await ResponseBodies.WriteAsync(context, buffer.WrittenMemory).ConfigureAwait(false);
    }

    private static void Prepare(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
    }
}
