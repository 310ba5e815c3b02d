using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

internal static class Records
{
    /// <summary>A job record with a fresh handle (well-formed, of the default manager) and its own slot unless one is given.</summary>
    public static JobRecord New(string? slot = null, string owner = "s:owner")
    {
        var handle = NewHandle();
        return new JobRecord(
            handle,
            owner,
            "callback",
            Key: null,
            ArgsJson: """[1,"two",{"three":[3]}]""",
            Triggered: ["button.n_clicks"],
            Claims: [new("name", "Ada")],
            AuthenticationType: null,
            Slot: slot ?? "slot-" + handle);
    }

    public static string NewHandle()
    {
        return System.Buffers.Text.Base64Url.EncodeToString(Guid.NewGuid().ToByteArray()) + ".default";
    }
}
