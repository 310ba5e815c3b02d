using Hangfire;
using Hangfire.Common;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The filters of our Hangfire client and servers, in place of Hangfire's global ones. Hangfire's automatic retries
/// are off: the runner turns handler failures into failed jobs itself and retries only callbacks that opt in.
/// </summary>
internal static class HangfireFilters
{
    public static JobFilterCollection Create()
    {
        var filters = new JobFilterCollection
        {
            new AutomaticRetryAttribute { Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete },
        };
        return filters;
    }
}
