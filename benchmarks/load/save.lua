-- Saving a question page as a person does: load it, then send it back, again and again.
--   wrk -tN -cN -d5s -s save.lua http://127.0.0.1:PORT -- DATA.lua
-- One connection a thread (-t as many as -c), each on an EqIA of its own, so a GET and
-- the POST after it are a pair: the POST carries the version the GET showed (the page's
-- one version check) and the session's CSRF token. DATA.lua (written by bench_load.py)
-- returns {cookie = "...", pages = {{path = "...", body = "..."}, ...}}.
-- At the end, one line of JSON about the POSTs alone: latency percentiles (µs, timed
-- here), how many, and how many did not redirect (a refused or conflicting save).

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } timespec;
int clock_gettime(int clk_id, timespec *tp);
]]
local now_ts = ffi.new("timespec")
local function now_us()
   ffi.C.clock_gettime(1, now_ts) -- CLOCK_MONOTONIC
   return tonumber(now_ts.tv_sec) * 1e6 + tonumber(now_ts.tv_nsec) / 1e3
end

local threads = {}
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("index", counter)
   table.insert(threads, thread)
end

local data, page, version, posting, started
local post_headers = {}
latencies, refused = {}, 0

function init(args)
   data = dofile(args[1])
   page = data.pages[(index - 1) % #data.pages + 1]
   wrk.headers["Cookie"] = data.cookie
   -- wrk.format takes the headers given instead of wrk.headers, not as well.
   for name, value in pairs(wrk.headers) do
      post_headers[name] = value
   end
   post_headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
   if version == nil then
      posting = false
      return wrk.format("GET", page.path)
   end
   posting, started = true, now_us()
   local body = page.body .. "&version=" .. version
   version = nil
   return wrk.format("POST", page.path, post_headers, body)
end

function response(status, headers, body)
   if posting then
      table.insert(latencies, now_us() - started)
      if status ~= 302 and status ~= 303 then
         refused = refused + 1
      end
   elseif status == 200 then
      version = string.match(body, 'name="version"[^>]-value="(%d*)"')
   end
end

function done(summary, latency, requests)
   local all, not_redirected = {}, 0
   for _, thread in ipairs(threads) do
      for _, value in ipairs(thread:get("latencies")) do
         table.insert(all, value)
      end
      not_redirected = not_redirected + thread:get("refused")
   end
   table.sort(all)
   local function pct(p)
      if #all == 0 then return 0 end
      return all[math.max(1, math.floor(p / 100 * #all + 0.5))]
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
      '"max_us": %d, "non_2xx_3xx": %d, "connect": %d, "read": %d, "write": %d, ' ..
      '"timeout": %d, "not_redirected": %d}\n',
      #all, summary.duration, pct(50), pct(95), pct(100), e.status,
      e.connect, e.read, e.write, e.timeout, not_redirected))
end
