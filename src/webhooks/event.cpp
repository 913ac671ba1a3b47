// The thin webhook event, read and written by the generic model codec (types/codec.hpp), and unwrap.

#include "types/codec.hpp"
#include "webhooks/signature.hpp"

#include <boost/describe/class.hpp>

namespace paced::webhooks {

// Described here rather than in types/descriptions.hpp: the codec finds descriptions, rules, enum names
// and hand-written members by argument-dependent lookup, so the event keeps its mapping in its own area.
BOOST_DESCRIBE_STRUCT(event_data, (), (id, extra))
PACED_JSON_RULES(event_data, .optional = "id")
BOOST_DESCRIBE_STRUCT(event, (), (id, type, created_at, data, extra, raw))
PACED_JSON_RULES(event, .object = "event")

namespace {
constexpr std::string_view event_type_names[] = {
    "batch.cancelled",        "batch.completed",           "batch.expired",      "batch.failed",
    "eval.run.canceled",      "eval.run.failed",           "eval.run.succeeded", "fine_tuning.job.cancelled",
    "fine_tuning.job.failed", "fine_tuning.job.succeeded", "live.call.incoming", "realtime.call.incoming",
    "response.cancelled",     "response.completed",        "response.failed",    "response.incomplete"};
static_assert(std::size(event_type_names) == static_cast<std::size_t>(event_type::unknown));
} // namespace

std::string_view to_string(event_type t) noexcept {
    return paced::detail::enum_name(event_type_names, t);
}

/// Found by the codec's open_enum reader.
void enum_from_string(std::string_view s, event_type& out) noexcept {
    out = paced::detail::enum_lookup<event_type>(event_type_names, s);
}

// `raw` is not a JSON member: it is the whole object, set once the event is read. A member that happens
// to be called "raw" goes to `extra` like any other unknown member.
void read_member(boost::json::value const* v, event& out, paced::detail::member<&event::raw>,
                 paced::detail::json_path&) {
    if (v)
        out.extra.emplace("raw", *v);
}
void write_member(boost::json::object&, event const&, paced::detail::member<&event::raw>,
                  paced::detail::json_mode) {}

namespace {
event decode_webhook_event(boost::json::value const& jv) {
    auto e = paced::detail::decode_root<event>(jv, "event");
    e.raw = jv.as_object(); // decode_root checked that it is an object
    return e;
}
} // namespace

event decode(paced::detail::type_tag<event>, boost::json::value const& jv) {
    return decode_webhook_event(jv);
}
boost::json::value to_json(event const& x) {
    return paced::detail::write(x, paced::detail::json_mode::response);
}
event tag_invoke(boost::json::value_to_tag<event> const&, boost::json::value const& jv) {
    return decode_webhook_event(jv);
}
void tag_invoke(boost::json::value_from_tag const&, boost::json::value& jv, event const& x) {
    jv = to_json(x);
}

event parse_event(std::string_view body) {
    try {
        return from_json<event>(paced::detail::parse_body(body, "webhook body"));
    } catch (paced::error const& e) {
        // The codec's unexpected_json, as this domain's code; the message keeps the path.
        throw paced::error(make_error_code(errc::invalid_payload), std::string("webhook: ") + e.what());
    }
}

event unwrap(std::string_view body, header_list const& headers, std::string_view secret,
             verify_options const& options) {
    verify(body, headers, secret, options);
    return parse_event(body);
}

} // namespace paced::webhooks
