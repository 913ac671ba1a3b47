-- The budget script of paced::redis_budget, run by Redis (EVALSHA) for every acquire, refund, observe,
-- adjust and pause; compiled into the library as text (cmake/embed_text.cmake). gcra_script() fills in
-- the back-off constants (the names between at signs) from scope_state, so that local and Redis budgets
-- settle alike.
--
-- The GCRA of the rate model (see gcra.hpp), on the server's clock, in integer microseconds. Rounded
-- like the in-process core: a charge up, the burst capacity and refunds down. Lua numbers are doubles:
-- exact for integers up to 2^53 us (285 years), so `now` (about 1.7e15 us) is exact. Values are stored
-- with '%.0f' because Lua's tostring keeps only 14 significant digits.
--
-- KEYS: two per scope (its requests and its tokens GCRA state), then the pause key and the share key.
-- ARGV: the op, the latency allowance (us), the number of scopes, then per scope its requests limit and
-- burst and its tokens limit and burst, then the op's own arguments.
local op = ARGV[1]
local allowance = tonumber(ARGV[2])
local scopes = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local pause_key = KEYS[2 * scopes + 1]
local share_key = KEYS[2 * scopes + 2]

-- The primary budget's share of its request limit after 429s: multiplied by @BACKOFF_FACTOR@ at most once
-- per @BACKOFF_SPACING@ us, never below @MIN_SHARE@, climbing back by @RECOVERY_STEP@ of the limit every
-- @RECOVERY_INTERVAL@ us.
-- Stored as it was when last lowered; what has climbed back since is computed, so nothing is written
-- while it recovers.
local share, lowered_at = 1, 0
local stored = redis.call('GET', share_key)
if stored then
  local s, at = string.match(stored, '^(%S+) (%S+)$')
  share, lowered_at = tonumber(s) or 1, tonumber(at) or 0
  if now > lowered_at then
    share = math.min(1, share + math.floor((now - lowered_at) / @RECOVERY_INTERVAL@) * @RECOVERY_STEP@)
  end
end

-- A dimension's emission interval and burst capacity for the limit in force. Burst 0 is the rate model's
-- default for that limit, max(1, floor(limit / 60)) (default_burst in gcra.cpp), so that a lowered share
-- lowers it too.
local function set_rate(dim, limit_in_force)
  local burst = dim.burst
  if burst == 0 then burst = math.max(1, math.floor(limit_in_force / 60)) end
  dim.interval = 60000000 / limit_in_force
  dim.capacity = math.floor(burst * dim.interval)
end

local dims = {}
for i = 1, scopes do
  for d = 0, 1 do
    local limit = tonumber(ARGV[4 + (i - 1) * 4 + 2 * d])
    local burst = tonumber(ARGV[5 + (i - 1) * 4 + 2 * d])
    local dim = {key = KEYS[2 * (i - 1) + 1 + d], limit = limit, burst = burst, scope = i, what = d}
    if limit > 0 then
      -- The share applies to the primary budget's requests only (scope_state::apply_share).
      set_rate(dim, (i == 1 and d == 0) and limit * share or limit)
      dim.tat = tonumber(redis.call('GET', dim.key) or '0')
    end
    dims[#dims + 1] = dim
  end
end
local first = 4 + scopes * 4

local function store(dim, tat)
  if tat > now then
    redis.call('SET', dim.key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
  else
    redis.call('DEL', dim.key)
  end
  dim.tat = tat
end

local function charge(dim, n)
  if dim.interval and n > 0 then
    store(dim, math.max(dim.tat, now + allowance) + math.ceil(n * dim.interval))
  end
end

local function refund(dim, n)
  if dim.interval and n > 0 and dim.tat > now then
    store(dim, math.max(dim.tat - math.floor(n * dim.interval), now))
  end
end

local function restrict(dim, units, at)
  if dim.interval then
    local target = at + dim.capacity - math.floor(units * dim.interval)
    if target > dim.tat then
      store(dim, target)
      return 1
    end
  end
  return 0
end

if op == 'acquire' then
  local n = {tonumber(ARGV[first]), tonumber(ARGV[first + 1])}
  for _, dim in ipairs(dims) do
    if dim.interval and n[dim.what + 1] > dim.limit then
      return {2, dim.scope, dim.what, math.floor(dim.limit)}
    end
  end
  local wait = 0
  local paused = tonumber(redis.call('GET', pause_key) or '0')
  if paused > now then wait = paused - now end
  for _, dim in ipairs(dims) do
    local units = n[dim.what + 1]
    if dim.interval and units > 0 and dim.tat > now then
      local cost = math.ceil(units * dim.interval)
      local w
      if allowance + cost <= dim.capacity then
        w = dim.tat + cost - dim.capacity - now
      else
        w = dim.tat - now
      end
      if w > wait then wait = w end
    end
  end
  if wait > 0 then return {1, wait} end
  for _, dim in ipairs(dims) do charge(dim, n[dim.what + 1]) end
  return {0, 0}
elseif op == 'refund' then
  local n = {tonumber(ARGV[first]), tonumber(ARGV[first + 1])}
  for _, dim in ipairs(dims) do refund(dim, n[dim.what + 1]) end
  return {0, 0}
elseif op == 'adjust' then
  local delta = tonumber(ARGV[first])
  for _, dim in ipairs(dims) do
    if dim.what == 1 then
      if delta > 0 then charge(dim, delta) else refund(dim, -delta) end
    end
  end
  return {0, 0}
elseif op == 'observe' then
  local remaining = {tonumber(ARGV[first]), tonumber(ARGV[first + 1])}
  local changed = 0
  for _, dim in ipairs(dims) do
    local units = remaining[dim.what + 1]
    if dim.scope == 1 and units >= 0 then changed = changed + restrict(dim, units, now) end
  end
  return {0, changed}
elseif op == 'pause' then
  local paused = tonumber(redis.call('GET', pause_key) or '0')
  local until_us = math.max(paused, now + tonumber(ARGV[first]))
  if until_us > now then
    redis.call('SET', pause_key, string.format('%.0f', until_us), 'PX', math.ceil((until_us - now) / 1000))
    -- A 429 that no mistake about the server's budgets explains means someone else spends this budget:
    -- lower the request rate (the answers of requests already in flight count as one signal).
    local lower_share = tonumber(ARGV[first + 1] or '1') ~= 0
    local lowered = lower_share and dims[1].interval and
                    (share >= 1 or now - lowered_at >= @BACKOFF_SPACING@)
    if lowered then
      share = math.max(@MIN_SHARE@, share * @BACKOFF_FACTOR@)
      set_rate(dims[1], dims[1].limit * share)
      local back_at_one = math.ceil((1 - share) / @RECOVERY_STEP@) * @RECOVERY_INTERVAL@
      redis.call('SET', share_key, string.format('%.17g %.0f', share, now),
                 'PX', math.ceil(back_at_one / 1000) + 1000)
    end
    -- The server has just refused us, so its bucket is full: one request when the pause ends, then one
    -- per interval (a whole burst then would earn a second round of 429s).
    restrict(dims[1], 1, until_us)
  end
  return {0, until_us - now}
end
return redis.error_reply('paced budget script: unknown op ' .. tostring(op))
