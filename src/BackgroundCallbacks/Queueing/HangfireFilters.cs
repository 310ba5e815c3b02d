using Hangfire;
using Hangfire.Common;

namespace BackgroundCallbacks.Queueing;

/// <summary>
/// The filters of our Hangfire client and servers, in place of Hangfire's global ones. The runner turns handler
/// failures into failed jobs itself and retries only callbacks that opt in, so a Hangfire job fails only when the
/// runner could not reach the job store; Hangfire tries those again a few times, soon, before it gives up.
/// </summary>
internal static class HangfireFilters
{
    public static JobFilterCollection Create() => new()
    {
        new AutomaticRetryAttribute
        {
            Attempts = 10,
            DelaysInSeconds = [1, 2, 5, 10, 20, 30, 60, 60, 120, 300],
            OnAttemptsExceeded = AttemptsExceededAction.Delete,
            LogEvents = false,
        },
    };
}
