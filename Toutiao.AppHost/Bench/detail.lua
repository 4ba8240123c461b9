-- Article details of the first 2,000 articles in turn: after the first round from the cache, content from MySQL.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local counter = 0
function request()
  counter = counter + 1
  return wrk.format("GET", "/v1_0/articles/" .. ((counter * 13 + thread_id) % 2000 + 1))
end
