using System.Globalization;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// A follower as its job's hash keeps it, in field <c>f:{followerId}</c>: <c>a|{slot}|{owner}</c> while attached,
/// <c>d|{version}|{reason}|{slot}|{owner}</c> once detached. The owner comes last, as it may hold any character.
/// </summary>
internal readonly record struct FollowerValue(bool Detached, long Version, string? Reason, string? Slot, string Owner)
{
    public static FollowerValue Parse(string value)
    {
        if (value.StartsWith("d|", StringComparison.Ordinal))
        {
            var parts = value.Split('|', 5);
            return new FollowerValue(true, long.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture), parts[2], Empty(parts[3]), parts[4]);
        }

        var attached = value.Split('|', 3);
        return new FollowerValue(false, 0, null, Empty(attached[1]), attached[2]);
    }

    /// <summary>What a detached follower sees: its job cancelled, for its own reason, at the version it left.</summary>
    public JobView View(string jobId, string callbackId) =>
        new(jobId, callbackId, Owner, JobStatus.Canceled, Version, null, 0, [], [], null, null, Reason);

    private static string? Empty(string value) => value.Length == 0 ? null : value;
}
