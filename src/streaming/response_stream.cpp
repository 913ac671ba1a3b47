// Streamed responses: decoding of their events, the text they carry, and the stream that resumes after
// a break from the last event it delivered.

#include "streaming/response_stream_impl.hpp"

#include "resources/call.hpp"
#include "resources/response_accounting.hpp"
#include "streaming/stream_error.hpp"

#include <boost/json/monotonic_resource.hpp>

#include <array>

namespace paced::detail {

namespace {

constexpr std::array<std::string_view, 6> lifecycle_events = {"response.created",     "response.queued",
                                                              "response.in_progress", "response.completed",
                                                              "response.failed",      "response.incomplete"};

bool is_lifecycle_event(std::string_view type) noexcept {
    for (auto t : lifecycle_events)
        if (t == type)
            return true;
    return false;
}

} // namespace

response_event decode_response_event(sansio::sse_event const& ev) {
    // The document lives only while the event is decoded: its nodes come from the stack first.
    unsigned char scratch[transient_json_bytes];
    boost::json::monotonic_resource transient(scratch, sizeof scratch);
    std::string_view const what = ev.event.empty() ? std::string_view{"event"} : std::string_view{ev.event};
    auto const jv = parse_body(ev.data, what, &transient);
    auto const* obj = jv.if_object();
    if (!obj)
        throw_error(errc::unexpected_json, std::string{what} + ": expected an object");
    response_event out;
    if (auto const* t = obj->if_contains("type"); t && t->is_string())
        out.type = std::string{t->get_string()};
    else
        out.type = ev.event;
    if (auto const* s = obj->if_contains("sequence_number"); s && s->is_int64())
        out.sequence_number = s->get_int64();
    else if (s && s->is_uint64())
        out.sequence_number = static_cast<std::int64_t>(std::min<std::uint64_t>(s->get_uint64(), INT64_MAX));
    std::string_view const type = out.type;
    if (type == "error" || ev.event == "error")
        throw_stream_error(ev.data);
    if (is_lifecycle_event(type))
        out.data = from_json<response_lifecycle_event>(jv);
    else if (type == "response.output_item.added" || type == "response.output_item.done")
        out.data = from_json<response_output_item_event>(jv);
    else if (type == "response.output_text.delta")
        out.data = from_json<response_text_delta_event>(jv);
    else if (type == "response.output_text.done")
        out.data = from_json<response_text_done_event>(jv);
    else if (type == "response.function_call_arguments.delta" ||
             type == "response.function_call_arguments.done")
        out.data = from_json<response_function_arguments_event>(jv);
    else
        out.data = response_other_event{boost::json::object(*obj)}; // newer events are kept, never an error
    return out;
}

void response_text::set(part_key key, std::string const& text) {
    auto& part = parts_[key];
    kept_ -= part.size();
    if (text.size() > limit_ - kept_)
        throw_error(errc::body_too_large, "response stream: its text exceeds max_response_bytes (" +
                                              std::to_string(limit_) + " bytes)");
    part = text;
    kept_ += part.size();
}

void response_text::append(part_key key, std::string const& piece) {
    if (piece.size() > limit_ - kept_)
        throw_error(errc::body_too_large, "response stream: its text exceeds max_response_bytes (" +
                                              std::to_string(limit_) + " bytes)");
    parts_[key] += piece;
    kept_ += piece.size();
}

void response_text::apply(response_event const& ev) {
    if (auto const* d = ev.get<response_text_delta_event>()) {
        append({d->output_index, d->content_index}, d->delta);
    } else if (auto const* t = ev.get<response_text_done_event>()) {
        set({t->output_index, t->content_index}, t->text); // the done event is authoritative
    } else if (auto const* i = ev.get<response_output_item_event>();
               i && ev.type == "response.output_item.done") {
        if (auto const* m = std::get_if<output_message>(&i->item))
            for (std::size_t c = 0; c < m->content.size(); ++c)
                if (auto const* part = std::get_if<output_text_part>(&m->content[c]))
                    set({i->output_index, static_cast<std::int64_t>(c)}, part->text);
    }
}

std::string response_text::text() const {
    std::string out;
    out.reserve(kept_);
    for (auto const& [key, part] : parts_)
        out += part;
    return out;
}

response_stream_impl::response_stream_impl(std::shared_ptr<client_impl> client, api_stream stream,
                                           request_options request)
    : text(client->options().max_response_bytes), client_(std::move(client)), stream_(std::move(stream)),
      request_(std::move(request)) {
    request_.metadata = nullptr; // the caller's metadata describes the creation, not a resumption
}

namespace {
/// How long a finished event stream may take to end its body before its connection is dropped instead.
constexpr std::chrono::milliseconds response_stream_end_patience{100};
} // namespace

void response_stream_impl::learn(response_event const& ev) {
    if (auto const* r = ev.response()) {
        if (!r->id.empty() && response_id.empty() && estimate) {
            client_->note_token_estimate(r->id, std::move(estimate->first), estimate->second);
            estimate.reset();
        }
        if (!r->id.empty())
            response_id = r->id;
        if (r->background)
            background = *r->background;
        observe_response(*client_, *r);
        last_response = *r;
    }
    text.apply(ev);
}

boost::asio::awaitable<std::optional<response_event>> response_stream_impl::next() {
    for (;;) {
        if (done)
            co_return std::nullopt;
        if (terminal_seen_) {
            // The response has ended: what follows ([DONE], the body's last chunk) is read and dropped so
            // that the connection can be reused.
            done = true;
            pending_.clear();
            if (!ended_)
                co_await stream_.body->discard_rest(response_stream_end_patience);
            co_return std::nullopt;
        }
        while (!pending_.empty()) {
            auto raw = std::move(pending_.front());
            pending_.pop_front();
            if (raw.is_done()) {
                terminal_seen_ = true; // a server that ends its streams with [DONE] (Open Responses)
                break;
            }
            auto ev = decode_response_event(raw);
            if (!cursor.accept(ev.sequence_number))
                continue; // replayed by a resumption that started earlier than asked
            learn(ev);
            if (ev.type == "keepalive")
                continue;
            if (is_terminal_event(ev.type))
                terminal_seen_ = true;
            co_return ev;
        }
        if (terminal_seen_)
            continue;
        if (ended_) {
            std::string what = "response stream ended before its response did";
            if (!response_id.empty())
                what += " (response " + response_id + ")";
            throw_error(errc::stream_truncated, what);
        }
        auto piece = co_await stream_.body->read_some();
        if (piece.empty()) {
            parser_.finish();
            ended_ = true;
            continue;
        }
        scratch_.clear();
        parser_.feed(piece, scratch_);
        for (auto& e : scratch_)
            pending_.push_back(std::move(e));
    }
}

boost::asio::awaitable<void> response_stream_impl::resume() {
    if (done)
        throw_error(errc::invalid_argument, "response_stream: the stream has ended");
    if (!background || response_id.empty() || !cursor.resumable())
        throw_error(errc::invalid_argument,
                    "response_stream: only a named background response with numbered events can be resumed");
    query_params query{{"stream", "true"}};
    if (auto last = cursor.last())
        query.emplace_back("starting_after", std::to_string(*last));
    auto req = plain_request(verb::get, make_path("responses", response_id), "responses.retrieve_stream",
                             not_assistants_beta, std::move(query));
    auto opened = co_await client_->open(std::move(req), stream_options(request_));
    stream_ = std::move(opened);
    parser_ = sansio::sse_parser{};
    pending_.clear();
    ended_ = false;
}

} // namespace paced::detail

namespace paced {

bool is_terminal_event(std::string_view type) noexcept {
    return type == "response.completed" || type == "response.failed" || type == "response.incomplete" ||
           type == "response.cancelled";
}

response_stream::response_stream() = default;
response_stream::response_stream(std::unique_ptr<detail::response_stream_impl> impl)
    : impl_(std::move(impl)) {}
response_stream::response_stream(response_stream&&) noexcept = default;
response_stream& response_stream::operator=(response_stream&&) noexcept = default;
response_stream::~response_stream() = default;

namespace {

boost::asio::awaitable<std::optional<response_event>> empty_response_stream() {
    throw_error(errc::invalid_argument, "response_stream: empty stream");
    co_return std::nullopt;
}

boost::asio::awaitable<response> read_response_to_end(detail::response_stream_impl* impl) {
    if (!impl)
        throw_error(errc::invalid_argument, "response_stream: empty stream");
    for (;;) { // the event is named: see read_until_done in run_stream.cpp (g++ 12)
        auto ev = co_await impl->next();
        if (!ev)
            break;
    }
    if (!impl->last_response)
        throw_error(errc::stream_truncated, "response stream ended without a response");
    co_return *impl->last_response;
}

boost::asio::awaitable<void> resume_stream(detail::response_stream_impl* impl) {
    if (!impl)
        throw_error(errc::invalid_argument, "response_stream: empty stream");
    co_await impl->resume();
}

} // namespace

boost::asio::awaitable<std::optional<response_event>> response_stream::next() {
    if (!impl_)
        return empty_response_stream();
    return impl_->next();
}

boost::asio::awaitable<response> response_stream::until_done() {
    return read_response_to_end(impl_.get());
}

boost::asio::awaitable<void> response_stream::resume() {
    return resume_stream(impl_.get());
}

std::optional<response> const& response_stream::last_response() const noexcept {
    static std::optional<response> const none;
    return impl_ ? impl_->last_response : none;
}

std::string const& response_stream::response_id() const noexcept {
    static std::string const none;
    return impl_ ? impl_->response_id : none;
}

std::string response_stream::output_text() const {
    return impl_ ? impl_->text.text() : std::string{};
}

std::optional<std::int64_t> response_stream::last_sequence_number() const noexcept {
    return impl_ ? impl_->cursor.last() : std::nullopt;
}

bool response_stream::resumable() const noexcept {
    return impl_ && !impl_->done && impl_->background && !impl_->response_id.empty() &&
           impl_->cursor.resumable();
}

bool response_stream::done() const noexcept {
    return impl_ && impl_->done;
}

} // namespace paced
