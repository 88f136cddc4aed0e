-- One page (or a few equivalent ones, in turn) as a signed-in person, for wrk:
--   wrk -t1 -c1 -d5s -s page.lua http://127.0.0.1:PORT -- DATA.lua
-- DATA.lua (written by bench_load.py) returns {cookie = "...", paths = {...}}.
-- A GET of each path in turn; at the end, one line of JSON: latency percentiles (µs),
-- requests, and what went wrong.

local data

function init(args)
   data = dofile(args[1])
   wrk.headers["Cookie"] = data.cookie
   counter = 0
end

function request()
   counter = counter + 1
   return wrk.format("GET", data.paths[(counter - 1) % #data.paths + 1])
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
      '"max_us": %d, "non_2xx_3xx": %d, "connect": %d, "read": %d, "write": %d, ' ..
      '"timeout": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
      latency.max, e.status, e.connect, e.read, e.write, e.timeout))
end
