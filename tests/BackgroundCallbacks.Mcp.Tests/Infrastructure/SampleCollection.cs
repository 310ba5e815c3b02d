namespace BackgroundCallbacks.Mcp.Tests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class SampleCollection : ICollectionFixture<SampleFixture>
{
    public const string Name = "sample";
}
