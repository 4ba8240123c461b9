-- One reader per thread refreshing channel 0 again and again: its history grows by a page a request,
-- to the caps (100 pages, 2,000 served ids), so this shows whether a fresh page costs more with history.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter, base, reader = 0, nil, nil
function request()
  if not base then
    base = os.time() * 1000
    reader = "Anony bench-one-" .. base .. "-" .. thread_id
  end
  counter = counter + 1
  local path = "/v1_1/articles?channel_id=0&timestamp=" .. (base + counter * 4 + thread_id)
  return wrk.format("GET", path, { ["Authorization"] = reader })
end
