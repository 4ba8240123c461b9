-- One reader paging back to a page it was served (BENCH_HISTORY_TIMESTAMP): a history page, hot cache.
local path = "/v1_1/articles?channel_id=1&timestamp=" .. os.getenv("BENCH_HISTORY_TIMESTAMP")
local headers = { ["Authorization"] = "Anony " .. os.getenv("BENCH_HISTORY_READER") }
function request()
  return wrk.format("GET", path, headers)
end

dofile(os.getenv("BENCH_DIR") .. "/pace.lua")
