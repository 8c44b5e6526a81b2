-- One wrk script for every scenario; bench/run.ts passes the mode and its inputs after `--`.
--   get    <ids file> <path prefix> <path suffix> <header name> <header value>
--            GET prefix..id..suffix for a random id of the list per request
--   signed <requests file>
--            a random pre-signed request per request; each line: path \t name: value \t ...
--   batch  <ids file> <path> <ids per request> <header name> <header value>
--            POST {"desktop_ids":[…random ids…]} as application/json
--   list   <path> <limit> <largest offset> <header name> <header value>
--            GET path?limit=L&offset=<random multiple of L below the largest offset>
--   post   <path> <body file> <header name> <header value>
--            the same POST each time (token issuance)
-- done() prints one line `WRK_RESULT {json}` that run.ts parses.

local mode
local ids = {}
local count = 0
local signed = {}
local head, prefix, suffix, tail, path, body, per, limit, maxOffset

local function readLines(file)
  local out = {}
  for line in io.lines(file) do
    if line ~= "" then out[#out + 1] = line end
  end
  return out
end

local function split(line, sep)
  local out = {}
  for field in string.gmatch(line, "([^" .. sep .. "]+)") do out[#out + 1] = field end
  return out
end

local function headerBlock(extra)
  local s = "Host: " .. wrk.headers["Host"] .. "\r\n"
  for _, h in ipairs(extra) do s = s .. h .. "\r\n" end
  return s
end

function init(args)
  mode = args[1]
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
  if mode == "get" then
    ids = readLines(args[2]); count = #ids
    prefix = "GET " .. args[3]
    suffix = args[4]
    tail = " HTTP/1.1\r\n" .. headerBlock({ args[5] .. ": " .. args[6] }) .. "\r\n"
  elseif mode == "signed" then
    for _, line in ipairs(readLines(args[2])) do
      local f = split(line, "\t")
      local hs = {}
      for i = 2, #f do hs[#hs + 1] = f[i] end
      signed[#signed + 1] = "GET " .. f[1] .. " HTTP/1.1\r\n" .. headerBlock(hs) .. "\r\n"
    end
    count = #signed
  elseif mode == "batch" then
    ids = readLines(args[2]); count = #ids
    path = args[3]
    per = tonumber(args[4])
    head = "POST " .. path .. " HTTP/1.1\r\n" .. headerBlock({ args[5] .. ": " .. args[6], "Content-Type: application/json" })
  elseif mode == "list" then
    path = args[2]
    limit = tonumber(args[3])
    maxOffset = tonumber(args[4])
    tail = " HTTP/1.1\r\n" .. headerBlock({ args[5] .. ": " .. args[6] }) .. "\r\n"
  elseif mode == "post" then
    local f = assert(io.open(args[3], "rb"))
    body = f:read("*a"); f:close()
    local req = "POST " .. args[2] .. " HTTP/1.1\r\n" .. headerBlock({ args[4] .. ": " .. args[5], "Content-Type: application/json", "Content-Length: " .. #body }) .. "\r\n" .. body
    signed = { req }; count = 1
  else
    error("unknown mode " .. tostring(mode))
  end
  if count == 0 and mode ~= "list" then error("no input lines for mode " .. mode) end
end

function request()
  if mode == "get" then
    return prefix .. ids[math.random(count)] .. suffix .. tail
  elseif mode == "signed" or mode == "post" then
    return signed[math.random(count)]
  elseif mode == "batch" then
    local parts = {}
    for i = 1, per do parts[i] = '"' .. ids[math.random(count)] .. '"' end
    local b = '{"desktop_ids":[' .. table.concat(parts, ",") .. "]}"
    return head .. "Content-Length: " .. #b .. "\r\n\r\n" .. b
  else
    local pages = math.floor(maxOffset / limit)
    local offset = math.random(0, pages > 0 and pages - 1 or 0) * limit
    return "GET " .. path .. "?limit=" .. limit .. "&offset=" .. offset .. tail
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
