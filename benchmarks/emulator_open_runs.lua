-- wrk script of benchmarks/emulator_capacity.sh: creates exactly N runs (POST /v1/threads/runs, one new
-- thread each) and stops. Run with one thread: wrk -t1 -cC -d120s -s emulator_open_runs.lua URL -- N ASST.
-- Once N creations are sent, the remaining connections ask for the assistant (creates nothing) until
-- the N-th run is confirmed. wrk rather than a Node loop: on a loaded 2-core machine a script
-- client's own CPU becomes the limit.
local n = 0
local sent = 0
local created = 0
local create_req = nil
local get_req = nil

function init(args)
    n = tonumber(args[1])
    local headers = {
        ["Authorization"] = "Bearer sk-bench",
        ["OpenAI-Beta"] = "assistants=v2",
        ["Content-Type"] = "application/json",
    }
    local body = '{"assistant_id":"' .. args[2] .. '","thread":{"messages":[{"role":"user","content":"approve?"}]}}'
    create_req = wrk.format("POST", "/v1/threads/runs", headers, body)
    get_req = wrk.format("GET", "/v1/assistants/" .. args[2], headers)
end

-- wrk calls request() once more than it sends: right after init() it builds one request to check it
-- (script_verify_request). Hence n + 1; the stop on the n-th confirmed run keeps the count exact.
function request()
    if sent < n + 1 then
        sent = sent + 1
        return create_req
    end
    return get_req
end

function response(status, headers, body)
    if status == 200 and body:find('"object":"thread.run"', 1, true) then
        created = created + 1
        if created >= n then
            wrk.thread:stop()
        end
    end
end

function done(summary, latency, requests)
    io.write(string.format("error answers: %d\n", summary.errors.status))
end
