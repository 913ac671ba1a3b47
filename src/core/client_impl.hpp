#pragma once
// The request executor: ONE coroutine per logical request, through which every byte leaves.
//   loop over attempts: budget.acquire -> pool.exchange -> budget.observe -> retry_policy.decide

#include <paced/client_options.hpp>
#include <paced/error.hpp>
#include <paced/pacing/async_semaphore.hpp>
#include <paced/pacing/budget.hpp>
#include <paced/request_options.hpp>

#include "transport/connection_pool.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

namespace paced::detail {

/// One logical API request, as the resources build it.
struct api_request {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string path; ///< Relative to the base URL's path, e.g. "/threads/thread_abc/runs".
    std::vector<std::pair<std::string, std::string>> query;
    std::variant<std::monostate, transport::buffer_body, transport::multipart_form> body;
    bool assistants_beta = false; ///< Send `OpenAI-Beta: assistants=v2`.
    /// Whether re-sending after an ambiguous failure is harmless. Defaults from the method in execute().
    std::optional<bool> idempotent;
    budget_scope scope;
    budget_cost cost;
    std::string_view route; ///< A stable name for logs and metrics, e.g. "runs.retrieve".
};

struct api_response {
    unsigned status = 0;
    header_list headers;
    std::string body;
};

/// A 2xx answer whose body is read incrementally (server-sent events, downloads).
struct api_stream {
    unsigned status = 0;
    header_list headers;
    std::unique_ptr<transport::body_stream> body;
};

/// Counters readable at any time (atomics: the executor may run on several threads).
struct metrics_counters {
    std::atomic<std::uint64_t> requests{0};     ///< HTTP attempts sent (retries included).
    std::atomic<std::uint64_t> responses{0};    ///< Answers received.
    std::atomic<std::uint64_t> rate_limited{0}; ///< 429 rate_limit_exceeded answers.
    std::atomic<std::uint64_t> retries{0};
    std::atomic<std::uint64_t> failures{0};               ///< Logical requests that ended in an error.
    std::atomic<std::uint64_t> budget_wait_ns{0};         ///< Finished waits.
    std::atomic<std::uint64_t> budget_waiting{0};         ///< Waits under way.
    std::atomic<std::int64_t> budget_waiting_since_ns{0}; ///< The sum of their starts (steady clock).
    std::atomic<std::uint64_t> stale_connection_retries{0};
};

/// A parsed base URL.
struct endpoint {
    transport::origin origin;
    std::string base_path; ///< e.g. "/v1" (no trailing slash).
};

/// Parses and checks a base URL (http or https, host, optional port and path).
/// Throws paced::error(errc::invalid_argument).
endpoint parse_base_url(std::string_view url);

class client_impl : public std::enable_shared_from_this<client_impl> {
public:
    client_impl(boost::asio::any_io_executor ex, client_options opts);

    boost::asio::any_io_executor const& executor() const noexcept { return executor_; }
    client_options const& options() const noexcept { return options_; }
    budget& pacing() noexcept { return *budget_; }
    std::shared_ptr<budget> const& pacing_ptr() const noexcept { return budget_; }
    metrics_counters& counters() noexcept { return counters_; }
    transport::connection_pool& pool() noexcept { return pool_; }

    /** Runs one logical request to its final answer: paces, sends, retries, decodes errors.
     * Returns the 2xx answer; throws paced::error for anything else (after the retries allowed). */
    boost::asio::awaitable<api_response> execute(api_request req, request_options const& opts = {});

    /** Like execute(), but returns once a 2xx response head arrived; the body is read from the stream
     * (each read bounded by the request timeout). Error answers are read whole and thrown as usual. */
    boost::asio::awaitable<api_stream> open(api_request req, request_options const& opts = {});

    /// Remembers the model of an assistant (seen in an answer), so that runs are paced in the model's scope.
    void remember_model(std::string const& assistant_id, std::string const& model);
    std::string model_of(std::string const& assistant_id) const;

    void log(log_level level, std::string_view message) const;

    /// A random tag for client-generated ids (deduplication of ambiguous creates).
    std::string random_tag();

    /// @name Token bookkeeping for pacing (keyed by opaque ids, so it serves any API)
    /// Bytes of context this client has put into a container (a thread), used to estimate the prompt
    /// tokens of the work started on it. Bounded: the table is cleared when it grows past 100k entries.
    void add_context_bytes(std::string const& key, std::uint64_t bytes);
    std::uint64_t context_bytes(std::string const& key) const;
    void forget_context(std::string const& key);
    /// Remembers the token estimate charged for a job (a run), to correct it once the usage is known.
    void note_token_estimate(std::string const& job_id, budget_scope scope, std::uint64_t tokens);
    /// Corrects the charge of a finished job by (actual - estimate) and forgets it. No-op when unknown.
    void settle_tokens(std::string const& job_id, std::uint64_t actual_tokens);
    /// The scope a job was charged in, while its estimate is remembered.
    std::optional<budget_scope> job_scope(std::string const& job_id) const;

    /// The lock that lets one turn at a time work on a conversation (the server refuses a second with
    /// conversation_locked). Made on first use; the table drops locks nobody holds as it grows.
    std::shared_ptr<async_semaphore> conversation_lock(std::string const& conversation_id);

private:
    /// What the attempt loop does next (an applied sansio::attempt_verdict).
    struct next_step {
        bool done = false;                 ///< A 2xx answer: return it.
        std::chrono::nanoseconds delay{0}; ///< Otherwise: wait this long, then try again.
        bool rate_limited = false;         ///< The retry follows a 429 rate_limit_exceeded.
    };
    /// A request's progress across its attempts.
    struct request_progress {
        std::chrono::steady_clock::time_point started;
        std::chrono::nanoseconds budget_waited{0}; ///< Every attempt's wait for the budget.
        int attempts = 0;                          ///< Attempts before the current one.
        int rate_limit_retries = 0;                ///< Of those, the retries after a 429 rate_limit_exceeded.
    };
    /// What one attempt came to: an answer, or the transport's exception and its code.
    struct attempt_result {
        std::optional<transport::response> response;
        std::exception_ptr transport_failure;
        boost::system::error_code transport_code;
        std::chrono::nanoseconds budget_wait{0}; ///< This attempt's wait for the budget.
    };

    /// The attempt loop. A template over the result (whole body or stream) rather than a shared coroutine
    /// behind execute() and open(): each suspended request then holds one frame instead of two, and only
    /// the state that lives across a suspension (g++ keeps every named local of a coroutine in its frame).
    template <bool Streamed>
    boost::asio::awaitable<std::conditional_t<Streamed, api_stream, api_response>>
    run_attempts(std::shared_ptr<client_impl> self, api_request req, request_options const& opts);
    /// One attempt's exchange on a reserved slot, in a frame that exists only while connected: builds the
    /// wire request and fills `resp` (and `stream` when Streamed and the answer is a 2xx).
    template <bool Streamed>
    boost::asio::awaitable<void>
    send_on(transport::connection_pool::lease slot, api_request const& req, request_options const& opts,
            std::chrono::steady_clock::time_point deadline, std::optional<transport::response>& resp,
            std::unique_ptr<transport::body_stream>& stream);
    /// Counts an attempt that passed the budget after waiting `wait`.
    void note_attempt(std::chrono::nanoseconds wait, request_options const& opts);
    /// Judges an attempt (sansio::judge_attempt) and carries the verdict out: counters, logs, metadata,
    /// the budget's observe/refused, closing idle connections. Returns done for a 2xx answer or a retry
    /// delay; throws the final error.
    next_step settle(api_request const& req, request_options const& opts, request_progress const& progress,
                     attempt_result const& result);
    transport::request build_request(api_request const& req, request_options const& opts) const;
    double next_uniform();

    boost::asio::any_io_executor executor_;
    client_options options_;
    endpoint endpoint_;
    transport::connection_pool pool_;
    std::shared_ptr<budget> budget_;
    metrics_counters counters_;
    std::string user_agent_;

    mutable std::mutex mutex_; // guards rng_ and assistant_models_ (cheap, rarely contended)
    std::mt19937_64 rng_;
    std::unordered_map<std::string, std::string> assistant_models_;
    std::unordered_map<std::string, std::uint64_t> context_bytes_;
    struct token_estimate {
        budget_scope scope;
        std::uint64_t tokens;
    };
    std::unordered_map<std::string, token_estimate> token_estimates_;
    std::unordered_map<std::string, std::shared_ptr<async_semaphore>> conversation_locks_;
};

/// Builds the api_error of a non-2xx answer from its body (OpenAI's error envelope) and headers.
api_error make_api_error(unsigned status, header_list const& headers, std::string_view body,
                         std::chrono::system_clock::time_point now);

} // namespace paced::detail
