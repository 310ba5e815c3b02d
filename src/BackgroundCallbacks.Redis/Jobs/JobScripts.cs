namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// The Lua scripts that read and change jobs. Each reads, checks and writes in one atomic step on the server, and every
/// key one script touches carries the same hash tag (a joined job's keys are named from the index entry, which shares
/// the tag). A script that changes a job bumps its version and announces the change on the job's own channel: 'v' + job
/// id, or 'c' + job id when the job was cancelled, then ':' + the version after the change, and ':' + the status when
/// the change set one, so a waiter that has read that version is not woken and a start (a small progress report alone,
/// a success with small outputs: see Append and Complete) answers a long poll without a read. Each script reads what
/// it needs in one HMGET and writes the hash in one HSET: Redis counts every command a script runs. Times to live are
/// set only where they must be, since a PEXPIRE per key per step was most of a job's commands: when a key is created,
/// when the job ends (the retention), and while it lives only once the live time to live was last set a renewal
/// interval ago ('x', the caller's clock in ms; the live time to live is a day plus that
/// interval, so a live job still outlives its last change by a day). 'uv' (the version of the last side updates, '0'
/// for none) and 'pv' ('0' without progress) tell whether the updates and progress log exist; a job written before
/// 'uv' and 'x' existed lacks them and is treated as before (renewed, every key expired). Jobs/readme.md describes the fields.
/// </summary>
internal static class JobScripts
{
    /// <summary>
    /// Join or create. KEYS: the new job, and the cache key's index entry when the invocation may join. ARGV: follower id,
    /// follower value, record, callback id, index ttl, key prefix, new job id, alias ttl, arguments, now, live ttl.
    /// Answers {joined 0/1, job id, status}.
    /// A join leaves an alias at the new job's name, so the outbox entry (which names it) still leads to the follower.
    /// </summary>
    public const string Admit = """
        if KEYS[2] then
          local cur = redis.call('GET', KEYS[2])
          if cur then
            local jk = ARGV[6] .. 'j:{' .. string.sub(cur, 1, 11) .. '}' .. string.sub(cur, 12)
            local f = redis.call('HMGET', jk, 's', 'n')
            if f[1] and tonumber(f[1]) < 2 then
              redis.call('HSET', jk, 'f:' .. ARGV[1], ARGV[2], 'n', string.format('%d', tonumber(f[2]) + 1))
              redis.call('HSET', KEYS[1], 'alias', cur)
              redis.call('PEXPIRE', KEYS[1], ARGV[8])
              return {1, cur, tonumber(f[1])}
            end
          end
          redis.call('HSET', KEYS[1], 'r', ARGV[3], 'args', ARGV[9], 'cb', ARGV[4], 's', '0', 'v', '1', 'a', '0', 'pv', '0', 'uv', '0', 'n', '1', 'x', ARGV[10], 'cf', ARGV[1], 'f:' .. ARGV[1], ARGV[2], 'k', KEYS[2])
          redis.call('SET', KEYS[2], ARGV[7], 'PX', ARGV[5])
        else
          redis.call('HSET', KEYS[1], 'r', ARGV[3], 'args', ARGV[9], 'cb', ARGV[4], 's', '0', 'v', '1', 'a', '0', 'pv', '0', 'uv', '0', 'n', '1', 'x', ARGV[10], 'cf', ARGV[1], 'f:' .. ARGV[1], ARGV[2])
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[11])
        return {0, ARGV[7], 0}
        """;

    /// <summary>
    /// A follower's view. KEYS: job, updates, progress log. ARGV: follower id, after, '1' to read the progress log. Nil
    /// without such a follower; {follower, callback} for a detached one; else {follower, callback, status, version,
    /// progress version, progress when newer than after, outputs, error, cancel reason, updates newer than after, logged
    /// progress reports newer than after (empty unless asked for)}.
    /// </summary>
    public const string Read = """
        local f = redis.call('HMGET', KEYS[1], 'f:' .. ARGV[1], 'cb', 's', 'v', 'pv', 'o', 'e', 'c', 'p', 'uv')
        if not f[1] then return false end
        if string.sub(f[1], 1, 1) == 'd' then return {f[1], f[2]} end
        local after = tonumber(ARGV[2])
        local p = false
        local log = {}
        if tonumber(f[5]) > after then
          p = f[9]
          if ARGV[3] == '1' then
            for _, e in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
              if tonumber(string.match(e, '^%d+')) > after then log[#log + 1] = e end
            end
          end
        end
        local u = {}
        if tonumber(f[4]) > after and (not f[10] or tonumber(f[10]) > after) then
          u = redis.call('ZRANGE', KEYS[2], '(' .. ARGV[2], '+inf', 'BYSCORE')
        end
        return {f[1], f[2], f[3], f[4], f[5], p, f[6], f[7], f[8], u, log}
        """;

    /// <summary>
    /// KEYS: job, updates, progress log. ARGV: follower id, reason, ended ttl, channel, job id, '1' to check the owner,
    /// owner. Marks the follower detached at a new version; the last follower's leaving cancels the job at once. Answers
    /// {follower value, callback, 'c' when it cancelled the job else 'v'} ({follower value, callback} when it had left);
    /// 0 when the job has ended (nothing changes); nil without such a follower, or when the owner is checked and the
    /// follower's is another. The owner is what FollowerValue reads: after the second '|' of an attached follower's
    /// value, after the fourth of a detached one's.
    /// </summary>
    public const string Detach = """
        local f = redis.call('HMGET', KEYS[1], 'f:' .. ARGV[1], 'cb', 's', 'v', 'k', 'n', 'uv', 'pv')
        local fv = f[1]
        if not fv then return false end
        if ARGV[6] == '1' then
          local i = 0
          local bars = 2
          if string.sub(fv, 1, 1) == 'd' then bars = 4 end
          for _ = 1, bars do
            i = string.find(fv, '|', i + 1, true)
            if not i then return false end
          end
          if string.sub(fv, i + 1) ~= ARGV[7] then return false end
        end
        if string.sub(fv, 1, 1) == 'd' then return {fv, f[2]} end
        if tonumber(f[3]) >= 2 then return 0 end
        local v = string.format('%d', tonumber(f[4]) + 1)
        local nv = 'd|' .. v .. '|' .. ARGV[2] .. '|' .. string.sub(fv, 3)
        local n = tonumber(f[6]) - 1
        if n > 0 then
          redis.call('HSET', KEYS[1], 'f:' .. ARGV[1], nv, 'v', v, 'n', string.format('%d', n))
          redis.call('PUBLISH', ARGV[4], 'v' .. ARGV[5] .. ':' .. v)
          return {nv, f[2], 'v'}
        end
        redis.call('HSET', KEYS[1], 'f:' .. ARGV[1], nv, 'v', v, 'n', string.format('%d', n), 's', '4', 'c', ARGV[2])
        redis.call('HDEL', KEYS[1], 'args')
        if f[5] and redis.call('GET', f[5]) == ARGV[5] then redis.call('DEL', f[5]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        if f[7] ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
        if f[8] ~= '0' then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
        redis.call('PUBLISH', ARGV[4], 'c' .. ARGV[5] .. ':' .. v .. ':4')
        return {nv, f[2], 'c'}
        """;

    /// <summary>
    /// KEYS: the job the admission named. ARGV: follower id, key prefix. Answers {job id it joined or nil, follower value,
    /// status, attempt, creating follower}, or nil.
    /// </summary>
    public const string Inspect = """
        local jk = KEYS[1]
        local joined = redis.call('HGET', jk, 'alias')
        if joined then jk = ARGV[2] .. 'j:{' .. string.sub(joined, 1, 11) .. '}' .. string.sub(joined, 12) end
        local f = redis.call('HMGET', jk, 'f:' .. ARGV[1], 's', 'a', 'cf')
        if not f[1] then return false end
        return {joined, f[1], f[2], f[3], f[4]}
        """;

    /// <summary>
    /// KEYS: job, updates, progress log. ARGV: live ttl, channel, job id, run id, now, renewal interval. Answers {attempt, cancelled 0/1,
    /// record, arguments}: the new attempt, 0 when the job ended (cancelled 1 when it was cancelled) or -1 for a second
    /// queue entry, with the record and arguments as GetRecord reads them; {0, 0} when the job is missing. The worker so
    /// reads the record and starts in one round trip.
    /// </summary>
    public const string Start = """
        local f = redis.call('HMGET', KEYS[1], 's', 'run', 'r', 'args', 'a', 'v', 'x', 'uv', 'pv')
        if not f[1] or not f[3] then return {0, 0} end
        local s = tonumber(f[1])
        if s >= 2 then
          local c = 0
          if s == 4 then c = 1 end
          return {0, c, f[3], f[4]}
        end
        if s == 1 and f[2] ~= ARGV[4] then return {-1, 0, f[3], f[4]} end
        local a = tonumber(f[5]) + 1
        local v = string.format('%d', tonumber(f[6]) + 1)
        if not f[7] or math.abs(tonumber(ARGV[5]) - tonumber(f[7])) >= tonumber(ARGV[6]) then
          redis.call('HSET', KEYS[1], 's', '1', 'run', ARGV[4], 'a', string.format('%d', a), 'v', v, 'x', ARGV[5])
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          if f[8] ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
          if f[9] ~= '0' then redis.call('PEXPIRE', KEYS[3], ARGV[1]) end
        else
          redis.call('HSET', KEYS[1], 's', '1', 'run', ARGV[4], 'a', string.format('%d', a), 'v', v)
        end
        redis.call('PUBLISH', ARGV[2], 'v' .. ARGV[3] .. ':' .. v .. ':1')
        return {a, 0, f[3], f[4]}
        """;

    /// <summary>
    /// KEYS: job, updates, progress log. ARGV: attempt, number of progress reports k, live ttl, channel, job id, log
    /// length, now, renewal interval, then the k progress reports oldest first, then the side updates without version
    /// and sequence. The progress log gets the live ttl when this creates it (RPUSH answers its length); the updates set
    /// whenever side updates are written, as ZADD cannot tell whether it created the set, and a set that vanished before
    /// its job (evicted) must not come back without a time to live. Each report
    /// takes the next progress sequence (<c>ps</c>, never reset, so it grows across re-runs) and joins the log, which keeps
    /// the last log-length reports; the last report becomes the progress. The new version, or 0 when the job is not
    /// running this attempt. A change of progress alone announces that progress when it is small (at most 512 bytes:
    /// <c>v{id}:{version}:p{progress}</c>), so a long poll it wakes can answer without reading the job.
    /// </summary>
    public const string Append = """
        local f = redis.call('HMGET', KEYS[1], 's', 'a', 'v', 'ps', 'x', 'uv', 'pv')
        if not f[1] or tonumber(f[1]) ~= 1 or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
        local v = string.format('%d', tonumber(f[3]) + 1)
        local k = tonumber(ARGV[2])
        local keep = tonumber(ARGV[6])
        local sides = #ARGV - 8 - k
        local renew = not f[5] or math.abs(tonumber(ARGV[7]) - tonumber(f[5])) >= tonumber(ARGV[8])
        local set = {'v', v}
        if renew then
          set[#set + 1] = 'x'
          set[#set + 1] = ARGV[7]
        end
        if k > 0 then
          local last = tonumber(f[4] or '0') + k
          local first = math.max(1, k - keep + 1)
          local entries = {}
          for i = first, k do
            entries[#entries + 1] = v .. ':' .. string.format('%d', last - k + i) .. ':' .. ARGV[8 + i]
          end
          local length = redis.call('RPUSH', KEYS[3], unpack(entries))
          if length > keep then redis.call('LTRIM', KEYS[3], -keep, -1) end
          if length == #entries and not renew then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
          set[#set + 1] = 'p'
          set[#set + 1] = ARGV[8 + k]
          set[#set + 1] = 'pv'
          set[#set + 1] = v
          set[#set + 1] = 'ps'
          set[#set + 1] = string.format('%d', last)
        end
        if sides > 0 then
          local members = {}
          for i = 9 + k, #ARGV do
            members[#members + 1] = v
            members[#members + 1] = v .. ':' .. string.format('%06d', i - 9 - k) .. ':' .. ARGV[i]
            if #members >= 1000 then
              redis.call('ZADD', KEYS[2], unpack(members))
              members = {}
            end
          end
          if #members > 0 then redis.call('ZADD', KEYS[2], unpack(members)) end
          if not renew then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
          set[#set + 1] = 'uv'
          set[#set + 1] = v
        end
        redis.call('HSET', KEYS[1], unpack(set))
        if renew then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          if f[6] ~= '0' or sides > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
          if f[7] ~= '0' or k > 0 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
        end
        local message = 'v' .. ARGV[5] .. ':' .. v
        if k > 0 and sides == 0 and #ARGV[8 + k] <= 512 then message = message .. ':p' .. ARGV[8 + k] end
        redis.call('PUBLISH', ARGV[4], message)
        return tonumber(v)
        """;

    /// <summary>
    /// KEYS: job, updates, progress log. ARGV: attempt, status, has outputs, outputs, has error, error, ended ttl, channel,
    /// job id, the most outputs bytes a message carries.
    /// 1 when the outcome was written (also for a retry of a call that was applied but whose answer was lost); 2 when the
    /// job had ended before; 0 when the attempt is not current. A success without an error whose outputs fit announces
    /// them (<c>v{id}:{version}:2:o{outputs}</c>, the outputs the rest of the message), so a long poll it wakes can
    /// answer without reading the job: the change sets nothing else a follower sees.
    /// </summary>
    public const string Complete = """
        local f = redis.call('HMGET', KEYS[1], 's', 'a', 'ca', 'k', 'v', 'uv', 'pv')
        if not f[1] or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
        local s = tonumber(f[1])
        if s >= 2 then
          if f[3] == ARGV[1] and s == tonumber(ARGV[2]) then return 1 end
          return 2
        end
        local v = string.format('%d', tonumber(f[5]) + 1)
        local set = {'s', ARGV[2], 'ca', ARGV[1], 'v', v}
        if ARGV[3] == '1' then
          set[#set + 1] = 'o'
          set[#set + 1] = ARGV[4]
        end
        if ARGV[5] == '1' then
          set[#set + 1] = 'e'
          set[#set + 1] = ARGV[6]
        end
        redis.call('HSET', KEYS[1], unpack(set))
        redis.call('HDEL', KEYS[1], 'args')
        if f[4] and redis.call('GET', f[4]) == ARGV[9] then redis.call('DEL', f[4]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        if f[6] ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[7]) end
        if f[7] ~= '0' then redis.call('PEXPIRE', KEYS[3], ARGV[7]) end
        local message = 'v' .. ARGV[9] .. ':' .. v .. ':' .. ARGV[2]
        if ARGV[2] == '2' and ARGV[3] == '1' and ARGV[5] ~= '1' and #ARGV[4] <= tonumber(ARGV[10]) then message = message .. ':o' .. ARGV[4] end
        redis.call('PUBLISH', ARGV[8], message)
        return 1
        """;

    /// <summary>KEYS: job, updates, progress log. ARGV: attempt, live ttl, channel, job id, now, renewal interval. 1 when the running attempt went back to queued.</summary>
    public const string Requeue = """
        local f = redis.call('HMGET', KEYS[1], 's', 'a', 'v', 'x', 'uv', 'pv')
        if not f[1] or tonumber(f[1]) ~= 1 or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
        local v = string.format('%d', tonumber(f[3]) + 1)
        if not f[4] or math.abs(tonumber(ARGV[5]) - tonumber(f[4])) >= tonumber(ARGV[6]) then
          redis.call('HSET', KEYS[1], 's', '0', 'v', v, 'x', ARGV[5])
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          if f[5] ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
          if f[6] ~= '0' then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
        else
          redis.call('HSET', KEYS[1], 's', '0', 'v', v)
        end
        redis.call('PUBLISH', ARGV[3], 'v' .. ARGV[4] .. ':' .. v .. ':0')
        return 1
        """;

    /// <summary>
    /// KEYS: job, updates, progress log. ARGV: reason, ended ttl, channel, job id. Ends an unended job as cancelled for the reason,
    /// which every follower that has not left sees (those that left keep their own). 1 when it ended the job; 0 when
    /// the job had ended or is missing (an alias a join left has no status either).
    /// </summary>
    public const string CancelJob = """
        local f = redis.call('HMGET', KEYS[1], 's', 'k', 'v', 'uv', 'pv')
        if not f[1] or tonumber(f[1]) >= 2 then return 0 end
        local v = string.format('%d', tonumber(f[3]) + 1)
        redis.call('HSET', KEYS[1], 's', '4', 'c', ARGV[1], 'v', v)
        redis.call('HDEL', KEYS[1], 'args')
        if f[2] and redis.call('GET', f[2]) == ARGV[4] then redis.call('DEL', f[2]) end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        if f[4] ~= '0' then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
        if f[5] ~= '0' then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
        redis.call('PUBLISH', ARGV[3], 'c' .. ARGV[4] .. ':' .. v .. ':4')
        return 1
        """;

    /// <summary>
    /// KEYS: the sightings. ARGV: job id, now, stale cutoff (ms). Renews the job's sighting when it is older than the
    /// cutoff; a job without one (ended, or not tracked) gets none. 1 when it wrote.
    /// </summary>
    public const string Touch = """
        local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not s or tonumber(s) >= tonumber(ARGV[3]) then return 0 end
        redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS: outbox. ARGV: cutoff score, most to take, new score. The admissions older than the cutoff, each pushed
    /// forward to the new score so no other sweeper takes it meanwhile.
    /// </summary>
    public const string Claim = """
        local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
        for i = 1, #due do redis.call('ZADD', KEYS[1], ARGV[3], due[i]) end
        return due
        """;
}
