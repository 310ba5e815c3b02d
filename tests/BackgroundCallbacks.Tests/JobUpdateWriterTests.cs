using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Protocol;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public sealed class JobUpdateWriterTests
{
    private static readonly DependencySpec[] Outputs = [new("bar", "value")];

    [Fact]
    public async Task Reports_made_while_a_write_is_under_way_are_all_written_in_order_in_one_batch()
    {
        using var inner = new InMemoryJobStore(new FakeTimeProvider(), Options.Create(new BackgroundCallbacksOptions()));
        var admission = JobStoreContractTests.NewAdmission();
        await inner.AdmitAsync(admission, CancellationToken.None);
        var attempt = (await inner.TryStartAsync(admission.Record.JobId, "run-1", CancellationToken.None)).Attempt;
        var store = GatedStore.Over(inner, out var gate);

        var writer = new JobUpdateWriter(store, admission.Record.JobId, attempt, Outputs, JsonSerializerOptions.Default, NullLogger.Instance, () => { }, () => { });
        writer.ReportProgress([1]);
        await gate.FirstWriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        writer.ReportProgress([2]);
        writer.ReportProgress([3]);
        writer.ReportProgress([4]);
        gate.Release.SetResult();
        await writer.DrainAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var expected = Enumerable.Range(1, 4).Select(i => ComponentValues.Write(Outputs, [i], JsonSerializerOptions.Default)).ToArray();
        Assert.Equal([expected[..1], expected[1..]], gate.Writes);
        var view = await inner.ReadAsync(admission.Record.JobId, admission.FollowerId, 0, CancellationToken.None, withProgressLog: true);
        Assert.Equal(expected, view!.ProgressReports.Select(r => r.Json));
        Assert.Equal([1L, 2L, 3L, 4L], view.ProgressReports.Select(r => r.Sequence));
    }

    /// <summary>The store's first write waits until released, so reports made meanwhile pile up for the next write.</summary>
    public sealed class Gate
    {
        public TaskCompletionSource FirstWriteStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<string[]> Writes { get; } = new();
    }

    public class GatedStore : DispatchProxy
    {
        private IJobStore _inner = null!;
        private Gate _gate = null!;

        internal static IJobStore Over(IJobStore inner, out Gate gate)
        {
            var proxy = Create<IJobStore, GatedStore>();
            var store = (GatedStore)(object)proxy;
            (store._inner, store._gate) = (inner, gate = new Gate());
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name != nameof(IJobStore.AppendUpdatesAsync))
            {
                return targetMethod.Invoke(_inner, args);
            }

            return new ValueTask(AppendAsync(targetMethod, args!));
        }

        private async Task AppendAsync(MethodInfo append, object?[] args)
        {
            _gate.Writes.Enqueue(((IReadOnlyList<string>)args[2]!).ToArray());
            if (_gate.Writes.Count == 1)
            {
                _gate.FirstWriteStarted.SetResult();
                await _gate.Release.Task;
            }

            await (ValueTask)append.Invoke(_inner, args)!;
        }
    }
}
