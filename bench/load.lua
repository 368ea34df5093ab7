-- wrk script for bench/load_bench.py: cycles through the paths in the file named by the
-- environment's LOAD_PATHS (one per line; without it, wrk's own URL), counts answers by
-- status, and prints one JSON line of figures at the end.
local paths = {}
local file = os.getenv("LOAD_PATHS")
if file then
  for line in io.lines(file) do
    if line ~= "" then paths[#paths + 1] = line end
  end
end

local threads = {}
local counter = 1

function setup(thread)
  -- Each thread starts at its own place in the list, so that together they walk all of it.
  thread:set("offset", counter * 97)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  index = offset or 0
end

function request()
  if #paths == 0 then return wrk.format(nil) end
  index = index + 1
  return wrk.format("GET", paths[(index % #paths) + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for status, n in pairs(counted) do
      if status ~= 200 then bad = bad + n end  -- a redirect is not the page either
    end
  end
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "p99": %.3f, ' ..
    '"bad_status": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    bad, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout))
end
