namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// The Lua scripts that change a job. Each reads, checks and writes in one atomic step on the server, bumps the
/// version, renews the time to live (long while the job lives, the retention once it has ended) and announces the
/// change on the changes channel ('v' + handle, or 'c' + handle for a cancel), so no two processes can interleave.
/// Fields of the job hash: r record, ow owner, cb callback, sl slot key, s status (0 queued, 1 running, 2 succeeded,
/// 3 failed, 4 canceled), v version, a attempt, p/pv progress and its version, o outputs, e error, c cancel reason,
/// ca the attempt that completed the job.
/// </summary>
internal static class JobScripts
{
    /// <summary>KEYS: job. ARGV: record, owner, callback, slot key, live ttl (ms). 1 when created, 0 when it exists.</summary>
    public const string Create = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'r', ARGV[1], 'ow', ARGV[2], 'cb', ARGV[3], 'sl', ARGV[4], 's', '0', 'v', '1', 'a', '0', 'pv', '0')
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """;

    /// <summary>KEYS: job, updates. The state fields and every side update in one consistent read; nil when there is no job.</summary>
    public const string Read = """
        local f = redis.call('HMGET', KEYS[1], 'ow', 'cb', 's', 'v', 'p', 'pv', 'o', 'e', 'c', 'a')
        if not f[1] then return false end
        return {f, redis.call('LRANGE', KEYS[2], 0, -1)}
        """;

    /// <summary>KEYS: job, updates. ARGV: live ttl, channel, handle. The new attempt, or 0.</summary>
    public const string Start = """
        local f = redis.call('HMGET', KEYS[1], 's', 'c')
        if not f[1] or tonumber(f[1]) >= 2 or f[2] then return 0 end
        redis.call('HSET', KEYS[1], 's', '1')
        local a = redis.call('HINCRBY', KEYS[1], 'a', 1)
        redis.call('HINCRBY', KEYS[1], 'v', 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        redis.call('PEXPIRE', KEYS[2], ARGV[1])
        redis.call('PUBLISH', ARGV[2], 'v' .. ARGV[3])
        return a
        """;

    /// <summary>
    /// KEYS: job, updates. ARGV: attempt, has progress ('1'/'0'), progress, live ttl, channel, handle, then the side
    /// updates without their version. The new version, or 0 when the job ended or the attempt is not current.
    /// </summary>
    public const string Append = """
        local f = redis.call('HMGET', KEYS[1], 's', 'a', 'v')
        if not f[1] or tonumber(f[1]) >= 2 or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
        local v = string.format('%d', tonumber(f[3]) + 1)
        if ARGV[2] == '1' then redis.call('HSET', KEYS[1], 'p', ARGV[3], 'pv', v) end
        for i = 7, #ARGV do redis.call('RPUSH', KEYS[2], v .. ':' .. ARGV[i]) end
        redis.call('HSET', KEYS[1], 'v', v)
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('PEXPIRE', KEYS[2], ARGV[4])
        redis.call('PUBLISH', ARGV[5], 'v' .. ARGV[6])
        return tonumber(v)
        """;

    /// <summary>
    /// KEYS: job, updates. ARGV: attempt, status, has outputs, outputs, has error, error, ended ttl, channel, handle.
    /// 1 when the outcome was written. A retry of a call that was applied but whose answer was lost answers 1 again.
    /// </summary>
    public const string Complete = """
        local f = redis.call('HMGET', KEYS[1], 's', 'a', 'c', 'sl', 'ca')
        if not f[1] or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
        local s = tonumber(f[1])
        if s >= 2 then
          if f[5] == ARGV[1] and s == tonumber(ARGV[2]) then return 1 end
          return 0
        end
        local accepted = 1
        if f[3] and ARGV[2] ~= '4' then
          redis.call('HSET', KEYS[1], 's', '4')
          accepted = 0
        else
          redis.call('HSET', KEYS[1], 's', ARGV[2], 'ca', ARGV[1])
          if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'o', ARGV[4]) end
          if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'e', ARGV[6]) end
        end
        if f[4] and redis.call('GET', f[4]) == ARGV[9] then redis.call('DEL', f[4]) end
        redis.call('HINCRBY', KEYS[1], 'v', 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        redis.call('PEXPIRE', KEYS[2], ARGV[7])
        redis.call('PUBLISH', ARGV[8], 'v' .. ARGV[9])
        return accepted
        """;

    /// <summary>KEYS: job, updates. ARGV: attempt, live ttl, channel, handle. 1 when the running attempt went back to queued.</summary>
    public const string Requeue = """
        local f = redis.call('HMGET', KEYS[1], 's', 'a')
        if not f[1] or tonumber(f[1]) ~= 1 or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 's', '0')
        redis.call('HINCRBY', KEYS[1], 'v', 1)
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        redis.call('PUBLISH', ARGV[3], 'v' .. ARGV[4])
        return 1
        """;

    /// <summary>
    /// KEYS: job, updates. ARGV: reason, live ttl, ended ttl, channel, handle. A queued job ends at once; a running
    /// one keeps running with the reason set until its handler returns. 1 when the cancel was recorded.
    /// </summary>
    public const string Cancel = """
        local f = redis.call('HMGET', KEYS[1], 's', 'c', 'sl')
        if not f[1] or tonumber(f[1]) >= 2 or f[2] then return 0 end
        redis.call('HSET', KEYS[1], 'c', ARGV[1])
        local ttl = ARGV[2]
        if tonumber(f[1]) == 0 then
          redis.call('HSET', KEYS[1], 's', '4')
          if f[3] and redis.call('GET', f[3]) == ARGV[5] then redis.call('DEL', f[3]) end
          ttl = ARGV[3]
        end
        redis.call('HINCRBY', KEYS[1], 'v', 1)
        redis.call('PEXPIRE', KEYS[1], ttl)
        redis.call('PEXPIRE', KEYS[2], ttl)
        redis.call('PUBLISH', ARGV[4], 'c' .. ARGV[5])
        return 1
        """;

    /// <summary>KEYS: slot. ARGV: handle, ttl. The handle it replaced, or nil.</summary>
    public const string ReplaceActive = """
        local old = redis.call('GET', KEYS[1])
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return old
        """;
}
