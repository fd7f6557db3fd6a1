-- post.lua: wrk script that POSTs one JSON body file (benchmark kit, issue 6).
--
--   BODY=build/bench/corpus/small_anthropic.json [PATH_=/anthropic/v1/messages] \
--     wrk -t2 -c8 -d10s --latency -s tools/bench/post.lua http://127.0.0.1:8082
--
-- BODY   file holding the request body (required)
-- PATH_  request path (default /anthropic/v1/messages); the URL's path is ignored.
--        (PATH_ because PATH is the shell's.)
-- Sends Content-Type: application/json, x-api-key: bench and
-- anthropic-version: 2023-06-01. Counts responses whose status is not 2xx, per
-- status, and prints them in done() as "non2xx=N" plus one "status=S count=N"
-- line each, so a run script can grep them.

local body_file = os.getenv("BODY")
-- wrk reports a script error and then runs anyway (GET /): exit instead.
local function die(msg)
   io.stderr:write("post.lua: " .. msg .. "\n")
   os.exit(2)
end
if body_file == nil or body_file == "" then
   die("set BODY to the request body file")
end
local f, err = io.open(body_file, "rb")
if f == nil then die(err) end
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.path = os.getenv("PATH_") or "/anthropic/v1/messages"
if wrk.path == "" then wrk.path = "/anthropic/v1/messages" end
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-api-key"] = "bench"
wrk.headers["anthropic-version"] = "2023-06-01"

-- Each wrk thread has its own Lua state: count there, sum in done().
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   non2xx = 0
   statuses = {}
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local total, by = 0, {}
   for _, t in ipairs(threads) do
      total = total + (t:get("non2xx") or 0)
      for s, n in pairs(t:get("statuses") or {}) do
         by[s] = (by[s] or 0) + n
      end
   end
   io.write(string.format("non2xx=%d\n", total))
   local keys = {}
   for s in pairs(by) do table.insert(keys, s) end
   table.sort(keys)
   for _, s in ipairs(keys) do
      io.write(string.format("status=%d count=%d\n", s, by[s]))
   end
end
