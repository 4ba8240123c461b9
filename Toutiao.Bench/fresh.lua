-- A fresh page of a new anonymous reader on every request: what an app open costs. The channel is
-- BENCH_FRESH_CHANNEL, or a different one of the 25 visible channels each request. With
-- BENCH_FRESH_ANONYMOUS set, no Authorization at all: the first page of a reader without identity
-- (the app before sign-in), for whom Reco keeps no history and runs no script.
local fixed = tonumber(os.getenv("BENCH_FRESH_CHANNEL") or "")
local without_identity = os.getenv("BENCH_FRESH_ANONYMOUS") ~= nil
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
  if without_identity then
    return wrk.format("GET", path)
  end
  local reader = "Anony bench" .. os.time() .. "t" .. thread_id .. "n" .. counter
  return wrk.format("GET", path, { ["Authorization"] = reader })
end

dofile(os.getenv("BENCH_DIR") .. "/pace.lua")
