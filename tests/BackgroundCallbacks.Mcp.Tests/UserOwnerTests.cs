using System.Collections.Concurrent;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>The owner of a tool call is the authenticated user when there is one, whatever the MCP session.</summary>
public sealed class UserOwnerTests
{
    [Fact]
    public async Task A_users_private_result_answers_the_same_user_in_another_session_but_not_another_user()
    {
        var runs = new ConcurrentQueue<string>();
        await using var app = await InProcessApp.StartAsync(b => b
            .MapBackgroundCallback("whoami", (string? text, CallbackContext context) =>
            {
                runs.Enqueue(text ?? "");
                return $"{context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value}: {text}";
            })
            .Output("out", "children").Input("text", "value")
            .Configure(a => a.CacheBy = [BuiltInCacheBy.LaunchId]),
            o => o.Callbacks.Add("whoami"));
        var arguments = new Dictionary<string, object?> { ["text"] = "hello" };

        var aliceLaptop = await (await app.NewClientAsync("alice")).CallToolAsync("whoami", arguments);
        var alicePhone = await (await app.NewClientAsync("alice")).CallToolAsync("whoami", arguments);
        var bob = await (await app.NewClientAsync("bob")).CallToolAsync("whoami", arguments);

        Assert.Equal("job", Reports.Source(aliceLaptop));
        Assert.Equal("cache", Reports.Source(alicePhone));
        Assert.Equal("alice: hello", alicePhone.StructuredContent!.Value.GetProperty("out.children").GetString());
        Assert.Equal("job", Reports.Source(bob));
        Assert.Equal("bob: hello", bob.StructuredContent!.Value.GetProperty("out.children").GetString());
        Assert.Equal(2, runs.Count);
    }
}
