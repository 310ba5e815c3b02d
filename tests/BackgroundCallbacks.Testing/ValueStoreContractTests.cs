using System.Security.Cryptography;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.ServerSide;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Testing;

/// <summary>
/// The rules every store of server-side values keeps, as one set of cases: the memory, file-system and Redis stores'
/// tests derive from this class and hand it their store.
/// </summary>
public abstract class ValueStoreContractTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A fresh, empty store whose clock is <paramref name="time"/> (where the store keeps time itself), holding at most <paramref name="sizeLimit"/> bytes.</summary>
    protected abstract Task<ValueStoreUnderTest> CreateStoreAsync(FakeTimeProvider time, long sizeLimit);

    /// <summary>Lets <paramref name="span"/> pass for the store; a store whose clock is a server's waits for it.</summary>
    protected virtual Task PassAsync(ValueStoreUnderTest sut, FakeTimeProvider time, TimeSpan span)
    {
        time.Advance(span);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_value_reads_back_byte_for_byte_however_it_was_written()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider(), 64L * 1024 * 1024);
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var id = RandomIds.New();

        await sut.Store.WriteAsync(id, "owner-1", async (stream, token) =>
        {
            // Odd-sized writes, as a serializer makes them.
            for (var offset = 0; offset < bytes.Length; offset += 4093)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(4093, bytes.Length - offset)), token);
            }
        }, None);

        Assert.Equal(bytes, await ReadAllAsync(sut, id));
    }

    [Fact]
    public async Task An_empty_value_is_a_value()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider(), 1024 * 1024);
        var id = RandomIds.New();

        await sut.Store.WriteAsync(id, null, (_, _) => Task.CompletedTask, None);

        Assert.Equal(ValueState.Present, (await sut.Store.LookupAsync(id, None)).State);
        Assert.Empty(await ReadAllAsync(sut, id));
    }

    [Fact]
    public async Task A_lookup_tells_the_owner_and_a_shared_value_has_none()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider(), 1024 * 1024);
        var mine = RandomIds.New();
        var shared = RandomIds.New();
        await WriteAsync(sut, mine, "owner-1", [1, 2, 3]);
        await WriteAsync(sut, shared, null, [4]);

        Assert.Equal(new ValueLookup(ValueState.Present, "owner-1"), await sut.Store.LookupAsync(mine, None));
        Assert.Equal(new ValueLookup(ValueState.Present, null), await sut.Store.LookupAsync(shared, None));
    }

    [Fact]
    public async Task An_id_never_written_is_missing()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider(), 1024 * 1024);

        Assert.Equal(ValueLookup.Missing, await sut.Store.LookupAsync(RandomIds.New(), None));
        Assert.Null(await sut.Store.OpenReadAsync(RandomIds.New(), None));
    }

    [Fact]
    public async Task A_value_past_its_expiry_is_expired_with_its_owner_and_cannot_be_read()
    {
        var time = new FakeTimeProvider();
        await using var sut = await CreateStoreAsync(time, 1024 * 1024);
        var id = RandomIds.New();
        await WriteAsync(sut, id, "owner-1", [1, 2, 3]);

        await PassAsync(sut, time, sut.Expiry + TimeSpan.FromSeconds(1));

        Assert.Null(await sut.Store.OpenReadAsync(id, None));
        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await sut.Store.LookupAsync(id, None));
    }

    [Fact]
    public async Task Reading_a_value_restarts_its_expiry()
    {
        var time = new FakeTimeProvider();
        await using var sut = await CreateStoreAsync(time, 1024 * 1024);
        var read = RandomIds.New();
        var looked = RandomIds.New();
        await WriteAsync(sut, read, "owner-1", [1]);
        await WriteAsync(sut, looked, "owner-1", [2]);

        await PassAsync(sut, time, sut.Expiry * 2 / 3);
        (await sut.Store.OpenReadAsync(read, None))!.Dispose();
        Assert.Equal(ValueState.Present, (await sut.Store.LookupAsync(looked, None)).State);
        await PassAsync(sut, time, sut.Expiry * 2 / 3);

        Assert.Equal([1], await ReadAllAsync(sut, read));
        Assert.Equal(ValueState.Present, (await sut.Store.LookupAsync(looked, None)).State);
    }

    [Fact]
    public async Task A_write_that_fails_leaves_nothing_behind()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider(), 1024 * 1024);
        var id = RandomIds.New();

        await Assert.ThrowsAsync<InvalidOperationException>(() => sut.Store.WriteAsync(id, "owner-1", async (stream, token) =>
        {
            await stream.WriteAsync(new byte[100_000], token);
            throw new InvalidOperationException("The serializer failed half way.");
        }, None));

        Assert.Equal(ValueLookup.Missing, await sut.Store.LookupAsync(id, None));
        Assert.Null(await sut.Store.OpenReadAsync(id, None));
    }

    [Fact]
    public async Task A_value_larger_than_the_whole_store_is_refused_and_leaves_nothing_behind()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider(), 256 * 1024);
        var id = RandomIds.New();

        await Assert.ThrowsAsync<ValueTooLargeException>(() => WriteAsync(sut, id, "owner-1", new byte[300 * 1024]));

        Assert.Equal(ValueLookup.Missing, await sut.Store.LookupAsync(id, None));
    }

    private static Task WriteAsync(ValueStoreUnderTest sut, string id, string? owner, byte[] bytes) =>
        sut.Store.WriteAsync(id, owner, (stream, token) => stream.WriteAsync(bytes, token).AsTask(), None);

    private static async Task<byte[]> ReadAllAsync(ValueStoreUnderTest sut, string id)
    {
        var stream = await sut.Store.OpenReadAsync(id, None);
        Assert.NotNull(stream);
        await using (stream)
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return copy.ToArray();
        }
    }
}
