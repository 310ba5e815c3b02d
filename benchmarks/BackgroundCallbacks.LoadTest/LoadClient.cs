using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// One simulated browser tab: its own session and page id, looping over the fixed mix (or only tiny jobs) until the load stops, then
/// following what it still follows until every job it was accepted for has ended (or the drain period is over).
/// </summary>
internal sealed class LoadClient(ProtocolClient protocol, LoadStats stats, int warmValues, Func<int> nextValue, LoadMix mix = LoadMix.Standard)
{
    public const string HitAction = "hit (not cached)";
    public const string MissAction = "miss";
    public const string CancelAction = "cancel";
    public const string SupersededAction = "supersede first";
    public const string SupersedingAction = "supersede second";
    public const string TinyAction = "tiny";

    private const int LongPollMs = 20_000;
    private const int MaxFailedPolls = 10;

    private readonly Random _random = new(RandomNumberGenerator.GetInt32(int.MaxValue));

    // The browser client's page id: 22 base64url characters, one per tab.
    private readonly string _page = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    public ProtocolClient Protocol => protocol;

    /// <summary>Runs the mix (or only tiny jobs) while <paramref name="load"/> is not cancelled; <paramref name="stop"/> ends everything.</summary>
    public async Task RunAsync(CancellationToken load, CancellationToken stop)
    {
        try
        {
            while (!load.IsCancellationRequested)
            {
                var action = mix == LoadMix.Tiny ? TinyAsync(stop) : _random.Next(100) switch
                {
                    < 50 => HitAsync(stop),
                    < 80 => MissAsync(stop),
                    < 90 => CancelAsync(stop),
                    _ => SupersedeAsync(stop),
                };
                await action.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The drain period is over, or the run was interrupted: what was still followed is counted as not ended.
        }
    }

    /// <summary>Computes one value of the cached callback and checks that invoking it again is a cache hit.</summary>
    public async Task<string?> WarmAsync(int n, CancellationToken cancellationToken)
    {
        var first = await protocol.InvokeAsync(LoadCallbacks.Hit, n, null, cancellationToken).ConfigureAwait(false);
        if (first is { Status: 202, State.Location: { } location })
        {
            stats.Accepted("warm-up");
            var ended = await FollowToEndAsync("warm-up", location, first.State.Version, cancellationToken).ConfigureAwait(false);
            if (ended?.Status != "succeeded")
            {
                return $"warm-up of hit {n}: its job ended {ended?.Status ?? "never"}";
            }
        }
        else if (first.Status != 200)
        {
            return $"warm-up of hit {n}: answered {first.Status}";
        }

        var again = await protocol.InvokeAsync(LoadCallbacks.Hit, n, null, cancellationToken).ConfigureAwait(false);
        return again.Status == 200 ? null : $"warm-up of hit {n}: invoked again after its job succeeded, answered {again.Status} instead of a cache hit";
    }

    private async Task HitAsync(CancellationToken stop)
    {
        var n = _random.Next(warmValues);
        var expected = $"\"hit {n}\"";
        var reply = await protocol.InvokeAsync(LoadCallbacks.Hit, n, null, stop).ConfigureAwait(false);
        switch (reply)
        {
            case { Status: 200, State: { } state }:
                if (state.FirstOutput != expected)
                {
                    stats.Unexpected("hit: wrong cached output", $"hit {n} answered {state.FirstOutput}");
                }

                break;
            case { Status: 202, State.Location: { } location }:
                stats.Unexpected("hit: 202 for a warmed value", $"hit {n} -> {location}");
                stats.Accepted(HitAction);
                await FollowAndCheckAsync(HitAction, location, reply.State.Version, expected, stop).ConfigureAwait(false);
                break;
            default:
                await AfterFailedInvocationAsync("hit", reply, stop).ConfigureAwait(false);
                break;
        }
    }

    private async Task MissAsync(CancellationToken stop)
    {
        var n = nextValue();
        var reply = await protocol.InvokeAsync(LoadCallbacks.Miss, n, null, stop).ConfigureAwait(false);
        if (reply is not { Status: 202, State.Location: { } location })
        {
            await AfterFailedInvocationAsync("miss", reply, stop).ConfigureAwait(false);
            return;
        }

        stats.Accepted(MissAction);
        var ended = await FollowAndCheckAsync(MissAction, location, reply.State.Version, Number(n), stop).ConfigureAwait(false);
        if (ended is not null && ended.Status != "succeeded")
        {
            stats.Unexpected("miss: not succeeded", $"{location} ended {ended.Status}/{ended.CancelReason}");
        }
    }

    private async Task TinyAsync(CancellationToken stop)
    {
        // A value never used before, so the invocation is never joined to another one and always admits its own job.
        var n = nextValue();
        var reply = await protocol.InvokeAsync(LoadCallbacks.Tiny, n, null, stop).ConfigureAwait(false);
        if (reply is not { Status: 202, State.Location: { } location })
        {
            await AfterFailedInvocationAsync(TinyAction, reply, stop).ConfigureAwait(false);
            return;
        }

        stats.Accepted(TinyAction);
        var ended = await FollowAndCheckAsync(TinyAction, location, reply.State.Version, Number(n), stop).ConfigureAwait(false);
        if (ended is not null && ended.Status != "succeeded")
        {
            stats.Unexpected("tiny: not succeeded", $"{location} ended {ended.Status}/{ended.CancelReason}");
        }
    }

    private async Task CancelAsync(CancellationToken stop)
    {
        var n = nextValue();
        var reply = await protocol.InvokeAsync(LoadCallbacks.Miss, n, null, stop).ConfigureAwait(false);
        if (reply is not { Status: 202, State: { Location: { } location } state })
        {
            await AfterFailedInvocationAsync("cancel", reply, stop).ConfigureAwait(false);
            return;
        }

        stats.Accepted(CancelAction);

        // Follow briefly, as a user who waits a moment before pressing cancel.
        var glance = await protocol.PollAsync(location, state.Version, _random.Next(0, 300), stop).ConfigureAwait(false);
        if (glance is { Status: 200, State: { } seen })
        {
            state = seen;
        }

        var deleted = await protocol.CancelAsync(location, stop).ConfigureAwait(false);
        string? expected = null;
        if (deleted is { Status: 202, State: { } answer })
        {
            state = answer;

            // A job that ended before the cancel keeps its ending; otherwise the handle is cancelled, and stays so.
            expected = answer.IsTerminal ? answer.Status : "canceled";
            if (!answer.IsTerminal || answer is { Status: "canceled", CancelReason: not "requested" })
            {
                stats.Unexpected("cancel: DELETE did not cancel the handle", $"{location} answered {answer.Status}/{answer.CancelReason}");
            }
        }
        else if (deleted.Status is not (0 or >= 500))
        {
            stats.Unexpected($"cancel: DELETE answered {deleted.Status}", location);
        }

        var ended = await FollowAndCheckAsync(CancelAction, location, state.Version, Number(n), stop).ConfigureAwait(false);
        if (ended is not null && expected is not null && ended.Status != expected)
        {
            stats.Unexpected("cancel: handle changed after DELETE", $"{location}: DELETE answered {expected}, then it read {ended.Status}/{ended.CancelReason}");
        }
    }

    private async Task SupersedeAsync(CancellationToken stop)
    {
        var a = nextValue();
        var b = nextValue();
        var first = await protocol.InvokeAsync(LoadCallbacks.Miss, a, _page, stop).ConfigureAwait(false);
        if (first is not { Status: 202, State.Location: { } firstLocation })
        {
            await AfterFailedInvocationAsync("supersede", first, stop).ConfigureAwait(false);
            return;
        }

        stats.Accepted(SupersededAction);

        // At once, as a user who changes the input again: the same page and outputs, so the first handle is superseded.
        var second = await protocol.InvokeAsync(LoadCallbacks.Miss, b, _page, stop).ConfigureAwait(false);
        var followFirst = FollowAndCheckAsync(SupersededAction, firstLocation, first.State.Version, Number(a), stop);
        var followSecond = Task.FromResult<JobState?>(null);
        if (second is { Status: 202, State.Location: { } secondLocation })
        {
            stats.Accepted(SupersedingAction);
            followSecond = FollowAndCheckAsync(SupersedingAction, secondLocation, second.State.Version, Number(b), stop);
        }

        await Task.WhenAll(followFirst, followSecond).ConfigureAwait(false);
        if (second.Status != 202)
        {
            await AfterFailedInvocationAsync("supersede", second, stop).ConfigureAwait(false);
            return;
        }

        // The first job may have ended before the second invocation came (its result is then its own); any other
        // ending of the first handle than superseded breaks the promise.
        if (await followFirst.ConfigureAwait(false) is { } ended && ended is not { Status: "canceled", CancelReason: "superseded" } and not { Status: "succeeded" })
        {
            stats.Unexpected("supersede: first handle not superseded", $"{firstLocation} ended {ended.Status}/{ended.CancelReason}");
        }

        if (await followSecond.ConfigureAwait(false) is { Status: not "succeeded" } last)
        {
            stats.Unexpected("supersede: second handle not succeeded", $"ended {last.Status}/{last.CancelReason}");
        }
    }

    private async Task<JobState?> FollowAndCheckAsync(string action, string location, long after, string expectedOutput, CancellationToken stop)
    {
        var ended = await FollowToEndAsync(action, location, after, stop).ConfigureAwait(false);
        if (ended is { Status: "succeeded" } && ended.FirstOutput != expectedOutput)
        {
            stats.Unexpected("wrong result", $"{action} {location} expected {expectedOutput}, got {ended.FirstOutput}");
        }

        return ended;
    }

    /// <summary>Long-polls the handle until its status is terminal; null (and counted) when that was not seen.</summary>
    private async Task<JobState?> FollowToEndAsync(string action, string location, long after, CancellationToken stop)
    {
        var failures = 0;
        var last = 0;
        try
        {
            while (true)
            {
                var reply = await protocol.PollAsync(location, after, LongPollMs, stop).ConfigureAwait(false);
                last = reply.Status;
                if (reply is { Status: 200, State: { } state })
                {
                    failures = 0;
                    if (state.IsTerminal)
                    {
                        stats.Ended(action, state);
                        return state;
                    }

                    after = state.Version;
                    continue;
                }

                if (reply.Status == 404)
                {
                    stats.NotEnded(action, "404 while following", location);
                    return null;
                }

                // 5xx or no answer: a browser would try again a moment later.
                if (++failures >= MaxFailedPolls)
                {
                    stats.NotEnded(action, $"{failures} failed polls in a row", location);
                    return null;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            stats.NotEnded(action, failures == 0 ? "still followed when the drain period ended" : $"still followed when the drain period ended, after {failures} failed polls (last {last})", location);
            throw;
        }
    }

    private async Task AfterFailedInvocationAsync(string action, Reply reply, CancellationToken stop)
    {
        // A 5xx, or no answer, is counted already; a browser retries a moment later. Anything else breaks the protocol.
        if (reply.Status is 0 or >= 500)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
        }
        else
        {
            stats.Unexpected($"{action}: invocation answered {reply.Status}", reply.State?.Status ?? "");
        }
    }

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
