-- The first page of a reader without identity (the app before sign-in sends no Authorization) in a
-- different one of the 25 visible channels each request: the whole request path without Reco's Redis
-- script (Reco keeps no history for such a reader), the floor under a fresh page.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter = 0
function request()
  counter = counter + 1
  local channel = (counter * 7 + thread_id) % 25 + 1
  return wrk.format("GET", "/v1_1/articles?channel_id=" .. channel .. "&timestamp=" .. (os.time() * 1000))
end

dofile(os.getenv("BENCH_DIR") .. "/pace.lua")
