-- Submit: each request hands in one different attempt (and queues its grading for the worker); a thread that has handed in all of its
-- attempts stops and says so (the harness then reports the rate as a lower bound).
local rows, i = {}, 0
exhausted = 0

function init(args)
  for _, line in ipairs(my_lines(os.getenv("BENCH_DATA"))) do
    local f = split(line, "\t")
    table.insert(rows, {attempt = f[1], cookie = f[2], csrf = f[3]})
  end
end

function request()
  i = i + 1
  if i > #rows then
    exhausted = 1
    wrk.thread:stop()
    i = #rows
  end
  local r = rows[i]
  return wrk.format("POST", "/api/v1/attempts/" .. r.attempt .. "/submit",
    {["Cookie"] = r.cookie, ["X-CSRFToken"] = r.csrf, ["Content-Type"] = "application/json",
     ["Accept"] = "application/json", ["User-Agent"] = UA}, "{}")
end
