-- Shared by the bench scripts: thread numbering and reading this thread's share of a data file.
-- Each wrk thread takes the lines i with (i - 1) % threads == thread id, so no two threads touch one attempt.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function split(s, sep)
  local out = {}
  for part in string.gmatch(s, "([^" .. sep .. "]+)") do table.insert(out, part) end
  return out
end

function my_lines(path)
  local n = tonumber(os.getenv("BENCH_THREADS") or "1")
  local mine, i = {}, 0
  for line in io.lines(path) do
    if (i % n) == tid then table.insert(mine, line) end
    i = i + 1
  end
  return mine
end

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 exam-bench"
