-- Baseline: the trivial bench-mode endpoint, with the same headers a browser sends.
function request()
  return wrk.format("GET", "/bench/baseline", {["Accept"] = "application/json", ["User-Agent"] = UA})
end
