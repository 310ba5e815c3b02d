namespace BackgroundCallbacks.Client.Tests;

/// <summary>The client is written from docs/protocol.md alone and runs where ASP.NET Core is not installed.</summary>
public sealed class DependencyTests
{
    [Fact]
    public void The_client_references_neither_the_server_library_nor_ASP_NET_Core()
    {
        var references = typeof(BackgroundCallbacksClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain("BackgroundCallbacks", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.Contains("Microsoft.Extensions.Http", references);
    }
}
