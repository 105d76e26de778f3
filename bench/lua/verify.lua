-- Public verification: GET /v/<token> as a phone that scanned the QR code, rotating over the tokens given.
local tokens, i = {}, 0

function init(args)
  tokens = my_lines(os.getenv("BENCH_DATA"))
end

function request()
  i = (i % #tokens) + 1
  return wrk.format("GET", "/v/" .. tokens[i], {["Accept"] = "text/html", ["User-Agent"] = UA})
end
