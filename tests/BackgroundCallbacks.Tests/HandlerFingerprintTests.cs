using System.Reflection;
using System.Runtime.CompilerServices;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Tests;

/// <summary>The handler's identity in the cache key across two builds of one app (<see cref="RebuiltHandlers"/>).</summary>
public class HandlerFingerprintTests
{
    private static string Identity(Assembly build, string callbackId, string method) =>
        HandlerFingerprint.Of(callbackId, RebuiltHandlers.Method(build, method));

    private static string LambdaIdentity(Assembly build, string callbackId, string property) =>
        HandlerFingerprint.Of(callbackId, RebuiltHandlers.Lambda(build, property).Method);

    [Fact]
    public void An_unchanged_handler_keeps_its_identity_across_a_rebuild_that_shifts_its_tokens()
    {
        var first = RebuiltHandlers.Method(RebuiltHandlers.First, "Kept");
        var second = RebuiltHandlers.Method(RebuiltHandlers.Second, "Kept");

        // The rebuild did move the tokens in the handler's IL: its raw bytes alone would not do.
        Assert.NotEqual(first.GetMethodBody()!.GetILAsByteArray(), second.GetMethodBody()!.GetILAsByteArray());
        Assert.Equal(HandlerFingerprint.Of("kept", first), HandlerFingerprint.Of("kept", second));
    }

    [Fact]
    public void A_changed_handler_gets_a_new_identity_after_a_rebuild()
    {
        Assert.NotEqual(Identity(RebuiltHandlers.First, "changed", "Changed"), Identity(RebuiltHandlers.Second, "changed", "Changed"));
    }

    [Fact]
    public void An_unchanged_async_handler_keeps_its_identity_across_a_rebuild()
    {
        var first = RebuiltHandlers.Method(RebuiltHandlers.First, "KeptAsync");
        var second = RebuiltHandlers.Method(RebuiltHandlers.Second, "KeptAsync");

        // The state machine is named after the method's place in its type, which the added method moved.
        Assert.NotEqual(first.GetCustomAttribute<AsyncStateMachineAttribute>()!.StateMachineType.Name, second.GetCustomAttribute<AsyncStateMachineAttribute>()!.StateMachineType.Name);
        Assert.Equal(HandlerFingerprint.Of("kept-async", first), HandlerFingerprint.Of("kept-async", second));
    }

    [Fact]
    public void An_async_handler_changed_after_its_await_gets_a_new_identity()
    {
        // The change is in the state machine's MoveNext only: the stub that starts it reads the same in both builds.
        Assert.NotEqual(Identity(RebuiltHandlers.First, "changed-async", "ChangedAsync"), Identity(RebuiltHandlers.Second, "changed-async", "ChangedAsync"));
    }

    [Fact]
    public void An_unchanged_lambda_handler_keeps_its_identity_though_the_compiler_renamed_it()
    {
        var first = RebuiltHandlers.Lambda(RebuiltHandlers.First, "Kept").Method;
        var second = RebuiltHandlers.Lambda(RebuiltHandlers.Second, "Kept").Method;

        Assert.NotEqual(first.Name, second.Name);
        Assert.Equal(HandlerFingerprint.Of("kept-lambda", first), HandlerFingerprint.Of("kept-lambda", second));
    }

    [Fact]
    public void A_changed_lambda_handler_gets_a_new_identity()
    {
        Assert.NotEqual(LambdaIdentity(RebuiltHandlers.First, "changed-lambda", "Changed"), LambdaIdentity(RebuiltHandlers.Second, "changed-lambda", "Changed"));
    }

    [Fact]
    public void Two_lambdas_with_the_same_body_are_told_apart_by_their_callback_id()
    {
        var lambda = RebuiltHandlers.Lambda(RebuiltHandlers.First, "Kept").Method;

        Assert.NotEqual(HandlerFingerprint.Of("one", lambda), HandlerFingerprint.Of("two", lambda));
    }

    [Fact]
    public void A_change_inside_a_method_the_handler_calls_leaves_its_identity_as_documented()
    {
        Assert.NotEqual(
            RebuiltHandlers.Method(RebuiltHandlers.First, "Helper").Invoke(null, [1]),
            RebuiltHandlers.Method(RebuiltHandlers.HelperChanged, "Helper").Invoke(null, [1]));
        Assert.Equal(Identity(RebuiltHandlers.First, "kept", "Kept"), Identity(RebuiltHandlers.HelperChanged, "kept", "Kept"));
    }

    [Fact]
    public void The_identity_names_the_declaration_of_a_handler_the_developer_wrote()
    {
        var identity = Identity(RebuiltHandlers.First, "kept", "Kept");

        Assert.Contains("Handlers::Kept(System.Nullable`1[System.Int32])System.String", identity, StringComparison.Ordinal);
    }
}
