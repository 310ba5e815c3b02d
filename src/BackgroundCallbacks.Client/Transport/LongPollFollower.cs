using System.Globalization;
using System.Runtime.CompilerServices;

namespace BackgroundCallbacks.Client.Transport;

/// <summary>Follows one handle by long poll: each answer that brings a newer version, a new place in line or the end is an update.</summary>
internal static class LongPollFollower
{
    public static async IAsyncEnumerable<JobUpdate> FollowAsync(ProtocolConnection connection, string handle, long after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var wait = (long)connection.Options.LongPollWait.TotalMilliseconds;
        int? position = null;
        while (true)
        {
            // position=-1 says this client knows no place in line, so a waiting job's place is answered at once.
            var uri = connection.UriOf(string.Create(CultureInfo.InvariantCulture,
                $"jobs/{Uri.EscapeDataString(handle)}?after={after}&wait={wait}&position={position ?? -1}"));
            using var response = await connection.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), HttpCompletionOption.ResponseContentRead, cancellationToken);
            var update = JobUpdate.Parse(await connection.ReadAsync(response, cancellationToken));
            if (update.Version > after || update.Position != position || update.IsFinal)
            {
                yield return update;
            }

            if (update.IsFinal)
            {
                yield break;
            }

            if (wait == 0 && update.Version <= after && update.Position == position)
            {
                // Without a held request, nothing paces the loop but this: poll once a second, as the protocol's
                // clients that cannot hold a request do.
                await Task.Delay(TimeSpan.FromSeconds(1), connection.Time, cancellationToken);
            }

            after = Math.Max(after, update.Version);
            position = update.Position;
        }
    }
}
