using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BackgroundCallbacks.ServerSide;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public sealed class UploadTests
{
    private static readonly byte[] Csv = Encoding.UTF8.GetBytes(string.Join("\n", ["region,amount", .. Enumerable.Range(1, 5000).Select(i => $"r{i % 7},{i}")]));

    private static void Callbacks(BackgroundCallbacksBuilder b, Action? processed = null)
    {
        b.MapBackgroundCallback("process", async (int? clicks, IFormFile? file, CancellationToken token) =>
            {
                processed?.Invoke();
                if (file is null)
                {
                    return "no file";
                }

                using var reader = new StreamReader(file.OpenReadStream());
                long rows = 0, sum = 0;
                await reader.ReadLineAsync(token);
                while (await reader.ReadLineAsync(token) is { } line)
                {
                    rows++;
                    sum += long.Parse(line.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
                }

                return $"{file.FileName} ({file.ContentType}, {file.Length} bytes): {rows} rows, sum {sum}";
            })
            .Output("summary", "children").Input("process", "n_clicks").State("csv", "files")
            .Configure(c => { c.CacheBy = []; c.CacheArgsToIgnore = ["clicks"]; });
        b.MapBackgroundCallback("count-bytes", async (int? clicks, Stream? bytes) =>
            {
                if (bytes is null)
                {
                    return "0";
                }

                using var copy = new MemoryStream();
                await bytes.CopyToAsync(copy);
                return copy.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            })
            .Output("count", "children").Input("count", "n_clicks").State("raw", "files");
        b.MapBackgroundCallback("names", (int? clicks, IReadOnlyList<IFormFile> files) => string.Join(",", files.Select(f => $"{f.FileName}:{f.Length}")))
            .Output("names", "children").Input("names", "n_clicks").State("many", "files");
    }

    private static async Task<(HttpResponseMessage Response, JsonObject Body)> UploadAsync(CallbackClient client, byte[] bytes, string name = "sales.csv", string type = "text/csv", string? query = null)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        var response = await client.Http.PostAsync($"{CallbackClient.Prefix}/uploads?name={Uri.EscapeDataString(name)}&lastModified=1764680000000{query}", content);
        return (response, await CallbackClient.BodyAsync(response));
    }

    private static async Task<string> ProcessAsync(CallbackClient client, JsonNode? reference)
    {
        var (response, body) = await client.InvokeAsync("process", [CallbackClient.Value("process", "n_clicks", 1)], [CallbackClient.Value("csv", "files", reference?.DeepClone())]);
        var done = response.StatusCode == HttpStatusCode.OK ? body : await client.WaitForEndAsync(body["handle"].Str()!);
        Assert.True(done.Status() == "succeeded", done.ToJsonString());
        return CallbackClient.Output(done, "summary", "children").Str()!;
    }

    private static MemoryValueStore Store(TestApp app) => (MemoryValueStore)app.Services.GetRequiredService<ValueStores>().Get("default");

    [Fact]
    public async Task An_uploaded_file_is_read_by_a_background_handler_as_an_IFormFile_stream_with_what_the_server_stored()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b));
        using var client = app.NewClient();

        var (response, file) = await UploadAsync(client, Csv);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("bcref:default:", file["reference"].Str());
        Assert.Equal(Csv.Length, file["length"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Csv)), file["sha256"].Str());
        Assert.Equal($"sales.csv (text/csv, {Csv.Length} bytes): 5000 rows, sum 12502500", await ProcessAsync(client, file["reference"]));
    }

    [Fact]
    public async Task A_handler_may_take_the_bytes_as_a_Stream_or_several_files_as_a_list()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b));
        using var client = app.NewClient();
        var (_, a) = await UploadAsync(client, Csv, "a.csv");
        var (_, b) = await UploadAsync(client, [1, 2, 3], "b.bin", "application/octet-stream");

        var count = await client.WaitForEndAsync(await client.StartAsync("count-bytes", [CallbackClient.Value("count", "n_clicks", 1)], [CallbackClient.Value("raw", "files", a["reference"]!.DeepClone())]));
        var names = await client.WaitForEndAsync(await client.StartAsync("names", [CallbackClient.Value("names", "n_clicks", 1)],
            [CallbackClient.Value("many", "files", new JsonArray(a["reference"]!.DeepClone(), b["reference"]!.DeepClone()))]));

        Assert.Equal(Csv.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), CallbackClient.Output(count, "count", "children").Str());
        Assert.Equal($"a.csv:{Csv.Length},b.bin:3", CallbackClient.Output(names, "names", "children").Str());
    }

    [Fact]
    public async Task The_same_file_uploaded_twice_is_stored_once_and_found_by_its_hash_by_its_owner_only()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b));
        using var client = app.NewClient();
        using var other = app.NewClient();
        var sha = Convert.ToHexStringLower(SHA256.HashData(Csv));
        var (_, first) = await UploadAsync(client, Csv);
        var stored = Store(app).Size;

        var (again, second) = await UploadAsync(client, Csv, query: $"&sha256={sha}");
        var found = await client.Http.GetAsync($"{CallbackClient.Prefix}/uploads/{sha}");
        var foreign = await other.Http.GetAsync($"{CallbackClient.Prefix}/uploads/{sha}");

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(first["reference"].Str(), second["reference"].Str());
        Assert.Equal(stored, Store(app).Size);
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        Assert.Equal(first["reference"].Str(), (await CallbackClient.BodyAsync(found))["reference"].Str());
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task Processing_the_same_file_again_is_a_cache_hit()
    {
        var runs = 0;
        await using var app = await TestApp.StartAsync(b => Callbacks(b, () => Interlocked.Increment(ref runs)));
        using var client = app.NewClient();
        var (_, first) = await UploadAsync(client, Csv);
        await ProcessAsync(client, first["reference"]);
        var (_, second) = await UploadAsync(client, Csv, "renamed-but-same.csv");

        var (response, _) = await client.InvokeAsync("process", [CallbackClient.Value("process", "n_clicks", 2)], [CallbackClient.Value("csv", "files", second["reference"]!.DeepClone())]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Volatile.Read(ref runs));
    }

    [Fact]
    public async Task A_file_over_the_limit_is_413_before_its_bytes_are_stored_with_or_without_a_length()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b), o => o.MaxUploadSize = 1000);
        using var client = app.NewClient();

        var (declared, body) = await UploadAsync(client, new byte[5000], "big.bin", "application/octet-stream");
        var streamed = new StreamContent(new MemoryStream(new byte[5000]));
        streamed.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, $"{CallbackClient.Prefix}/uploads?name=big.bin") { Content = streamed };
        request.Headers.TransferEncodingChunked = true;
        var chunked = await client.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("application/problem+json", declared.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1000, body["limit"]!.GetValue<long>());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Equal(0, Store(app).Size);
    }

    [Fact]
    public async Task Types_outside_the_allow_list_and_bytes_that_contradict_their_type_are_415_and_nothing_is_kept()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b), o => { o.AllowedUploadTypes.Add(".csv"); o.AllowedUploadTypes.Add("image/png"); });
        using var client = app.NewClient();

        var (exe, exeBody) = await UploadAsync(client, [0x4D, 0x5A, 0x90], "tool.exe", "application/octet-stream");
        var (fakePng, fakeBody) = await UploadAsync(client, Encoding.UTF8.GetBytes("not an image"), "photo.png", "image/png");
        var (binaryCsv, _) = await UploadAsync(client, [0x00, 0x01, 0x02, 0x03], "data.csv", "text/csv");
        var keptByRefused = Store(app).Size;
        var (csv, _) = await UploadAsync(client, Csv);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, exe.StatusCode);
        Assert.Contains("not among the allowed upload types", exeBody["detail"].Str());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, fakePng.StatusCode);
        Assert.Contains("its bytes are not", fakeBody["detail"].Str());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, binaryCsv.StatusCode);
        Assert.Equal(0, keptByRefused);
        Assert.Equal(HttpStatusCode.Created, csv.StatusCode);
    }

    [Fact]
    public async Task A_wrong_hash_a_bad_name_and_a_cross_site_post_are_refused()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b));
        using var client = app.NewClient();

        var (mismatch, _) = await UploadAsync(client, Csv, query: "&sha256=" + new string('0', 64));
        var (noName, _) = await UploadAsync(client, Csv, name: "");
        var crossSite = new HttpRequestMessage(HttpMethod.Post, $"{CallbackClient.Prefix}/uploads?name=a.csv") { Content = new ByteArrayContent(Csv) };
        crossSite.Headers.Add("Sec-Fetch-Site", "cross-site");
        var forbidden = await client.Http.SendAsync(crossSite);

        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(0, Store(app).Size);
    }

    [Fact]
    public async Task An_expired_upload_is_410_for_its_owner_and_is_not_found_by_its_hash_any_more()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.AddValueStore("uploads", _ => new MemoryValueStore("uploads", new MemoryValueStoreOptions { Expiry = TimeSpan.FromMinutes(10) }, time));
                Callbacks(b);
            },
            o => o.UploadStore = "uploads");
        using var client = app.NewClient();
        var (_, file) = await UploadAsync(client, Csv);

        time.Advance(TimeSpan.FromMinutes(11));
        var (response, body) = await client.InvokeAsync("process", [CallbackClient.Value("process", "n_clicks", 1)], [CallbackClient.Value("csv", "files", file["reference"]!.DeepClone())]);
        var byHash = await client.Http.GetAsync($"{CallbackClient.Prefix}/uploads/{file["sha256"].Str()}");

        Assert.StartsWith("bcref:uploads:", file["reference"].Str());
        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Equal("expired", body["reason"].Str());
        Assert.Equal(HttpStatusCode.NotFound, byHash.StatusCode);
    }

    [Fact]
    public async Task Another_sessions_file_reference_is_refused_at_the_invocation()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b));
        using var alice = app.NewClient();
        using var mallory = app.NewClient();
        var (_, file) = await UploadAsync(alice, Csv);

        var (response, body) = await mallory.InvokeAsync("process", [CallbackClient.Value("process", "n_clicks", 1)], [CallbackClient.Value("csv", "files", file["reference"]!.DeepClone())]);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("csv.files", body["component"].Str());
    }

    private static (Task<HttpResponseMessage> Response, Pipe Body, CancellationTokenSource Abort) StartSlowUpload(CallbackClient client)
    {
        var pipe = new Pipe();
        var content = new StreamContent(pipe.Reader.AsStream());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var abort = new CancellationTokenSource();
        return (client.Http.PostAsync($"{CallbackClient.Prefix}/uploads?name=slow.bin", content, abort.Token), pipe, abort);
    }

    [Fact]
    public async Task An_owner_with_too_many_uploads_in_flight_gets_429()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b), o => o.MaxConcurrentUploadsPerOwner = 1);
        using var client = await app.NewClient().WithSessionAsync();
        var (inFlight, body, abort) = StartSlowUpload(client);
        using (abort)
        {
            await body.Writer.WriteAsync(new byte[100_000]);

            // The slow upload holds the owner's only place once the server has taken it: wait for that, with a deadline.
            var gate = app.Services.GetRequiredService<BackgroundCallbacks.Http.UploadGate>();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (gate.InFlight == 0 && DateTime.UtcNow < deadline && !inFlight.IsCompleted)
            {
                await Task.Delay(20);
            }

            Assert.Equal(1, gate.InFlight);
            var (second, _) = await UploadAsync(client, Csv);

            Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
            Assert.NotNull(second.Headers.RetryAfter);
            await body.Writer.CompleteAsync();
            Assert.Equal(HttpStatusCode.Created, (await inFlight).StatusCode);
        }
    }

    [Fact]
    public async Task An_interrupted_upload_leaves_nothing_and_frees_its_place()
    {
        await using var app = await TestApp.StartAsync(b => Callbacks(b), o => o.MaxConcurrentUploadsPerOwner = 1);
        using var client = await app.NewClient().WithSessionAsync();
        var (inFlight, body, abort) = StartSlowUpload(client);
        using (abort)
        {
            await body.Writer.WriteAsync(new byte[300_000]);
            await abort.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inFlight);
        }

        // The server sees the abort on its own schedule: the place is free again once it has.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpResponseMessage next;
        do
        {
            (next, _) = await UploadAsync(client, [1, 2, 3], "after.bin", "application/octet-stream");
        }
        while (next.StatusCode == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        Assert.True(Store(app).Size < 1000, $"The store holds {Store(app).Size} bytes: the interrupted upload was kept.");
    }
}
