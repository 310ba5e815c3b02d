using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public class EndpointConventionTests
{
    [Fact]
    public async Task RequireAuthorization_on_the_mapped_endpoints_protects_every_one_of_them()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"),
            services: s => { HeaderAuthenticationHandler.AddTo(s); s.AddAuthorization(); },
            pipeline: a => { a.UseAuthentication(); a.UseAuthorization(); },
            endpoints: e => e.RequireAuthorization());
        using var anonymous = app.NewClient();
        using var alice = app.NewClient();
        alice.Http.DefaultRequestHeaders.Add("X-User", "alice");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync("/_callbacks/dependencies")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.InvokeAsync("echo", [CallbackClient.Value("in", "value", 1)])).Response.StatusCode);
        var handle = await alice.StartAsync("echo", [CallbackClient.Value("in", "value", 1)]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PollAsync(handle)).Response.StatusCode);
        Assert.Equal("succeeded", (await alice.WaitForEndAsync(handle)).Status());
    }

    [Fact]
    public async Task A_CORS_preflight_is_answered_when_the_app_requires_CORS_on_the_endpoints()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"),
            services: s => s.AddCors(o => o.AddPolicy("web", p => p.WithOrigins("https://app.example").AllowAnyHeader().WithMethods("GET", "POST", "DELETE"))),
            pipeline: a => a.UseCors(),
            endpoints: e => e.RequireCors("web"));
        using var client = app.NewClient();

        foreach (var (method, path) in new[] { ("POST", "/_callbacks/callbacks/echo"), ("DELETE", "/_callbacks/jobs/x"), ("GET", "/_callbacks/dependencies") })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, path);
            preflight.Headers.Add("Origin", "https://app.example");
            preflight.Headers.Add("Access-Control-Request-Method", method);
            preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
            using var response = await client.Http.SendAsync(preflight);

            Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"preflight of {method} {path}: {(int)response.StatusCode}");
            Assert.Equal("https://app.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }

        using var invoke = new HttpRequestMessage(HttpMethod.Post, "/_callbacks/callbacks/echo")
        {
            Content = new StringContent("""{"inputs":[{"id":"in","property":"value","value":1}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        invoke.Headers.Add("Origin", "https://app.example");
        using var invoked = await client.Http.SendAsync(invoke);
        Assert.Equal(HttpStatusCode.Accepted, invoked.StatusCode);
        Assert.Equal("https://app.example", invoked.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task The_endpoints_live_under_the_prefix_the_app_chooses()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddBackgroundCallbacks(o => o.ScanEntryAssembly = false)
            .MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value");
        await using var app = builder.Build();
        app.MapBackgroundCallbacks("/api/bg/");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var response = await http.GetAsync("/api/bg/dependencies");
        var body = await CallbackClient.BodyAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/api/bg", body["prefix"].Str());
        Assert.Equal(15000, body["heartbeat"]!.GetValue<long>());
        Assert.Throws<ArgumentException>(() => app.MapBackgroundCallbacks("no-slash"));
    }

    [Fact]
    public async Task Job_locations_include_the_apps_path_base()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"),
            pipeline: a => a.UsePathBase("/reports"));
        using var client = app.NewClient();

        var response = await client.Http.PostAsync("/reports/_callbacks/callbacks/echo", new StringContent(
            """{"inputs":[{"id":"in","property":"value","value":1}]}""", System.Text.Encoding.UTF8, "application/json"));
        var body = await CallbackClient.BodyAsync(response);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.StartsWith("/reports/_callbacks/jobs/", response.Headers.Location!.OriginalString);
        Assert.Equal(response.Headers.Location.OriginalString, body["location"].Str());
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync(body["location"].Str())).StatusCode);
    }
}
