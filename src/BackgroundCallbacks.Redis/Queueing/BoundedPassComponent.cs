using Hangfire.Server;

namespace BackgroundCallbacks.Redis.Queueing;

#pragma warning disable CS0618 // Hangfire.Redis.StackExchange still gives its watchers as IServerComponent.

/// <summary>
/// Runs a storage component whose pass ends in a fixed wait on its token, and cuts that wait to
/// <paramref name="period"/> by cancelling a token of its own; Hangfire's loop then starts the next pass. The
/// component's own logic runs unchanged.
/// </summary>
internal sealed class BoundedPassComponent(IServerComponent inner, TimeSpan period) : IServerComponent
{
    public void Execute(CancellationToken cancellationToken)
    {
        using var pass = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        pass.CancelAfter(period);
        inner.Execute(pass.Token);
    }

    public override string ToString() => inner.ToString() ?? nameof(BoundedPassComponent);
}
