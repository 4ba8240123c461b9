-- Paced load for the half-load rounds: with BENCH_THREAD_RATE set (requests per second per wrk
-- thread), each thread sends on a fixed schedule instead of as fast as responses come back, so
-- latency is measured at a chosen load rather than at saturation. A slot that has passed while
-- every connection was busy is sent at once, not made up later. wrk times a request from when it
-- is written, so queueing before that is not in its percentiles: at half load it is rare.
local rate = tonumber(os.getenv("BENCH_THREAD_RATE") or "")
if rate then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock, bench_timespec *now);
  ]]
  local now = ffi.new("bench_timespec")
  local interval = 1000 / rate
  local next_slot
  local function now_ms()
    ffi.C.clock_gettime(1, now) -- CLOCK_MONOTONIC
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end

  function delay()
    local current = now_ms()
    next_slot = math.max((next_slot or current) + interval, current)
    return math.floor(next_slot - current)
  end
end
