-- A fresh page of a new anonymous reader on every request: what an app open costs. The channel is
-- BENCH_FRESH_CHANNEL, or a different one of the 25 visible channels each request.
local fixed = tonumber(os.getenv("BENCH_FRESH_CHANNEL") or "")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter = 0
function request()
  counter = counter + 1
  local channel = fixed or (counter * 7 + thread_id) % 25 + 1
  local path = "/v1_1/articles?channel_id=" .. channel .. "&timestamp=" .. (os.time() * 1000)
  local reader = "Anony bench" .. os.time() .. "t" .. thread_id .. "n" .. counter
  return wrk.format("GET", path, { ["Authorization"] = reader })
end

dofile(os.getenv("BENCH_DIR") .. "/pace.lua")
