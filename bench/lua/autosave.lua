-- Autosave: each request saves one answer of one candidate's attempt, rotating over every candidate given,
-- as the exam client saves it: the attempt's capability in X-Exam-Capability with the browser's cookies (session and
-- device), no CSRF token; a row without a capability ("-") sends the CSRF token instead. seq only ever grows: it
-- starts above the highest seq stored (BENCH_SEQ_BASE), so every save is a real update of the answer.
local rows, i, seq = {}, 0, 0

function init(args)
  for _, line in ipairs(my_lines(os.getenv("BENCH_DATA"))) do
    local f = split(line, "\t")
    table.insert(rows, {attempt = f[1], cookie = f[2], csrf = f[3], layout = split(f[4], ","), cap = f[5]})
  end
  seq = tonumber(os.getenv("BENCH_SEQ_BASE"))
end

local function response_for(token, n)
  local kind = string.sub(token, 1, 1)
  if kind == "T" then return (n % 2 == 0) and "true" or "false" end
  local letters = {"A", "B", "C", "D", "E", "F"}
  local count = tonumber(string.sub(token, 2))
  if kind == "S" then return '"' .. letters[(n % count) + 1] .. '"' end
  return '["A","' .. letters[(n % (count - 1)) + 2] .. '"]'
end

function request()
  i = (i % #rows) + 1
  seq = seq + 1
  local r = rows[i]
  local pos = (seq % #r.layout) + 1
  local body = string.format('{"position":%d,"response":%s,"seq":%d}', pos, response_for(r.layout[pos], seq), seq)
  local headers = {["Cookie"] = r.cookie, ["Content-Type"] = "application/json", ["Accept"] = "application/json",
                   ["User-Agent"] = UA}
  if r.cap and r.cap ~= "-" then headers["X-Exam-Capability"] = r.cap else headers["X-CSRFToken"] = r.csrf end
  return wrk.format("POST", "/api/v1/attempts/" .. r.attempt .. "/answers", headers, body)
end
