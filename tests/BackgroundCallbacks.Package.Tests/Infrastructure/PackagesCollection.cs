namespace BackgroundCallbacks.Package.Tests.Infrastructure;

/// <summary>
/// The package tests share one set of packed packages and run one after another: each builds and runs an app, and
/// two at once would only compete for the same cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<Packages>
{
    public const string Name = "packages";
}
