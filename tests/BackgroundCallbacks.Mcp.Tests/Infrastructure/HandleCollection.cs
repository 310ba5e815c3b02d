namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class HandleCollection : ICollectionFixture<HandleSampleFixture>
{
    public const string Name = "handles";
}
