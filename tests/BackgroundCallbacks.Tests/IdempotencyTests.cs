using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public class IdempotencyTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    /// <summary>POSTs an invocation with an Idempotency-Key, as a client that retries safely does.</summary>
    private static async Task<(HttpResponseMessage Response, JsonObject Body)> InvokeWithKeyAsync(CallbackClient client, string callbackId, string key, object? value)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{CallbackClient.Prefix}/callbacks/{callbackId}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { inputs = In(value), state = Array.Empty<object>(), triggered = Array.Empty<string>() }), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var response = await client.Http.SendAsync(request);
        return (response, await CallbackClient.BodyAsync(response));
    }

    [Fact]
    public async Task A_retry_with_the_same_key_gets_the_same_handle_and_runs_the_handler_once()
    {
        var calls = 0;
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("work", async (int? n, CallbackContext ctx) => { Interlocked.Increment(ref calls); await gate.PassAsync(ctx.CancellationToken); return $"{n}"; })
            .Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();

        var (first, firstBody) = await InvokeWithKeyAsync(client, "work", "order-1", 5);
        await gate.WaitReachedAsync();
        var (retry, retryBody) = await InvokeWithKeyAsync(client, "work", "order-1", 5);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(firstBody["handle"].Str(), retryBody["handle"].Str());
        Assert.Equal("running", retryBody.Status());
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        gate.Open();
        Assert.Equal("succeeded", (await client.WaitForEndAsync(retryBody["handle"].Str()!)).Status());
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_replayed_handle_shows_the_job_as_it_is_now()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("work", (int? n) => $"{n}").Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();
        var (_, firstBody) = await InvokeWithKeyAsync(client, "work", "order-1", 5);
        await client.WaitForEndAsync(firstBody["handle"].Str()!);

        var (retry, retryBody) = await InvokeWithKeyAsync(client, "work", "order-1", 5);

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(firstBody["handle"].Str(), retryBody["handle"].Str());
        Assert.Equal("succeeded", retryBody.Status());
        Assert.Equal(0, retryBody.Version());
    }

    [Fact]
    public async Task A_retry_of_a_cache_hit_gets_the_same_outputs_even_after_the_cache_lost_them()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("square", (int? n) => { Interlocked.Increment(ref calls); return $"{n * n}"; }).Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var client = await app.NewClient().WithSessionAsync();
        await client.WaitForEndAsync(await client.StartAsync("square", In(7)));
        var (hit, hitBody) = await InvokeWithKeyAsync(client, "square", "k-1", 7);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        await app.Services.GetRequiredService<ICallbackCache>().EvictAllAsync();

        var (retry, retryBody) = await InvokeWithKeyAsync(client, "square", "k-1", 7);

        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.True(retryBody["cached"]!.GetValue<bool>());
        Assert.Equal(hitBody["outputs"]!.ToJsonString(), retryBody["outputs"]!.ToJsonString());
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_retry_of_an_inline_call_gets_the_same_outputs_without_running_it_again()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("stamp", (int? n) => $"{n}:{Interlocked.Increment(ref calls)}").Output("out", "children").Input("in", "value")
            .Configure(c => c.Inline = true));
        using var client = await app.NewClient().WithSessionAsync();

        var (first, firstBody) = await InvokeWithKeyAsync(client, "stamp", "k-1", 3);
        var (retry, retryBody) = await InvokeWithKeyAsync(client, "stamp", "k-1", 3);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.True(retryBody["inline"]!.GetValue<bool>());
        Assert.Equal("3:1", CallbackClient.Output(retryBody, "out", "children").Str());
        Assert.Equal(firstBody.ToJsonString(), retryBody.ToJsonString());
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_retry_with_another_body_is_refused_with_422_idempotency_key_reused()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("work", (int? n) => $"{n}").Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();
        await InvokeWithKeyAsync(client, "work", "order-1", 5);

        var (retry, body) = await InvokeWithKeyAsync(client, "work", "order-1", 6);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, retry.StatusCode);
        Assert.Equal("application/problem+json", retry.Content.Headers.ContentType?.MediaType);
        Assert.Equal("idempotency-key-reused", body["reason"].Str());
    }

    [Fact]
    public async Task A_retry_while_the_first_is_still_answered_is_409_with_Retry_After_then_gets_the_first_answer()
    {
        var calls = 0;
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("slow", async (int? n, CallbackContext ctx) => { Interlocked.Increment(ref calls); await gate.PassAsync(ctx.CancellationToken); return $"{n}"; })
            .Output("out", "children").Input("in", "value").Configure(c => c.Inline = true));
        using var client = await app.NewClient().WithSessionAsync();

        var first = InvokeWithKeyAsync(client, "slow", "k-1", 1);
        await gate.WaitReachedAsync();
        var (retry, retryBody) = await InvokeWithKeyAsync(client, "slow", "k-1", 1);
        gate.Open();
        var (firstResponse, firstBody) = await first;
        var (later, laterBody) = await InvokeWithKeyAsync(client, "slow", "k-1", 1);

        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), retry.Headers.RetryAfter?.Delta);
        Assert.Equal("idempotency-key-in-progress", retryBody["reason"].Str());
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(firstBody.ToJsonString(), laterBody.ToJsonString());
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Keys_of_two_owners_never_meet()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("work", (int? n) => $"{n}").Output("out", "children").Input("in", "value"));
        using var alice = await app.NewClient().WithSessionAsync();
        using var bob = await app.NewClient().WithSessionAsync();

        var (aliceResponse, aliceBody) = await InvokeWithKeyAsync(alice, "work", "same-key", 1);
        var (bobResponse, bobBody) = await InvokeWithKeyAsync(bob, "work", "same-key", 2);

        Assert.Equal(HttpStatusCode.Accepted, aliceResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, bobResponse.StatusCode);
        Assert.NotEqual(aliceBody["handle"].Str(), bobBody["handle"].Str());
        Assert.Equal("2", CallbackClient.Output(await bob.WaitForEndAsync(bobBody["handle"].Str()!), "out", "children").Str());
    }

    [Fact]
    public async Task Keys_are_per_callback()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("one", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value");
            b.MapBackgroundCallback("two", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value");
        });
        using var client = await app.NewClient().WithSessionAsync();

        var (_, oneBody) = await InvokeWithKeyAsync(client, "one", "k-1", 1);
        var (two, twoBody) = await InvokeWithKeyAsync(client, "two", "k-1", 1);

        Assert.Equal(HttpStatusCode.Accepted, two.StatusCode);
        Assert.NotEqual(oneBody["handle"].Str(), twoBody["handle"].Str());
    }

    [Fact]
    public async Task A_key_is_forgotten_after_its_lifetime()
    {
        var calls = 0;
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T12:00:00Z"));
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("stamp", (int? n) => $"{n}:{Interlocked.Increment(ref calls)}").Output("out", "children").Input("in", "value")
                .Configure(c => c.Inline = true),
            o => o.IdempotencyKeyLifetime = TimeSpan.FromHours(1),
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = await app.NewClient().WithSessionAsync();
        await InvokeWithKeyAsync(client, "stamp", "k-1", 3);

        time.Advance(TimeSpan.FromMinutes(59));
        var (within, withinBody) = await InvokeWithKeyAsync(client, "stamp", "k-1", 3);
        time.Advance(TimeSpan.FromMinutes(2));
        var (after, afterBody) = await InvokeWithKeyAsync(client, "stamp", "k-1", 3);

        Assert.Equal("3:1", CallbackClient.Output(withinBody, "out", "children").Str());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("3:2", CallbackClient.Output(afterBody, "out", "children").Str());
        Assert.Equal(HttpStatusCode.OK, within.StatusCode);
    }

    [Fact]
    public async Task A_refused_first_invocation_leaves_its_key_free()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("make", (int? n) => $"{n}").ServerSideOutput("rows", "data").Input("in", "value");
            b.MapBackgroundCallback("use", (string? rows) => rows).Output("out", "children").Input("rows", "data");
        });
        using var client = await app.NewClient().WithSessionAsync();
        HttpRequestMessage Request()
        {
            var message = new HttpRequestMessage(HttpMethod.Post, $"{CallbackClient.Prefix}/callbacks/use")
            {
                Content = new StringContent("""{"inputs":[{"id":"rows","property":"data","value":"bcref:nowhere:AAAAAAAAAAAAAAAAAAAAAA"}]}""", Encoding.UTF8, "application/json"),
            };
            message.Headers.TryAddWithoutValidation("Idempotency-Key", "k-1");
            return message;
        }

        using var first = await client.Http.SendAsync(Request());
        using var second = await client.Http.SendAsync(Request());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, first.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("not-found", (await CallbackClient.BodyAsync(second))["reason"].Str());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("tab\there")]
    public async Task An_invalid_key_is_a_400(string key)
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("work", (int? n) => $"{n}").Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();

        var (response, _) = await InvokeWithKeyAsync(client, "work", key, 1);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_key_of_256_characters_is_a_400_and_one_of_255_is_taken()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("work", (int? n) => $"{n}").Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();

        Assert.Equal(HttpStatusCode.BadRequest, (await InvokeWithKeyAsync(client, "work", new string('k', 256), 1)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await InvokeWithKeyAsync(client, "work", new string('k', 255), 1)).Response.StatusCode);
    }

    [Fact]
    public async Task A_retry_whose_body_differs_only_in_whitespace_property_order_and_number_form_is_the_same_invocation()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("echo", (System.Text.Json.JsonElement? v) => v?.GetRawText() ?? "").Output("out", "children").Input("in", "value"));
        using var client = await app.NewClient().WithSessionAsync();
        async Task<(HttpResponseMessage, JsonObject)> SendAsync(string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"{CallbackClient.Prefix}/callbacks/echo") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", "k-1");
            var response = await client.Http.SendAsync(request);
            return (response, await CallbackClient.BodyAsync(response));
        }

        var (first, firstBody) = await SendAsync("""{"inputs":[{"id":"in","property":"value","value":{"a":1,"b":[2.0,"x"]}}],"triggered":[]}""");
        var (retry, retryBody) = await SendAsync("""{ "triggered": [ ], "inputs": [ { "value": { "b": [ 2, "x" ], "a": 1.0 }, "property": "value", "id": "in" } ] }""");
        var (other, _) = await SendAsync("""{"inputs":[{"id":"in","property":"value","value":{"a":1,"b":[2,"y"]}}],"triggered":[]}""");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(firstBody["handle"].Str(), retryBody["handle"].Str());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
    }

    [Fact]
    public async Task The_embedded_records_are_bounded_and_never_drop_a_reservation()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T12:00:00Z"));
        using var store = new InMemoryIdempotencyStore(time, sizeLimit: 20_000);
        Assert.Null(await store.ReserveAsync("held", "pending", TimeSpan.FromHours(1), default));

        for (var i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await store.SetAsync("answer-" + i, new string('x', 500), TimeSpan.FromHours(24), default);
        }

        Assert.InRange(store.Size, 1, 20_000);
        Assert.Equal("pending", await store.ReserveAsync("held", "other", TimeSpan.FromMinutes(1), default));
        Assert.NotNull(await store.ReserveAsync("answer-99", "other", TimeSpan.FromMinutes(1), default));
        Assert.Null(await store.ReserveAsync("answer-0", "fresh", TimeSpan.FromMinutes(1), default));
    }
}
