namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

/// <summary>
/// A sample whose tool calls wait one second, and whose report takes four: every report call answers with a handle.
/// </summary>
public sealed class HandleSampleFixture : SampleFixture
{
    protected override IReadOnlyDictionary<string, string>? Environment { get; } = new Dictionary<string, string>
    {
        ["Mcp__CallTimeout"] = "00:00:01",
        ["Sample__DelayScale"] = "1",
    };
}
