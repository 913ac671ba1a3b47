#pragma once
// The emulator's settings, filled from the command line by main.cpp.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace paced::emulator {

/** @brief Every command-line setting of paced-emulator (see README.md for the meaning of each). */
struct config {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::int64_t rpm = 0;               ///< requests per minute per budget, 0 = unlimited
    std::int64_t tpm = 0;               ///< tokens per minute per budget, 0 = unlimited
    std::string rate_layout = "global"; ///< --rate-layout: global | per-model
    std::map<std::string, std::int64_t, std::less<>> endpoint_rpm; ///< --endpoint-rpm "POST /v1/files=20"
    std::int64_t transit_jitter_ms = 0; ///< a request is handled up to this long after it arrived
    bool rate_limit_headers = true;     ///< --no-rate-limit-headers: answers carry no x-ratelimit-*
    std::int64_t run_ms = 1000;         ///< nominal duration of a run
    std::int64_t run_jitter_ms = 0;     ///< uniform +- jitter on run_ms
    std::int64_t poll_after_ms = 0;     ///< openai-poll-after-ms header value, 0 = not sent
    double fault_5xx = 0;
    double fault_reset = 0;
    double fault_slow = 0;
    double fault_truncate = 0;
    double fault_run_fail = 0;
    bool fault_run_fail_permanent = false;   ///< the runs of an input fail every time, not by chance
    double fault_response_rate_limited = 0;  ///< background responses that end failed rate_limit_exceeded
    bool responses_done_sentinel = false;    ///< a Responses stream ends with `data: [DONE]` too
    std::int64_t responses_keepalive_ms = 0; ///< keepalive events in a Responses stream's gaps, 0 = none
    std::string responses_error_style = "nested"; ///< `error` events: nested {error:{...}} or flat
    std::int64_t slow_ms = 3000;                  ///< delay of a slow answer
    bool quota_exhausted = false;
    std::string tls_cert;
    std::string tls_key;
    std::uint64_t seed = 1;
    // The Batch API (batch_jobs.cpp).
    std::int64_t batch_ms = 3000;         ///< from a batch's creation to its end
    std::int64_t batch_max_lines = 50000; ///< requests per input file (the API's limit)
    std::int64_t batch_queue_tokens = 0;  ///< enqueued input tokens per model, 0 = no limit
    double fault_batch_expire = 0;        ///< share of lines not done when the window closes
    // Webhooks (webhook_delivery.cpp): where and how the events of background responses are delivered.
    std::string webhook_url;                ///< http://host:port/path; empty: no webhooks
    std::string webhook_secret;             ///< `whsec_` + base64, or raw bytes
    double webhook_fault_drop = 0;          ///< share of events never delivered
    double webhook_fault_duplicate = 0;     ///< share delivered twice (same webhook-id)
    double webhook_fault_late = 0;          ///< share delivered --webhook-late-ms late
    std::int64_t webhook_late_ms = 3000;    ///< the delay of a late event
    double webhook_fault_bad_signature = 0; ///< share whose first attempt carries a wrong signature
    double webhook_fault_stale = 0;         ///< share whose first attempt carries a 10-minute-old timestamp
    double webhook_fault_early = 0;         ///< share of response events sent before retrievals show the end
    std::int64_t webhook_early_ms = 300;    ///< how long before the end an early event is sent
    std::string request_log; ///< --request-log: one line per API request to this file, empty = off
};

} // namespace paced::emulator
