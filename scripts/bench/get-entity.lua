-- wrk script: GET one entity by id through the API, ids picked at random
-- among those `charter bench seed` made (00000000-0000-7000-8000-<n hex>).
local key = os.getenv("CHARTER_KEY")
local slug = os.getenv("BENCH_SLUG") or "bench"
local entities = tonumber(os.getenv("BENCH_ENTITIES") or "10000")
local headers = { ["Authorization"] = "Bearer " .. key }

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local n = math.random(1, entities)
  local path = string.format("/api/v1/tenants/%s/entities/00000000-0000-7000-8000-%012x", slug, n)
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests_per_s=%.1f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
