-- wrk script of benchmarks/emulator_capacity.sh: the headers every Assistants v2 request carries.
-- The URL (GET /v1/assistants/{id} of an existing assistant) comes from the command line.
-- No response() callback: it would make wrk parse every answer in Lua and measure wrk, not the server.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer sk-bench"
wrk.headers["OpenAI-Beta"] = "assistants=v2"

function done(summary, latency, requests)
    -- wrk counts 4xx/5xx answers here; any of them makes the figure meaningless.
    io.write(string.format("error answers: %d\n", summary.errors.status))
    io.write(string.format("p50_us %d\np99_us %d\n", latency:percentile(50), latency:percentile(99)))
end
