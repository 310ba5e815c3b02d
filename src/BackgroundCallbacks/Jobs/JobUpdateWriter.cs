using System.Text.Json;
using System.Threading.Channels;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Protocol;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Writes a running job's progress and side updates to its store in order, off the handler's thread. Reports that
/// arrive while a write is under way are batched into the next one, every progress report and side update of it in
/// order (a follower such as MCP passes each report on), and <see cref="DrainAsync"/> waits for everything reported so
/// far, so nothing reported before the job ends is lost.
/// </summary>
internal sealed class JobUpdateWriter : IHandlerUpdateSink
{
    private readonly Channel<Update> _channel = Channel.CreateUnbounded<Update>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IJobStore _store;
    private readonly string _jobId;
    private readonly int _attempt;
    private readonly IReadOnlyList<DependencySpec> _progressOutputs;
    private readonly JsonSerializerOptions _json;
    private readonly ILogger _logger;
    private readonly Action _progressReported;
    private readonly Action _sideUpdateMade;
    private readonly Task _pump;

    /// <summary>Starts writing; <paramref name="progressReported"/> and <paramref name="sideUpdateMade"/> count what the handler reports, for the metrics.</summary>
    public JobUpdateWriter(IJobStore store, string jobId, int attempt, IReadOnlyList<DependencySpec> progressOutputs, JsonSerializerOptions json, ILogger logger, Action progressReported, Action sideUpdateMade)
    {
        _progressReported = progressReported;
        _sideUpdateMade = sideUpdateMade;
        _store = store;
        _jobId = jobId;
        _attempt = attempt;
        _progressOutputs = progressOutputs;
        _json = json;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    public void ReportProgress(object?[] values)
    {
        if (_channel.Writer.TryWrite(new Update(ComponentValues.Write(_progressOutputs, values, _json), null, null)))
        {
            _progressReported();
        }
    }

    public void SetProps(string componentId, object props)
    {
        var element = JsonSerializer.SerializeToElement(props, props.GetType(), _json);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("SetProps takes an object whose properties are the component's properties.", nameof(props));
        }

        if (!_channel.Writer.TryWrite(new Update(null, componentId, element.GetRawText())))
        {
            throw new InvalidOperationException("The job has ended; SetProps can no longer be called.");
        }

        _sideUpdateMade();
    }

    public async Task DrainAsync()
    {
        _channel.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }

    private async Task PumpAsync()
    {
        var reader = _channel.Reader;
        var progress = new List<string>();
        var sideUpdates = new List<KeyValuePair<string, string>>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            progress.Clear();
            sideUpdates.Clear();
            while (reader.TryRead(out var update))
            {
                if (update.ProgressJson is not null)
                {
                    progress.Add(update.ProgressJson);
                }

                if (update.ComponentId is not null)
                {
                    sideUpdates.Add(new(update.ComponentId, update.PropsJson!));
                }
            }

            try
            {
                await _store.AppendUpdatesAsync(_jobId, _attempt, progress.ToArray(), sideUpdates.ToArray(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A lost progress report must not end the job: the next one, or the result, carries on.
                Log.UpdateWriteFailed(_logger, e);
            }
        }
    }

    private readonly record struct Update(string? ProgressJson, string? ComponentId, string? PropsJson);
}
