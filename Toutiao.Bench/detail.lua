-- Article details of the first 2,000 articles at random: after the first round from the cache, content from MySQL.
function request()
  return wrk.format("GET", "/v1_0/articles/" .. math.random(1, 2000))
end
