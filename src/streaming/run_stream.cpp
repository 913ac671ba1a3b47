#include "streaming/run_stream_impl.hpp"

#include "resources/run_accounting.hpp"
#include "streaming/stream_error.hpp"

#include <boost/json/parse.hpp>

namespace paced::detail {

[[noreturn]] void throw_stream_error(std::string_view data) {
    api_error details;
    details.message = "error event in stream";
    boost::system::error_code ec;
    auto jv = boost::json::parse(data, ec);
    if (!ec && jv.is_object()) {
        // Accept the bare form {message, type, code, param} and the wrapped form {"error": {...}}.
        auto const* obj = &jv.get_object();
        if (auto it = obj->find("error"); it != obj->end() && it->value().is_object())
            obj = &it->value().get_object();
        auto str = [&](char const* k) -> std::optional<std::string> {
            auto it = obj->find(k);
            if (it == obj->end() || !it->value().is_string())
                return std::nullopt;
            return std::string{it->value().get_string()};
        };
        details.message = str("message").value_or(details.message);
        details.type = str("type").value_or("");
        if (details.type == "error")
            details.type.clear(); // a flat Responses event: its `type` names the event, not the error
        details.code = str("code");
        details.param = str("param");
    } else if (!data.empty()) {
        details.message = std::string{data};
    }
    throw error(make_error_code(errc::stream_error), std::move(details));
}

stream_event decode_stream_event(sansio::sse_event ev) {
    std::string_view const name = ev.event;
    if (name == "error")
        throw_stream_error(ev.data);
    stream_event out;
    if (name == "thread.created")
        out.data = parse_model<thread>(ev.data, name);
    else if (name == "thread.run.step.delta")
        out.data = parse_model<run_step_delta_object>(ev.data, name);
    else if (name.starts_with("thread.run.step."))
        out.data = parse_model<run_step>(ev.data, name);
    else if (name.starts_with("thread.run."))
        out.data = parse_model<run>(ev.data, name);
    else if (name == "thread.message.delta")
        out.data = parse_model<message_delta_object>(ev.data, name);
    else if (name.starts_with("thread.message."))
        out.data = parse_model<message>(ev.data, name);
    else
        out.data = unknown_event{ev.event, std::move(ev.data)}; // newer events are kept, never an error
    out.event = std::move(ev.event);
    return out;
}

void text_accumulator::keep(message_text& m, std::size_t more) {
    if (more > limit_ - kept_)
        throw_error(errc::body_too_large,
                    "run stream: the text of its messages exceeds max_response_bytes (" +
                        std::to_string(limit_) + " bytes)");
    kept_ += more;
    m.bytes += more;
}

void text_accumulator::apply(message_delta_object const& d) {
    auto& m = messages_[d.id];
    auto& text = texts_[d.id];
    for (auto const& c : d.delta.content) {
        if (!c.text || !c.text->value)
            continue;
        auto const& piece = *c.text->value;
        keep(m, piece.size());
        // Deltas extend the last part: appended to the text as they come, not the whole text rebuilt
        // for each (a reply of thousands of deltas would be copied thousands of times).
        bool const extends_last = m.parts.empty() || c.index >= m.parts.rbegin()->first;
        m.parts[c.index] += piece;
        if (extends_last)
            text += piece;
        else
            rebuild(d.id, m);
    }
}

void text_accumulator::apply_completed(message const& m) {
    // The completed message is authoritative: it replaces what the deltas built.
    auto& kept = messages_[m.id];
    kept_ -= kept.bytes;
    kept = {};
    std::int64_t index = 0;
    for (auto const& c : m.content) {
        if (auto t = std::get_if<text_content>(&c)) {
            keep(kept, t->text.value.size());
            kept.parts[index] = t->text.value;
        }
        ++index;
    }
    rebuild(m.id, kept);
}

void text_accumulator::rebuild(std::string const& id, message_text const& m) {
    std::string text;
    text.reserve(m.bytes);
    for (auto const& [index, value] : m.parts)
        text += value;
    texts_[id] = std::move(text);
}

run_stream_impl::run_stream_impl(std::shared_ptr<client_impl> client, api_stream stream)
    : texts(client->options().max_response_bytes), client_(std::move(client)), stream_(std::move(stream)) {}

namespace {
/// How long a finished event stream may take to end its body before its connection is dropped instead.
constexpr std::chrono::milliseconds stream_end_patience{100};
} // namespace

boost::asio::awaitable<std::optional<stream_event>> run_stream_impl::next() {
    for (;;) {
        if (done)
            co_return std::nullopt;
        if (!pending_.empty()) {
            auto raw = std::move(pending_.front());
            pending_.pop_front();
            if (raw.is_done() || raw.event == "done") {
                done = true;
                pending_.clear();
                // The body's last chunk follows [DONE]: read it so the connection can be reused.
                co_await stream_.body->discard_rest(stream_end_patience);
                co_return std::nullopt;
            }
            auto ev = decode_stream_event(std::move(raw));
            if (auto r = ev.get<run>()) {
                if (estimate) {
                    client_->note_token_estimate(r->id, std::move(estimate->first), estimate->second);
                    estimate.reset();
                }
                observe_run(*client_, *r);
                last_run = *r;
            } else if (auto d = ev.get<message_delta_object>()) {
                texts.apply(*d);
            } else if (auto m = ev.get<message>(); m && ev.event == "thread.message.completed") {
                texts.apply_completed(*m);
            }
            co_return ev;
        }
        auto piece = co_await stream_.body->read_some();
        if (piece.empty()) {
            parser_.finish();
            std::string what = "stream ended before [DONE]";
            if (last_run)
                what +=
                    " (run " + last_run->id + ", last status " + std::string{last_run->status.str()} + ")";
            throw_error(errc::stream_truncated, what);
        }
        scratch_.clear();
        parser_.feed(piece, scratch_);
        for (auto& e : scratch_)
            pending_.push_back(std::move(e));
    }
}

} // namespace paced::detail

namespace paced {

run_stream::run_stream() = default;
run_stream::run_stream(std::unique_ptr<detail::run_stream_impl> impl) : impl_(std::move(impl)) {}
run_stream::run_stream(run_stream&&) noexcept = default;
run_stream& run_stream::operator=(run_stream&&) noexcept = default;
run_stream::~run_stream() = default;

namespace {

boost::asio::awaitable<std::optional<stream_event>> empty_stream_error() {
    throw_error(errc::invalid_argument, "run_stream: empty stream");
    co_return std::nullopt;
}

boost::asio::awaitable<run> read_until_done(detail::run_stream_impl* impl) {
    if (!impl)
        throw_error(errc::invalid_argument, "run_stream: empty stream");
    // The event is named: with `while (co_await next())`, g++ 12 corrupted this frame when next() threw
    // (the exception left through the loop's condition temporary), and the caller crashed.
    for (;;) {
        auto ev = co_await impl->next();
        if (!ev)
            break;
    }
    if (!impl->last_run)
        throw_error(errc::stream_truncated, "stream ended without a run object");
    co_return *impl->last_run;
}

} // namespace

// Not a coroutine: the reader awaits the stream's own coroutine directly, one frame per event fewer.
boost::asio::awaitable<std::optional<stream_event>> run_stream::next() {
    if (!impl_)
        return empty_stream_error(); // thrown where it is awaited, as from the stream itself
    return impl_->next();
}

// Not a coroutine: the read refers to the stream's state, not to this handle, which may be moved meanwhile.
boost::asio::awaitable<run> run_stream::until_done() {
    return read_until_done(impl_.get());
}

std::optional<run> const& run_stream::last_run() const noexcept {
    static std::optional<run> const none;
    return impl_ ? impl_->last_run : none;
}

std::map<std::string, std::string> const& run_stream::texts() const noexcept {
    static std::map<std::string, std::string> const none;
    return impl_ ? impl_->texts.texts() : none;
}

std::string run_stream::text(std::string_view message_id) const {
    auto const& all = texts();
    auto it = all.find(std::string{message_id});
    return it == all.end() ? std::string{} : it->second;
}

bool run_stream::done() const noexcept {
    return impl_ && impl_->done;
}

} // namespace paced
