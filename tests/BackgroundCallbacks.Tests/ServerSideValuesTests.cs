using System.Security.Cryptography;
using System.Text;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.ServerSide;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

/// <summary>How values are framed, compressed, streamed and read back, below the HTTP surface.</summary>
public sealed class ServerSideValuesTests
{
    private static (ServerSideValues Values, MemoryValueStore Store) Create(IServerSideSerializer? serializer = null, MemoryValueStore? store = null)
    {
        store ??= new MemoryValueStore("default", new MemoryValueStoreOptions(), new FakeTimeProvider());
        var services = new ServiceCollection().BuildServiceProvider();
        var stores = new ValueStores([new ValueStoreRegistration("default", _ => store)], services);
        return (new ServerSideValues(stores, serializer ?? new JsonServerSideSerializer(System.Text.Json.JsonSerializerOptions.Web)), store);
    }

    [Fact]
    public async Task A_value_that_compresses_well_is_stored_compressed_and_reads_back_as_its_type()
    {
        var (values, store) = Create();
        var rows = Enumerable.Range(0, 200_000).Select(i => new Row(i % 10, "category-" + (i % 7))).ToArray();

        var reference = await values.WriteAsync("default", rows, "owner", CancellationToken.None);
        var read = (Row[])(await values.ReadAsync(reference, typeof(Row[]), "rows.data", CancellationToken.None))!;

        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(rows, System.Text.Json.JsonSerializerOptions.Web);
        Assert.True(store.Size < json.Length / 5, $"Stored {store.Size} bytes for {json.Length} bytes of JSON.");
        Assert.Equal(ValueEncoder.Zlib, await HeaderAsync(store, reference, 1));
        Assert.Equal(rows, read);
    }

    [Fact]
    public async Task A_value_that_does_not_compress_is_stored_as_it_is()
    {
        var (values, store) = Create();
        var random = Convert.ToBase64String(RandomNumberGenerator.GetBytes(300_000));

        var reference = await values.WriteAsync("default", random, "owner", CancellationToken.None);

        Assert.Equal(ValueEncoder.Raw, await HeaderAsync(store, reference, 1));
        Assert.Equal(random, await values.ReadAsync(reference, typeof(string), "x.data", CancellationToken.None));
    }

    [Fact]
    public async Task The_encoder_streams_bytes_to_the_store_before_the_value_is_complete()
    {
        var destination = new MemoryStream();
        var encoder = new ValueEncoder(destination, "json");
        var block = Encoding.UTF8.GetBytes(new string('x', 1024 * 1024));

        await encoder.WriteAsync(block);
        var beforeCompletion = destination.Length;
        await encoder.CompleteAsync(CancellationToken.None);

        Assert.True(beforeCompletion > 0, "The encoder held the whole value before writing any of it.");
    }

    [Fact]
    public async Task A_registered_serializer_writes_the_format_and_reads_back_the_declared_type()
    {
        var (values, store) = Create(new DoublesSerializer());
        var data = new Series(Enumerable.Range(0, 10_000).Select(i => i / 3.0).ToArray());

        var reference = await values.WriteAsync("default", data, null, CancellationToken.None);

        Assert.Equal(data.Values, ((Series)(await values.ReadAsync(reference, typeof(Series), "x.data", CancellationToken.None))!).Values);
        Assert.Equal("f64", await FormatAsync(store, reference));
    }

    [Fact]
    public async Task A_value_written_in_another_format_is_refused_naming_both_formats()
    {
        var store = new MemoryValueStore("default", new MemoryValueStoreOptions(), new FakeTimeProvider());
        var (json, _) = Create(store: store);
        var (binary, _) = Create(new DoublesSerializer(), store);
        var reference = await json.WriteAsync("default", new Series([1.0, 2.0]), null, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ServerSideValueException>(() => binary.ReadAsync(reference, typeof(Series), "x.data", CancellationToken.None));

        Assert.Contains("'json'", error.Message);
        Assert.Contains("'f64'", error.Message);
    }

    [Fact]
    public async Task An_app_can_register_a_binary_serializer_and_handlers_see_no_difference()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.UseServerSideSerializer(new DoublesSerializer());
            b.MapBackgroundCallback("build", (int? n) => new Series(Enumerable.Range(0, n ?? 0).Select(i => (double)i).ToArray()))
                .ServerSideOutput("rows", "data").Input("n", "value").Configure(c => c.Inline = true);
            b.MapBackgroundCallback("sum", (Series? rows) => $"{rows?.Values.Sum()}")
                .Output("sum", "children").Input("rows", "data").Configure(c => c.Inline = true);
        });
        using var client = app.NewClient();

        var (_, built) = await client.InvokeAsync("build", [CallbackClient.Value("n", "value", 1000)]);
        var (_, sum) = await client.InvokeAsync("sum", [CallbackClient.Value("rows", "data", CallbackClient.Output(built, "rows", "data")!.DeepClone())]);

        Assert.Equal("499500", CallbackClient.Output(sum, "sum", "children").Str());
    }

    private static async Task<byte> HeaderAsync(MemoryValueStore store, string reference, int index)
    {
        Assert.True(ServerSideReference.TryParse(reference, out _, out var id));
        await using var stream = (await store.OpenReadAsync(id, CancellationToken.None))!;
        var header = new byte[3];
        await stream.ReadExactlyAsync(header);
        return header[index];
    }

    private static async Task<string> FormatAsync(MemoryValueStore store, string reference)
    {
        Assert.True(ServerSideReference.TryParse(reference, out _, out var id));
        await using var stream = (await store.OpenReadAsync(id, CancellationToken.None))!;
        var (format, payload) = await ValueDecoder.OpenAsync(stream, CancellationToken.None);
        await payload.DisposeAsync();
        return format;
    }

    [Fact]
    public async Task Arrays_of_primitive_numbers_are_stored_as_their_bytes_and_read_as_any_collection_of_them()
    {
        var (values, store) = Create();
        var data = Enumerable.Range(0, 100_000).Select(i => Math.Sin(i) * 1e6).ToArray();

        var reference = await values.WriteAsync("default", data, "owner", CancellationToken.None);

        Assert.Equal("raw-float64", await FormatAsync(store, reference));
        Assert.InRange(store.Size, data.Length * 8, data.Length * 8 + 64);
        Assert.Equal(data, await values.ReadAsync(reference, typeof(double[]), "x.data", CancellationToken.None));
        Assert.Equal(data, (IReadOnlyList<double>)(await values.ReadAsync(reference, typeof(IReadOnlyList<double>), "x.data", CancellationToken.None))!);
        Assert.Equal(data, (List<double>)(await values.ReadAsync(reference, typeof(List<double>), "x.data", CancellationToken.None))!);
        var error = await Assert.ThrowsAsync<ServerSideValueException>(() => values.ReadAsync(reference, typeof(string[]), "x.data", CancellationToken.None));
        Assert.Contains("an array of Double; the handler takes String[]", error.Message);
    }

    [Theory]
    [InlineData(typeof(int))]
    [InlineData(typeof(long))]
    [InlineData(typeof(float))]
    [InlineData(typeof(short))]
    [InlineData(typeof(byte))]
    public async Task Every_primitive_array_kind_reads_back_exactly(Type element)
    {
        var (values, _) = Create();
        var array = Array.CreateInstance(element, 1000);
        for (var i = 0; i < array.Length; i++)
        {
            array.SetValue(Convert.ChangeType(i % 100, element, System.Globalization.CultureInfo.InvariantCulture), i);
        }

        var reference = await values.WriteAsync("default", array, null, CancellationToken.None);

        Assert.Equal(array, (Array)(await values.ReadAsync(reference, array.GetType(), "x.data", CancellationToken.None))!);
    }

    [Fact]
    public async Task Opening_a_payload_gives_its_owner_the_format_and_the_bytes_as_the_serializer_wrote_them()
    {
        var (values, _) = Create();
        var rows = Enumerable.Range(0, 20_000).Select(i => new Row(i, "category-" + (i % 3))).ToArray();
        var reference = await values.WriteAsync("default", rows, "owner", CancellationToken.None);

        var (state, format, payload) = await values.OpenPayloadAsync(reference, "owner", CancellationToken.None);

        Assert.Equal(ReferenceState.Readable, state);
        Assert.Equal("json", format);
        using var copy = new MemoryStream();
        await using (payload!)
        {
            await payload!.CopyToAsync(copy);
        }

        Assert.Equal(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(rows, System.Text.Json.JsonSerializerOptions.Web), copy.ToArray());
    }

    [Fact]
    public async Task Opening_another_owners_payload_or_an_unknown_one_gives_no_bytes_and_the_same_not_found()
    {
        var (values, _) = Create();
        var reference = await values.WriteAsync("default", "secret", "owner", CancellationToken.None);

        var foreign = await values.OpenPayloadAsync(reference, "someone-else", CancellationToken.None);
        var unknown = await values.OpenPayloadAsync(ServerSideReference.Format("default", RandomIds.New()), "owner", CancellationToken.None);

        Assert.Equal((ReferenceState.NotFound, string.Empty, (Stream?)null), foreign);
        Assert.Equal((ReferenceState.NotFound, string.Empty, (Stream?)null), unknown);
    }

    [Fact]
    public async Task Opening_a_payload_restarts_its_expiry_and_an_expired_one_is_told_to_its_owner_only()
    {
        var time = new FakeTimeProvider();
        var store = new MemoryValueStore("default", new MemoryValueStoreOptions { Expiry = TimeSpan.FromMinutes(10) }, time);
        var (values, _) = Create(store: store);
        var reference = await values.WriteAsync("default", new[] { 1.0, 2.0 }, "owner", CancellationToken.None);

        time.Advance(TimeSpan.FromMinutes(8));
        var (_, _, early) = await values.OpenPayloadAsync(reference, "owner", CancellationToken.None);
        await early!.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(8));
        var (kept, format, payload) = await values.OpenPayloadAsync(reference, "owner", CancellationToken.None);
        await payload!.DisposeAsync();
        time.Advance(TimeSpan.FromMinutes(11));

        Assert.Equal(ReferenceState.Readable, kept);
        Assert.Equal("raw-float64", format);
        Assert.Equal(ReferenceState.Expired, (await values.OpenPayloadAsync(reference, "owner", CancellationToken.None)).State);
        Assert.Equal(ReferenceState.NotFound, (await values.OpenPayloadAsync(reference, "someone-else", CancellationToken.None)).State);
    }

    public sealed record Row(int Value, string Category);

    public sealed record Series(double[] Values);

    /// <summary>A user's binary format for a series of doubles: eight bytes each.</summary>
    private sealed class DoublesSerializer : IServerSideSerializer
    {
        public string Format => "f64";

        public async ValueTask SerializeAsync(Stream destination, object? value, Type type, CancellationToken cancellationToken)
        {
            var data = ((Series)value!).Values;
            await destination.WriteAsync(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), cancellationToken);
        }

        public async ValueTask<object?> DeserializeAsync(Stream source, Type type, CancellationToken cancellationToken)
        {
            using var buffer = new MemoryStream();
            await source.CopyToAsync(buffer, cancellationToken);
            return new Series(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(buffer.ToArray()).ToArray());
        }
    }
}
