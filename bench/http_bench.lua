-- wrk script for bench/http_bench.sh: POSTs distinct transactions to /v1/transactions.
-- Every request is a new transaction (a unique tx_id per thread and request) of a customer,
-- card and merchant of the generated world, with realistic fields. Timestamps start at the
-- first argument (epoch seconds) and follow the wall clock from there (the same clock in
-- every wrk thread, so no thread falls minutes behind another and gets refused as late).
--   wrk -t2 -c32 -d20s -s bench/http_bench.lua http://127.0.0.1:PORT/v1/transactions -- \
--       START_EPOCH_SECONDS RUN_TAG CUSTOMERS MERCHANTS

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads)
  table.insert(threads, thread)
end

function init(args)
  start_epoch = tonumber(args[1]) or 1798761600
  tag = args[2] or "run"
  customers = tonumber(args[3]) or 10000
  merchants = tonumber(args[4]) or 1000
  counter = 0
  started = os.time()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(1000 + (thread_id or 0))
end

local channels = {"POS", "POS", "POS", "ONLINE", "MOBILE", "ATM"}
local cities = {"Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Hangzhou", "Wuhan"}

function request()
  counter = counter + 1
  local seconds = start_epoch + (os.time() - started)
  local ts = os.date("!%Y-%m-%dT%H:%M:%S", seconds) ..
             string.format(".%06dZ", (counter * 7919 + (thread_id or 0) * 104729) % 1000000)
  local c = math.random(0, customers - 1)
  local channel = channels[math.random(#channels)]
  local kind = channel == "ATM" and "WITHDRAWAL" or "PURCHASE"
  local amount = string.format("%d.%02d", math.random(1, 3000), math.random(0, 99))
  local body = string.format(
      '{"tx_id":"W-%s-%d-%d","ts":"%s","customer_id":"C%010d","account_id":"A%010d",' ..
      '"card_id":"K%010d","merchant_id":"M%010d","device_id":"D%010d","ip":"10.%d.%d.%d",' ..
      '"channel":"%s","type":"%s","amount":"%s","currency":"CNY","mcc":5411,' ..
      '"country":"CN","city":"%s"}',
      tag, thread_id or 0, counter, ts, c, c, math.floor(c * 1.3), math.random(0, merchants - 1),
      c, math.random(0, 255), math.random(0, 255), math.random(1, 254), channel, kind, amount,
      cities[math.random(#cities)])
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    errors_seen = (errors_seen or 0) + 1
    if errors_seen <= 3 then io.stderr:write("HTTP " .. status .. ": " .. body .. "\n") end
  end
end
