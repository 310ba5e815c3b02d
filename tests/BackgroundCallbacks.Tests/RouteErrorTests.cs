using System.Net;
using System.Net.Http.Headers;
using System.Text;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

/// <summary>Requests no endpoint of the library takes still get the protocol's problem details; the app's own routes do not.</summary>
public class RouteErrorTests
{
    private static Task<TestApp> StartAsync(Action<WebApplication>? pipeline = null) => TestApp.StartAsync(
        b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"),
        pipeline: pipeline);

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        Assert.True(status == response.StatusCode, $"{what}: expected {(int)status}, got {(int)response.StatusCode}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}: content type '{response.Content.Headers.ContentType}'");
        var body = await CallbackClient.BodyAsync(response);
        Assert.True(body["status"]?.GetValue<int>() == (int)status, $"{what}: body {body.ToJsonString()}");
        Assert.False(string.IsNullOrEmpty(body["title"].Str()), what);
    }

    [Fact]
    public async Task Other_methods_on_every_route_get_405_problem_details_with_Allow()
    {
        await using var app = await StartAsync();
        using var client = app.NewClient();
        var handle = await client.StartAsync("echo", [CallbackClient.Value("in", "value", 1)]);
        (string Method, string Path, string Allow)[] cases =
        [
            ("OPTIONS", "/_callbacks/callbacks/echo", "POST"),
            ("GET", "/_callbacks/callbacks/echo", "POST"),
            ("PUT", "/_callbacks/callbacks/echo", "POST"),
            ("DELETE", "/_callbacks/callbacks/no-such-callback", "POST"),
            ("POST", $"/_callbacks/jobs/{handle}", "GET, HEAD, DELETE"),
            ("PATCH", "/_callbacks/jobs/not-a-handle", "GET, HEAD, DELETE"),
            ("OPTIONS", "/_callbacks/jobs/x", "GET, HEAD, DELETE"),
            ("POST", "/_callbacks/dependencies", "GET, HEAD"),
            ("DELETE", "/_callbacks/dependencies", "GET, HEAD"),
            ("OPTIONS", "/_callbacks/client.js", "GET, HEAD"),
            ("POST", "/_callbacks/client.js", "GET, HEAD"),
            ("PUT", "/_callbacks/client.d.ts", "GET, HEAD"),
            ("BREW", "/_callbacks/dependencies", "GET, HEAD"),
        ];

        foreach (var (method, path, allow) in cases)
        {
            using var response = await client.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
            await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, $"{method} {path}");
            Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        }
    }

    [Fact]
    public async Task Unmatched_paths_under_the_prefix_get_404_problem_details()
    {
        await using var app = await StartAsync();
        using var client = app.NewClient();
        string[] paths = ["/_callbacks", "/_callbacks/", "/_callbacks/jobs", "/_callbacks/jobs/", "/_callbacks/callbacks",
            "/_callbacks/callbacks/echo/extra", "/_callbacks/jobs/a/b", "/_callbacks/client.css"];

        foreach (var path in paths)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Post, HttpMethod.Delete, HttpMethod.Options })
            {
                using var response = await client.Http.SendAsync(new HttpRequestMessage(method, path));
                await AssertProblemAsync(response, HttpStatusCode.NotFound, $"{method} {path}");
            }
        }
    }

    [Fact]
    public async Task HEAD_on_the_GET_endpoints_answers_as_GET_without_a_body()
    {
        await using var app = await StartAsync();
        using var client = app.NewClient();
        var handle = await client.StartAsync("echo", [CallbackClient.Value("in", "value", 1)]);
        await client.WaitForEndAsync(handle);

        foreach (var path in new[] { "/_callbacks/dependencies", $"/_callbacks/jobs/{handle}", "/_callbacks/client.js", "/_callbacks/client.d.ts", "/_callbacks/jobs/no-such-handle" })
        {
            using var get = await client.Http.GetAsync(path);
            var getBody = await get.Content.ReadAsByteArrayAsync();
            using var head = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            var headBody = await head.Content.ReadAsByteArrayAsync();

            Assert.True(get.StatusCode == head.StatusCode, $"HEAD {path}: {(int)head.StatusCode}, GET: {(int)get.StatusCode}");
            Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
            Assert.NotEmpty(getBody);
            Assert.Empty(headBody);
        }
    }

    [Fact]
    public async Task The_apps_own_routes_outside_the_prefix_keep_routings_own_answers()
    {
        await using var app = await StartAsync(a => a.MapGet("/hello", () => "hi"));
        using var client = app.NewClient();

        using var wrongMethod = await client.Http.PostAsync("/hello", new StringContent(""));
        using var missing = await client.Http.GetAsync("/nothing/here");
        using var near = await client.Http.GetAsync("/_callbacksx/dependencies");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Empty(await wrongMethod.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Empty(await missing.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, near.StatusCode);
        Assert.Empty(await near.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_app_route_under_the_prefix_wins_over_the_unmatched_answers()
    {
        await using var app = await StartAsync(a => a.MapGet("/_callbacks/health", () => "ok"));
        using var client = app.NewClient();

        using var response = await client.Http.GetAsync("/_callbacks/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }
}
