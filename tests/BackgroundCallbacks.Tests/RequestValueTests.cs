using System.Net;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public class RequestValueTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    private static async Task<string> ResultAsync(CallbackClient client, string handle)
    {
        var done = await client.WaitForEndAsync(handle);
        Assert.Equal("succeeded", done.Status());
        return CallbackClient.Output(done, "out", "children").Str()!;
    }

    private static async Task<(HttpResponseMessage Response, string Body)> PostAsync(CallbackClient client, string path, object body)
    {
        var response = await client.Http.PostAsync(CallbackClient.Prefix + path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        return (response, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Accept_Language_bound_by_FromHeader_changes_the_result_and_the_key_and_the_same_value_hits_the_cache()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("greet", ([FromHeader(Name = "Accept-Language")] string? language, int? n) =>
                {
                    Interlocked.Increment(ref calls);
                    return language == "de" ? $"Hallo {n}" : $"Bonjour {n}";
                })
                .Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var client = app.NewClient();
        client.Http.DefaultRequestHeaders.Add("Accept-Language", "de");
        Assert.Equal("Hallo 1", await ResultAsync(client, await client.StartAsync("greet", In(1))));

        var (sameLanguage, cached) = await client.InvokeAsync("greet", In(1));
        Assert.Equal(HttpStatusCode.OK, sameLanguage.StatusCode);
        Assert.Equal("Hallo 1", CallbackClient.Output(cached, "out", "children").Str());

        client.Http.DefaultRequestHeaders.Remove("Accept-Language");
        client.Http.DefaultRequestHeaders.Add("Accept-Language", "fr");
        var (otherLanguage, body) = await client.InvokeAsync("greet", In(1));
        Assert.Equal(HttpStatusCode.Accepted, otherLanguage.StatusCode);
        Assert.Equal("Bonjour 1", await ResultAsync(client, body["handle"].Str()!));
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_request_value_named_in_CacheArgsToIgnore_is_left_out_of_the_key()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("greet", ([FromHeader(Name = "Accept-Language")] string? language, int? n) => $"{language} {n}")
                .Output("out", "children").Input("in", "value")
                .Configure(c => { c.CacheBy = []; c.CacheArgsToIgnore = ["language"]; }),
            o => o.CacheBy = []);
        using var client = app.NewClient();
        client.Http.DefaultRequestHeaders.Add("Accept-Language", "de");
        Assert.Equal("de 1", await ResultAsync(client, await client.StartAsync("greet", In(1))));
        client.Http.DefaultRequestHeaders.Remove("Accept-Language");
        client.Http.DefaultRequestHeaders.Add("Accept-Language", "fr");

        var (response, body) = await client.InvokeAsync("greet", In(1));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("de 1", CallbackClient.Output(body, "out", "children").Str());
    }

    [Fact]
    public async Task Only_declared_request_values_are_stored_in_the_job_record_and_dropped_when_it_ends()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("greet", async ([FromHeader(Name = "Accept-Language")] string? language, int? n) =>
                {
                    await gate.PassAsync();
                    return $"{language} {n}";
                })
                .Output("out", "children").Input("in", "value");
            b.MapBackgroundCallback("plain", (int? n) => $"{n}").Output("out2", "children").Input("in2", "value");
        });
        var cookies = new CookieContainer();
        cookies.Add(app.Address, new Cookie("secret", "s3cr3t-cookie"));
        using var client = new CallbackClient(new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = app.Address });
        client.Http.DefaultRequestHeaders.Add("Accept-Language", "de");
        client.Http.DefaultRequestHeaders.Add("X-Private", "p4ssw0rd-header");
        var declared = await client.StartAsync("greet", In(1));
        var undeclared = await client.StartAsync("plain", [CallbackClient.Value("in2", "value", 1)]);
        var store = app.Services.GetRequiredService<InMemoryJobStore>();
        await gate.WaitReachedAsync();

        var record = (await store.GetRecordAsync(CallbackClient.JobId(declared), default))!;
        var plain = (await store.GetRecordAsync(CallbackClient.JobId(undeclared), default))!;

        Assert.Equal("""[["de"]]""", record.RequestValuesJson);
        Assert.Null(plain.RequestValuesJson);
        Assert.DoesNotContain("s3cr3t", record.ToString());
        Assert.DoesNotContain("p4ssw0rd", record.ToString());

        gate.Open();
        Assert.Equal("succeeded", (await client.WaitForEndAsync(declared)).Status());
        Assert.Null((await store.GetRecordAsync(CallbackClient.JobId(declared), default))!.RequestValuesJson);
    }

    [Fact]
    public async Task Query_cookie_page_url_origin_and_remote_address_bind_to_their_parameters()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("where", (
                [FromQuery(Name = "q")] string? q,
                [FromQuery(Name = "tag")] string[]? tags,
                [FromCookie("theme")] string? theme,
                [FromPageUrl] string? url,
                [FromOrigin] string? origin,
                [FromRemoteAddress] IPAddress? address,
                [FromHeader(Name = "X-Missing")] string? missing,
                int? n) => $"{q}|{string.Join(",", tags ?? [])}|{theme}|{url}|{origin}|{IPAddress.IsLoopback(address!)}|{missing ?? "none"}|{n}")
            .Output("out", "children").Input("in", "value"));
        var cookies = new CookieContainer();
        cookies.Add(app.Address, new Cookie("theme", "dark"));
        using var client = new CallbackClient(new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = app.Address });
        client.Http.DefaultRequestHeaders.Add("Origin", "http://pages.example");

        var (response, body) = await PostAsync(client, "/callbacks/where?q=hello&tag=a&tag=b", new { inputs = In(7), state = Array.Empty<object>(), triggered = Array.Empty<string>(), url = "http://pages.example/report?id=3" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var handle = JsonDocument.Parse(body).RootElement.GetProperty("handle").GetString()!;
        Assert.Equal("hello|a,b|dark|http://pages.example/report?id=3|http://pages.example|True|none|7", await ResultAsync(client, handle));
    }

    [Fact]
    public async Task Without_a_url_in_the_body_the_page_url_is_null()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("where", ([FromPageUrl] string? url, int? n) => url ?? "no page")
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        Assert.Equal("no page", await ResultAsync(client, await client.StartAsync("where", In(1))));
    }

    [Theory]
    [InlineData("\"javascript:alert(1)\"")]
    [InlineData("\"/relative/path\"")]
    [InlineData("42")]
    [InlineData("\"\"")]
    public async Task A_url_that_is_not_an_absolute_http_url_is_refused(string url)
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("where", (int? n) => "x").Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();
        var json = $$"""{"inputs":[{"id":"in","property":"value","value":1}],"state":[],"triggered":[],"url":{{url}}}""";

        var response = await client.Http.PostAsync(CallbackClient.Prefix + "/callbacks/where", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'url'", await response.Content.ReadAsStringAsync());
    }
}
