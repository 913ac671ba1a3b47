#pragma once
/** @file Webhooks: verifying a delivery as the official SDKs do, and decoding its thin event.
 *
 * OpenAI signs every webhook delivery by the Standard Webhooks scheme. Three headers come with the raw
 * body: `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (one or more
 * space-separated entries `v1,<base64>`). The signature is `base64(HMAC-SHA256(key,
 * "{webhook-id}.{webhook-timestamp}.{raw body}"))`, where the key is the base64-decoded rest of a
 * `whsec_` secret, or the secret's own bytes otherwise.
 *
 * Everything here is sans-io: bytes, headers and a time in, a verdict or an event out. The receiver that
 * serves deliveries over HTTP and wakes waiting coroutines is in `paced/webhooks/receiver.hpp`.
 */

#include <paced/error.hpp>
#include <paced/response.hpp>
#include <paced/types/common.hpp>

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace paced::webhooks {

/** @brief Every way a webhook delivery can be refused, as error codes of `webhooks::error_category()`.
 *
 * The exceptions (`paced::error`) and `verdict::message` say more than the code: which header is
 * missing, how far the timestamp is off.
 */
enum class errc {
    missing_header = 1, ///< `webhook-id`, `webhook-timestamp` or `webhook-signature` absent or empty.
    invalid_timestamp,  ///< `webhook-timestamp` is not a decimal integer.
    timestamp_too_old,  ///< The timestamp is more than the tolerance before now (a replay, or a late retry).
    timestamp_too_new,  ///< The timestamp is more than the tolerance after now (a clock far off).
    no_matching_signature, ///< No entry of `webhook-signature` is the expected signature.
    invalid_secret,        ///< The secret is empty, or `whsec_` followed by something that is not base64.
    invalid_payload,       ///< The body verified but is not JSON, or not an event object.
    wait_timeout,          ///< `receiver::wait`: no event for the resource before the timeout.
};

/// The category of `webhooks::errc` (named "paced.webhooks").
boost::system::error_category const& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

/** @brief The documented event types (SPEC `webhooks`); any other type decodes to `unknown` and keeps its
 * string in `open_enum::raw`, so that a new event type is passed on rather than refused. */
enum class event_type {
    batch_cancelled,           ///< `batch.cancelled`
    batch_completed,           ///< `batch.completed`
    batch_expired,             ///< `batch.expired`
    batch_failed,              ///< `batch.failed`
    eval_run_canceled,         ///< `eval.run.canceled` (one "l", as the API spells it)
    eval_run_failed,           ///< `eval.run.failed`
    eval_run_succeeded,        ///< `eval.run.succeeded`
    fine_tuning_job_cancelled, ///< `fine_tuning.job.cancelled`
    fine_tuning_job_failed,    ///< `fine_tuning.job.failed`
    fine_tuning_job_succeeded, ///< `fine_tuning.job.succeeded`
    live_call_incoming,        ///< `live.call.incoming` (data holds `session_id`, not `id`)
    realtime_call_incoming,    ///< `realtime.call.incoming` (data holds `call_id`, not `id`)
    response_cancelled,        ///< `response.cancelled` (a background response)
    response_completed,        ///< `response.completed`
    response_failed,           ///< `response.failed`
    response_incomplete,       ///< `response.incomplete`
    unknown
};

/// The API's name of an event type ("response.completed"); empty for `unknown`.
std::string_view to_string(event_type t) noexcept;

/** @brief The `data` of an event: the id of the resource it is about. Fetch the resource by that id. */
struct event_data {
    std::string id{}; ///< `resp_…`, `batch_…`, `ftjob_…`, `evalrun_…`; empty for call events.
    boost::json::object extra{}; ///< Every other member (`call_id`, `sip_headers`, …).
};

/** @brief A webhook event: thin, it names a resource and what happened to it.
 *
 * `{"id":"evt_…","object":"event","type":"response.completed","created_at":1719168000,"data":{"id":"resp_…"}}`
 */
struct event {
    std::string id{};             ///< The event's id (`evt_…`), not the delivery's `webhook-id`.
    open_enum<event_type> type{}; ///< Unknown types are kept (`type.raw`), never rejected.
    std::int64_t created_at = 0;  ///< Unix seconds.
    event_data data{};            ///< The resource.
    boost::json::object extra{};  ///< Members the SDK does not know.
    boost::json::object raw{};    ///< The whole object as received (not written by `to_json`).
};

PACED_JSON_CONVERSIONS(event);

/** @brief How a delivery is checked. */
struct verify_options {
    /// How far the timestamp may be from now, both ways: the official SDKs' default, 5 minutes.
    std::chrono::seconds tolerance{300};
    /// The time to check the timestamp against; unset: `std::chrono::system_clock::now()`. Set it in tests
    /// instead of sleeping.
    std::optional<std::chrono::system_clock::time_point> now{};
};

/** @brief The outcome of checking a delivery: no code when it verified. */
struct verdict {
    boost::system::error_code code{}; ///< A `webhooks::errc`, or empty.
    std::string message{};            ///< "webhook: missing header 'webhook-id'", … (empty when verified).

    /// True when the delivery verified.
    explicit operator bool() const noexcept { return !code; }
};

/** @brief Checks a delivery exactly as the official SDKs' `verify_signature` / `verifySignature`.
 *
 * In order: the secret, the three headers (case-insensitive names; an empty value counts as missing),
 * the timestamp (a decimal integer, at most `tolerance` before or after now), then each
 * space-separated entry of `webhook-signature` (a `v1,` prefix stripped, an entry without it compared as
 * it is) against the expected signature, in constant time. One matching entry is enough.
 *
 * @param body the raw body, byte for byte as received: parsing and re-serialising JSON changes the
 * bytes and breaks the signature.
 * @param secret `whsec_<base64>` as the dashboard shows it, or the raw key.
 * @par Errors
 * None thrown; the verdict holds the first fault found, as listed above.
 * @par Thread safety
 * A pure function: safe from any thread.
 */
verdict check(std::string_view body, header_list const& headers, std::string_view secret,
              verify_options const& options = {});

/** @brief `check`, throwing when the delivery does not verify.
 * @par Errors
 * `paced::error` with a `webhooks::errc` code and the verdict's message.
 */
void verify(std::string_view body, header_list const& headers, std::string_view secret,
            verify_options const& options = {});

/** @brief Decodes the raw body of a delivery that is already verified into an event.
 * @par Errors
 * `paced::error` with `webhooks::errc::invalid_payload` when the body is not JSON or not an event
 * (`id`, `type`, `created_at` and `data` are required; the message names the offending member).
 */
event parse_event(std::string_view body);

/** @brief Verifies a delivery, then decodes its raw body (never re-serialised) into an event.
 *
 * @par Errors
 * `paced::error` with a `webhooks::errc`: the verdict of `check`, then `invalid_payload`.
 * @par Example
 * @code
 * paced::header_list headers{{"webhook-id", id}, {"webhook-timestamp", ts}, {"webhook-signature", sig}};
 * auto const e = paced::webhooks::unwrap(raw_body, headers, std::getenv("OPENAI_WEBHOOK_SECRET"));
 * if (e.type == paced::webhooks::event_type::response_completed)
 *     co_await fetch_response(e.data.id);
 * @endcode
 */
event unwrap(std::string_view body, header_list const& headers, std::string_view secret,
             verify_options const& options = {});

/** @brief The `webhook-signature` entry a sender would send: `v1,<base64 HMAC-SHA256>`.
 *
 * For testing a handler, or sending deliveries of one's own.
 * @par Errors
 * `paced::error` with `webhooks::errc::invalid_secret` for a secret `check` would refuse.
 */
std::string sign(std::string_view secret, std::string_view webhook_id, std::int64_t timestamp,
                 std::string_view body);

} // namespace paced::webhooks

template <>
struct boost::system::is_error_code_enum<paced::webhooks::errc> : std::true_type {};
