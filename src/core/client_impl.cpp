#include "core/client_impl.hpp"

#include <paced/pacing/local_budget.hpp>
#include <paced/version.hpp>

#include "sansio/attempt_verdict.hpp"
#include "sansio/retry_hints.hpp"
#include "transport/proxy_env.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <cstdio>

namespace paced::detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using std::chrono::steady_clock;

namespace {

bool is_unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void percent_encode(std::string& out, std::string_view in) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (char c : in) {
        if (is_unreserved(c)) {
            out += c;
        } else {
            auto b = static_cast<unsigned char>(c);
            out += '%';
            out += hex[b >> 4];
            out += hex[b & 15];
        }
    }
}

std::string redact(std::string text, std::string_view secret) {
    // A server may echo the key (or a part of it) in an error message; the key never leaves the client.
    if (secret.size() >= 4) {
        for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos))
            text.replace(pos, secret.size(), "[redacted]");
    }
    return text;
}

double seconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
}

} // namespace

endpoint parse_base_url(std::string_view url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed)
        throw_error(errc::invalid_argument, "base_url: not an absolute URL: " + std::string{url});
    endpoint ep;
    auto scheme = parsed->scheme();
    if (scheme == "https")
        ep.origin.tls = true;
    else if (scheme == "http")
        ep.origin.tls = false;
    else
        throw_error(errc::invalid_argument, "base_url: scheme must be http or https: " + std::string{url});
    if (parsed->has_userinfo() || parsed->has_query() || parsed->has_fragment())
        throw_error(errc::invalid_argument, "base_url: must not contain credentials, a query or a fragment");
    ep.origin.host = std::string{parsed->host_name().empty() ? parsed->encoded_host() : parsed->host_name()};
    if (parsed->host_type() == boost::urls::host_type::ipv6)
        ep.origin.host = std::string{parsed->encoded_host_address()};
    if (ep.origin.host.empty())
        throw_error(errc::invalid_argument, "base_url: no host: " + std::string{url});
    if (parsed->has_port()) {
        auto port = parsed->port_number();
        if (port == 0)
            throw_error(errc::invalid_argument, "base_url: bad port: " + std::string{url});
        ep.origin.port = port;
    } else {
        ep.origin.port = ep.origin.tls ? 443 : 80;
    }
    ep.base_path = std::string{parsed->encoded_path()};
    while (!ep.base_path.empty() && ep.base_path.back() == '/')
        ep.base_path.pop_back();
    return ep;
}

api_error make_api_error(unsigned status, header_list const& headers, std::string_view body,
                         std::chrono::system_clock::time_point now) {
    api_error e;
    e.status = status;
    e.headers = headers;
    if (auto id = headers.find("x-request-id"))
        e.request_id = std::string{*id};
    boost::system::error_code ec;
    auto doc = boost::json::parse(body, ec);
    boost::json::object const* err = nullptr;
    if (!ec && doc.is_object()) {
        auto const& obj = doc.get_object();
        if (auto it = obj.find("error"); it != obj.end() && it->value().is_object())
            err = &it->value().get_object();
        else
            err = &obj; // some compatible servers answer with a bare error object
    }
    auto text = [&](char const* key) -> std::optional<std::string> {
        if (!err)
            return std::nullopt;
        auto it = err->find(key);
        if (it == err->end() || !it->value().is_string())
            return std::nullopt;
        return std::string{it->value().get_string()};
    };
    if (auto m = text("message"))
        e.message = *m;
    else
        e.message = std::to_string(status) + " status code" + (body.empty() ? " (no body)" : "");
    e.type = text("type").value_or("");
    e.code = text("code");
    e.param = text("param");
    e.retry_after = sansio::parse_retry_after(headers, e.message, now);
    return e;
}

client_impl::client_impl(asio::any_io_executor ex, client_options opts)
    : executor_(ex), options_(std::move(opts)), endpoint_(parse_base_url(options_.base_url)),
      pool_(ex,
            transport::pool_options{
                .max_connections_per_origin = options_.max_connections,
                .idle_timeout = options_.idle_timeout,
                .connect_timeout = options_.connect_timeout,
                .max_body_bytes = options_.max_response_bytes,
                .ca_file = options_.ca_file,
                .proxy = options_.proxy_from_env
                             ? transport::proxy_for(endpoint_.origin, transport::getenv_lookup)
                             : std::nullopt,
                .no_proxy = {}, // already applied by proxy_for
            }),
      budget_(options_.pacing), user_agent_(std::string{"paced/"} + version_string),
      rng_(std::random_device{}()) {
    if (options_.api_key.empty())
        throw_error(errc::missing_api_key, "no API key: set OPENAI_API_KEY or client_options::api_key");
    if (options_.max_retries < 0)
        throw_error(errc::invalid_argument, "max_retries: must be >= 0");
    if (options_.max_rate_limit_retries < 0)
        throw_error(errc::invalid_argument, "max_rate_limit_retries: must be >= 0");
    if (!budget_)
        budget_ = std::make_shared<local_budget>(ex, budget_options{});
}

double client_impl::next_uniform() {
    std::lock_guard lock(mutex_);
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void client_impl::remember_model(std::string const& assistant_id, std::string const& model) {
    if (assistant_id.empty() || model.empty())
        return;
    std::lock_guard lock(mutex_);
    assistant_models_[assistant_id] = model;
}

std::string client_impl::model_of(std::string const& assistant_id) const {
    std::lock_guard lock(mutex_);
    auto it = assistant_models_.find(assistant_id);
    return it == assistant_models_.end() ? std::string{} : it->second;
}

std::string client_impl::random_tag() {
    std::lock_guard lock(mutex_);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 2; ++i) {
        auto v = rng_();
        for (int b = 0; b < 16; ++b, v >>= 4)
            out += hex[v & 15];
    }
    return out;
}

namespace {
constexpr std::size_t max_tracked_entries = 100'000;
}

void client_impl::add_context_bytes(std::string const& key, std::uint64_t bytes) {
    std::lock_guard lock(mutex_);
    if (context_bytes_.size() >= max_tracked_entries && !context_bytes_.contains(key))
        context_bytes_.clear(); // estimates only: losing them makes later estimates smaller, never unsafe
    context_bytes_[key] += bytes;
}

std::uint64_t client_impl::context_bytes(std::string const& key) const {
    std::lock_guard lock(mutex_);
    auto it = context_bytes_.find(key);
    return it == context_bytes_.end() ? 0 : it->second;
}

void client_impl::forget_context(std::string const& key) {
    std::lock_guard lock(mutex_);
    context_bytes_.erase(key);
}

void client_impl::note_token_estimate(std::string const& job_id, budget_scope scope, std::uint64_t tokens) {
    std::lock_guard lock(mutex_);
    if (token_estimates_.size() >= max_tracked_entries)
        token_estimates_.clear();
    token_estimates_[job_id] = token_estimate{std::move(scope), tokens};
}

void client_impl::settle_tokens(std::string const& job_id, std::uint64_t actual_tokens) {
    token_estimate est;
    {
        std::lock_guard lock(mutex_);
        auto it = token_estimates_.find(job_id);
        if (it == token_estimates_.end())
            return;
        est = std::move(it->second);
        token_estimates_.erase(it);
    }
    auto delta = static_cast<std::int64_t>(actual_tokens) - static_cast<std::int64_t>(est.tokens);
    if (delta != 0)
        budget_->adjust_tokens(est.scope, delta);
}

std::shared_ptr<async_semaphore> client_impl::conversation_lock(std::string const& conversation_id) {
    std::lock_guard lock(mutex_);
    if (conversation_locks_.size() >= 1024)
        std::erase_if(conversation_locks_, [](auto const& entry) {
            // Only the table holds it, and nobody holds a permit: no turn is on that conversation.
            return entry.second.use_count() == 1 && entry.second->available() == 1;
        });
    auto& slot = conversation_locks_[conversation_id];
    if (!slot)
        slot = std::make_shared<async_semaphore>(1, semaphore_options{.thread_safe = true});
    return slot;
}

std::optional<budget_scope> client_impl::job_scope(std::string const& job_id) const {
    std::lock_guard lock(mutex_);
    auto it = token_estimates_.find(job_id);
    if (it == token_estimates_.end())
        return std::nullopt;
    return it->second.scope;
}

void client_impl::log(log_level level, std::string_view message) const {
    if (options_.log.enabled(level))
        options_.log.sink(level, redact(std::string{message}, options_.api_key));
}

transport::request client_impl::build_request(api_request const& req, request_options const& opts) const {
    transport::request out;
    out.method = req.method;
    out.replayable = req.idempotent.value_or(req.method != http::verb::post);
    out.target = endpoint_.base_path + req.path;
    char sep = '?';
    for (auto const& [k, v] : req.query) {
        out.target += sep;
        sep = '&';
        percent_encode(out.target, k);
        out.target += '=';
        percent_encode(out.target, v);
    }
    for (auto const& f : options_.default_headers)
        out.headers.set(f.first, f.second);
    for (auto const& f : opts.extra_headers)
        out.headers.set(f.first, f.second);
    // The SDK's own headers go last so that defaults can never replace the credentials.
    out.headers.set("Authorization", "Bearer " + options_.api_key);
    out.headers.set("User-Agent", user_agent_);
    if (!out.headers.find("Accept"))
        out.headers.set("Accept", "application/json");
    if (!options_.organization.empty())
        out.headers.set("OpenAI-Organization", options_.organization);
    if (!options_.project.empty())
        out.headers.set("OpenAI-Project", options_.project);
    if (req.assistants_beta)
        out.headers.set("OpenAI-Beta", "assistants=v2");
    out.body = req.body;
    return out;
}

asio::awaitable<api_response> client_impl::execute(api_request req, request_options const& opts) {
    // Not a coroutine: the attempt loop's frame is the only one a suspended request holds. `self`
    // keeps the client alive while the request is in flight.
    return run_attempts<false>(shared_from_this(), std::move(req), opts);
}

asio::awaitable<api_stream> client_impl::open(api_request req, request_options const& opts) {
    return run_attempts<true>(shared_from_this(), std::move(req), opts);
}

namespace {

/// Reads a whole (error) body from a stream, bounded.
asio::awaitable<std::string> drain(transport::body_stream& stream, std::size_t limit) {
    std::string out;
    for (;;) {
        auto piece = co_await stream.read_some();
        if (piece.empty())
            co_return out;
        if (out.size() + piece.size() > limit)
            throw_error(errc::body_too_large, "error body exceeds " + std::to_string(limit) + " bytes");
        out += piece;
    }
}

/// Counts a wait for the budget as under way while it lasts (client_metrics::waiting_for_budget).
class budget_wait_gauge {
public:
    budget_wait_gauge(metrics_counters& c, steady_clock::time_point start) noexcept
        : counters_(c), start_(start.time_since_epoch().count()) {
        counters_.budget_waiting_since_ns += start_;
        ++counters_.budget_waiting;
    }
    ~budget_wait_gauge() {
        --counters_.budget_waiting;
        counters_.budget_waiting_since_ns -= start_;
    }
    budget_wait_gauge(budget_wait_gauge const&) = delete;
    budget_wait_gauge& operator=(budget_wait_gauge const&) = delete;

private:
    metrics_counters& counters_;
    std::int64_t start_;
};

/// The wait before a retry, in a frame of its own that exists only while retrying.
asio::awaitable<void> sleep_for(asio::any_io_executor ex, std::chrono::nanoseconds delay) {
    asio::steady_timer timer(ex, delay);
    co_await timer.async_wait(asio::use_awaitable);
}

} // namespace

void client_impl::note_attempt(std::chrono::nanoseconds wait, request_options const& opts) {
    counters_.budget_wait_ns += static_cast<std::uint64_t>(wait.count());
    counters_.requests++;
    if (opts.attempts)
        ++*opts.attempts;
}

template <bool Streamed>
asio::awaitable<void> client_impl::send_on(transport::connection_pool::lease slot, api_request const& req,
                                           request_options const& opts, steady_clock::time_point deadline,
                                           std::optional<transport::response>& resp,
                                           std::unique_ptr<transport::body_stream>& stream) {
    // The wire request is built once a connection is free: with thousands of requests queued for
    // `max_connections`, each then holds only its api_request (method, path, body).
    auto const request = build_request(req, opts);
    if constexpr (Streamed) {
        auto opened = pool_.open(std::move(slot), request, deadline);
        stream = co_await std::move(opened);
        resp.emplace();
        resp->status = stream->status();
        resp->headers = stream->headers();
        if (resp->status < 200 || resp->status >= 300) {
            resp->body = co_await drain(*stream, options_.max_response_bytes);
            stream.reset();
        }
    } else {
        auto exchanged = pool_.exchange(std::move(slot), request, deadline);
        resp = co_await std::move(exchanged);
    }
}

template <bool Streamed>
asio::awaitable<std::conditional_t<Streamed, api_stream, api_response>>
client_impl::run_attempts(std::shared_ptr<client_impl> self, api_request req, request_options const& opts) {
    // Only what must survive a suspension is named here; everything else is in settle().
    request_progress progress{.started = steady_clock::now()};
    for (;; ++progress.attempts) {
        attempt_result result;
        std::unique_ptr<transport::body_stream> stream;
        // A connection slot first, then the budget, then at once the exchange: a request admitted by the
        // budget and then kept waiting for a connection (every slot held by a streamed run) would reach
        // the server late and bunched with others, outside the limits the budget kept.
        std::optional<transport::connection_pool::lease> slot;
        try {
            auto reserved = self->pool_.try_reserve(
                self->endpoint_.origin,
                steady_clock::now() + opts.timeout.value_or(self->options_.request_timeout));
            if (auto* queued = std::get_if<transport::connection_pool::place>(&reserved)) {
                // Waited for in this frame: thousands of requests may be queued for a connection.
                auto [ec] = co_await queued->wait();
                slot.emplace(queued->take(ec));
            } else {
                slot.emplace(std::move(std::get<transport::connection_pool::lease>(reserved)));
            }
        } catch (paced::error const& e) {
            result.transport_failure = std::current_exception(); // no slot before the deadline: nothing sent
            result.transport_code = e.code();
        }
        if (slot) {
            auto const wait_start = steady_clock::now();
            {
                auto acquired = self->budget_->acquire(req.scope, req.cost);
                budget_wait_gauge gauge(self->counters_, wait_start);
                co_await std::move(acquired);
            }
            result.budget_wait = steady_clock::now() - wait_start;
            progress.budget_waited += result.budget_wait;
            self->note_attempt(result.budget_wait, opts);
            try {
                auto const deadline =
                    steady_clock::now() + opts.timeout.value_or(self->options_.request_timeout);
                auto sent =
                    self->send_on<Streamed>(std::move(*slot), req, opts, deadline, result.response, stream);
                co_await std::move(sent);
            } catch (paced::error const& e) {
                result.response.reset();
                stream.reset();
                result.transport_failure = std::current_exception();
                result.transport_code = e.code();
            }
        }
        auto const next = self->settle(req, opts, progress, result);
        if (next.done) {
            auto& resp = *result.response;
            if constexpr (Streamed)
                co_return api_stream{resp.status, std::move(resp.headers), std::move(stream)};
            else
                co_return api_response{resp.status, std::move(resp.headers), std::move(resp.body)};
        }
        if (next.rate_limited)
            ++progress.rate_limit_retries;
        co_await sleep_for(self->executor_, next.delay);
    }
}

client_impl::next_step client_impl::settle(api_request const& req, request_options const& opts,
                                           request_progress const& progress, attempt_result const& result) {
    using action = sansio::attempt_verdict::action;
    auto const now = std::chrono::system_clock::now();
    transport::response const* const resp = result.response ? &*result.response : nullptr;
    char const* method = http::to_string(req.method).data();
    int const attempt = progress.attempts; // attempts before this one

    // The error envelope of a non-2xx answer (a 2xx body is the caller's, not read here).
    bool const succeeded = resp && resp->status >= 200 && resp->status < 300;
    std::optional<api_error> api;
    sansio::attempt_outcome outcome = sansio::attempt_transport_failure{result.transport_code};
    if (resp) {
        if (!succeeded) {
            api = make_api_error(resp->status, resp->headers, resp->body, now);
            api->message = redact(std::move(api->message), options_.api_key);
        }
        outcome = sansio::attempt_answer{
            .status = resp->status,
            .headers = &resp->headers,
            .error_code = api && api->code ? std::string_view{*api->code} : std::string_view{},
            .error_type = api ? std::string_view{api->type} : std::string_view{},
            .error_message = api ? std::string_view{api->message} : std::string_view{},
        };
    }
    auto const verdict = sansio::judge_attempt(
        outcome,
        sansio::attempt_counts{.attempts_before = attempt, .rate_limit_retries = progress.rate_limit_retries},
        req.idempotent.value_or(req.method != http::verb::post),
        sansio::attempt_limits{.max_retries = opts.max_retries.value_or(options_.max_retries),
                               .max_rate_limit_retries = options_.max_rate_limit_retries,
                               .max_retry_delay = options_.max_retry_delay},
        // The jitter's draw (a lock on the client's generator) only where a retry can follow, not on
        // every request's path.
        now, succeeded ? 0.0 : next_uniform());

    auto fill_metadata = [&] {
        if (!opts.metadata)
            return;
        opts.metadata->status = resp ? resp->status : 0;
        opts.metadata->headers = resp ? resp->headers : header_list{};
        opts.metadata->request_id = std::string{resp ? resp->headers.find("x-request-id").value_or("") : ""};
        opts.metadata->attempts = attempt + 1;
        opts.metadata->budget_wait = progress.budget_waited;
        opts.metadata->elapsed = steady_clock::now() - progress.started;
    };

    if (resp) {
        counters_.responses++;
        if (!verdict.observed.empty())
            budget_->observe(req.scope, verdict.observed);
        if (options_.log.enabled(log_level::debug)) {
            char line[512];
            std::snprintf(line, sizeof line, "%s %s -> %u attempt %d waited %.3fs %s", method,
                          (endpoint_.base_path + req.path).c_str(), resp->status, attempt + 1,
                          seconds(result.budget_wait),
                          std::string{resp->headers.find("x-request-id").value_or("")}.c_str());
            log(log_level::debug, line);
        }
    } else {
        if (verdict.close_idle_connections)
            pool_.close_idle(); // the peer may have gone away: do not reuse its other connections
        if (options_.log.enabled(log_level::debug))
            log(log_level::debug, std::string{method} + " " + endpoint_.base_path + req.path + " -> " +
                                      result.transport_code.message() + " attempt " +
                                      std::to_string(attempt + 1));
    }

    switch (verdict.what) {
    case action::return_answer:
        fill_metadata();
        return {.done = true};
    case action::refuse_redirect:
        fill_metadata();
        counters_.failures++;
        api->message = "redirect refused (" + std::to_string(resp->status) + " to " +
                       std::string{resp->headers.find("location").value_or("?")} + ")";
        throw error(verdict.error, std::move(*api));
    case action::fail:
    case action::retry:
        break;
    }

    if (verdict.refusal) {
        counters_.rate_limited++;
        budget_->refused(req.scope, *verdict.refusal);
    }
    if (verdict.what == action::fail) {
        counters_.failures++;
        fill_metadata();
        if (verdict.rethrow_transport_failure)
            std::rethrow_exception(result.transport_failure);
        throw error(verdict.error, std::move(*api));
    }
    counters_.retries++;
    if (options_.log.enabled(log_level::info)) {
        char line[256];
        std::snprintf(line, sizeof line, "retrying %s %s in %.3fs (%.*s)", method,
                      (endpoint_.base_path + req.path).c_str(),
                      std::chrono::duration<double>(verdict.delay).count(),
                      static_cast<int>(verdict.reason.size()), verdict.reason.data());
        log(log_level::info, line);
    }
    return {.done = false, .delay = verdict.delay, .rate_limited = verdict.rate_limit_retry};
}

} // namespace paced::detail
