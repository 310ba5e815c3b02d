using BackgroundCallbacks.Owners;
using BackgroundCallbacks.ServerSide;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public sealed class FileSystemValueStoreTests : ValueStoreContractTests, IDisposable
{
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan CleanupInterval = TimeSpan.FromMinutes(1);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "bc-fs-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    protected override Task<ValueStoreUnderTest> CreateStoreAsync(FakeTimeProvider time, long sizeLimit)
    {
        var store = Create(time, sizeLimit);
        return Task.FromResult(new ValueStoreUnderTest(store, Expiry, () =>
        {
            store.Dispose();
            return ValueTask.CompletedTask;
        }));
    }

    [Fact]
    public async Task The_timer_removes_expired_values_from_disk_and_keeps_fresh_ones()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time);
        var old = RandomIds.New();
        var fresh = RandomIds.New();
        await WriteAsync(store, old, "owner-1", 10);
        time.Advance(Expiry / 2);
        await WriteAsync(store, fresh, "owner-2", 10);
        Assert.True(File.Exists(store.PathOf(old)));

        time.Advance(Expiry / 2 + CleanupInterval);

        Assert.False(File.Exists(store.PathOf(old)));
        Assert.True(File.Exists(store.PathOf(fresh)));
        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await store.LookupAsync(old, None));
        Assert.Equal(new ValueLookup(ValueState.Present, "owner-2"), await store.LookupAsync(fresh, None));
    }

    [Fact]
    public async Task A_value_past_its_expiry_is_expired_before_cleanup_has_run_and_only_cleanup_removes_it()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time, cleanupInterval: Timeout.InfiniteTimeSpan);
        var id = RandomIds.New();
        await WriteAsync(store, id, "owner-1", 3);

        time.Advance(Expiry);

        Assert.Null(await store.OpenReadAsync(id, None));
        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await store.LookupAsync(id, None));
        Assert.True(File.Exists(store.PathOf(id)));
        store.Cleanup();
        Assert.False(File.Exists(store.PathOf(id)));
        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await store.LookupAsync(id, None));
    }

    [Fact]
    public async Task An_expired_id_is_forgotten_after_a_day_and_its_tombstone_removed()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time);
        var id = RandomIds.New();
        await WriteAsync(store, id, null, 3);

        time.Advance(Expiry + CleanupInterval);
        Assert.Equal(new ValueLookup(ValueState.Expired, null), await store.LookupAsync(id, None));
        time.Advance(MemoryValueStore.ExpiredNotice + CleanupInterval);

        Assert.Equal(ValueLookup.Missing, await store.LookupAsync(id, None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task Past_the_cap_cleanup_removes_the_least_recently_used_first_and_their_owners_hear_expired()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time, sizeLimit: 1000);
        string[] ids = [RandomIds.New(), RandomIds.New(), RandomIds.New(), RandomIds.New()];
        foreach (var id in ids)
        {
            await WriteAsync(store, id, "owner-1", 300);
            time.Advance(TimeSpan.FromSeconds(1));
            if (id == ids[1])
            {
                // The first is read, so the second is now the least recently used.
                var read = await store.OpenReadAsync(ids[0], None);
                Assert.NotNull(read);
                await read.DisposeAsync();
            }
        }

        // Writes never clean up: past the cap until cleanup runs.
        Assert.All(ids, id => Assert.True(File.Exists(store.PathOf(id))));

        store.Cleanup();

        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await store.LookupAsync(ids[1], None));
        Assert.False(File.Exists(store.PathOf(ids[1])));
        foreach (var id in new[] { ids[0], ids[2], ids[3] })
        {
            Assert.Equal(ValueState.Present, (await store.LookupAsync(id, None)).State);
        }

        Assert.True(ids.Sum(id => File.Exists(store.PathOf(id)) ? new FileInfo(store.PathOf(id)).Length : 0) <= 900);
    }

    [Fact]
    public async Task A_write_is_invisible_until_committed_and_a_failed_one_leaves_no_file()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time);
        var id = RandomIds.New();

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteAsync(id, "owner-1", async (stream, token) =>
        {
            await stream.WriteAsync(new byte[10_000], token);
            Assert.Equal(ValueLookup.Missing, await store.LookupAsync(id, None));
            Assert.Null(await store.OpenReadAsync(id, None));
            Assert.NotEmpty(Directory.EnumerateFiles(_directory));
            throw new InvalidOperationException("The serializer failed half way.");
        }, None));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task A_cancelled_write_and_a_value_too_large_leave_no_file()
    {
        using var store = Create(new FakeTimeProvider(), sizeLimit: 1000);
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync(RandomIds.New(), null, async (stream, token) =>
        {
            await stream.WriteAsync(new byte[100], token);
            await cancel.CancelAsync();
            token.ThrowIfCancellationRequested();
        }, cancel.Token));
        await Assert.ThrowsAsync<ValueTooLargeException>(() => WriteAsync(store, RandomIds.New(), null, 1001));

        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Theory]
    [InlineData("../../../../etc/passwd")]
    [InlineData("aaaaaaaaaa/aaaaaaaaaaa")]
    [InlineData("..aaaaaaaaaaaaaaaaaaaa")]
    [InlineData("aaaaaaaaaa\\aaaaaaaaaaa")]
    [InlineData("short")]
    [InlineData("")]
    public async Task An_id_that_is_not_a_random_id_is_refused(string id)
    {
        using var store = Create(new FakeTimeProvider());

        await Assert.ThrowsAsync<ArgumentException>(() => WriteAsync(store, id, null, 1));
        await Assert.ThrowsAsync<ArgumentException>(() => store.LookupAsync(id, None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(id, None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task Two_stores_on_one_directory_see_each_others_values_as_two_processes_would()
    {
        var time = new FakeTimeProvider();
        using var first = Create(time);
        using var second = Create(time);
        var id = RandomIds.New();
        await WriteAsync(first, id, "owner-1", 5);

        Assert.Equal(new ValueLookup(ValueState.Present, "owner-1"), await second.LookupAsync(id, None));
        var stream = await second.OpenReadAsync(id, None);
        Assert.NotNull(stream);
        await using (stream)
        {
            Assert.Equal(5, stream.Length);
        }

        time.Advance(Expiry + CleanupInterval);

        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await first.LookupAsync(id, None));
        Assert.Equal(new ValueLookup(ValueState.Expired, "owner-1"), await second.LookupAsync(id, None));
    }

    [Fact]
    public async Task A_reader_finishes_a_value_cleanup_removed_while_it_read()
    {
        var time = new FakeTimeProvider();
        using var store = Create(time);
        var id = RandomIds.New();
        var bytes = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        await store.WriteAsync(id, null, (s, t) => s.WriteAsync(bytes, t).AsTask(), None);
        var stream = await store.OpenReadAsync(id, None);
        Assert.NotNull(stream);

        await using (stream)
        {
            time.Advance(Expiry + CleanupInterval);
            Assert.False(File.Exists(store.PathOf(id)));

            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(bytes, copy.ToArray());
        }
    }

    private FileSystemValueStore Create(FakeTimeProvider time, long sizeLimit = 1024 * 1024, TimeSpan? cleanupInterval = null) =>
        new("files", new FileSystemValueStoreOptions
        {
            Directory = _directory,
            SizeLimit = sizeLimit,
            Expiry = Expiry,
            CleanupInterval = cleanupInterval ?? CleanupInterval,
        }, time);

    private static Task WriteAsync(FileSystemValueStore store, string id, string? owner, int length) =>
        store.WriteAsync(id, owner, (stream, token) => stream.WriteAsync(new byte[length], token).AsTask(), None);
}
