-- Fresh pages of new anonymous readers in channel 0 (推荐), whose candidates are all 50,000 articles.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter = 0
function request()
  counter = counter + 1
  local reader = "Anony bench" .. os.time() .. "r" .. thread_id .. "n" .. counter
  return wrk.format("GET", "/v1_1/articles?channel_id=0&timestamp=" .. (os.time() * 1000), { ["Authorization"] = reader })
end
