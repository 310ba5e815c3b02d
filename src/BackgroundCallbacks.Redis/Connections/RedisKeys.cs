using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>
/// The names of everything this backend keeps in Redis, all under one prefix: a job's hash and its side-update list,
/// supersede slots, cached results, and the one channel that announces job changes.
/// </summary>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public string ChangesName { get; } = prefix + "changes";

    public RedisChannel Changes => RedisChannel.Literal(ChangesName);

    public RedisKey Job(string handle) => Prefix + "job:" + handle;

    public RedisKey Updates(string handle) => Prefix + "job:" + handle + ":u";

    /// <summary>A slot names an owner, a callback and its outputs, which may be long: the key holds its hash.</summary>
    public RedisKey Slot(string slot)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(slot), hash);
        return Prefix + "slot:" + Base64Url.EncodeToString(hash);
    }

    public RedisKey Result(string key) => Prefix + "r:" + key;
}
