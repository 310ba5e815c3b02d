namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

/// <summary>
/// Runs after the other collections, not beside them: a second sample process starting and working beside the first
/// slows it enough that two of its quick progress reports can land between two reads of the job.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HandleCollection : ICollectionFixture<HandleSampleFixture>
{
    public const string Name = "handles";
}
