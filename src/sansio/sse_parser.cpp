#include "sansio/sse_parser.hpp"

#include <paced/error.hpp>

#include <limits>
#include <utility>

namespace paced::sansio {
namespace {

constexpr std::string_view bom = "\xEF\xBB\xBF";

std::optional<std::uint64_t> parse_retry_field(std::string_view v) noexcept {
    if (v.empty())
        return std::nullopt;
    std::uint64_t out = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        auto const digit = static_cast<std::uint64_t>(c - '0');
        if (out > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return std::nullopt; // too large to mean anything
        out = out * 10 + digit;
    }
    return out;
}

} // namespace

sse_parser::sse_parser(sse_limits limits) : limits_(limits) {}

void sse_parser::fail(char const* what) {
    failed_ = true;
    throw paced::error(make_error_code(errc::invalid_response), what);
}

void sse_parser::feed(std::string_view bytes, std::vector<sse_event>& out) {
    if (failed_)
        fail("SSE stream already failed");
    if (!bom_checked_) {
        // The BOM may itself be split across feeds: match it byte by byte.
        while (!bytes.empty() && !bom_checked_) {
            if (bytes.front() == bom[static_cast<std::size_t>(bom_matched_)]) {
                bytes.remove_prefix(1);
                if (++bom_matched_ == 3)
                    bom_checked_ = true;
            } else {
                bom_checked_ = true;
                process(bom.substr(0, static_cast<std::size_t>(bom_matched_)), out); // not a BOM after all
            }
        }
        if (!bom_checked_)
            return;
    }
    process(bytes, out);
}

void sse_parser::process(std::string_view bytes, std::vector<sse_event>& out) {
    std::size_t i = 0;
    if (after_cr_ && !bytes.empty()) {
        after_cr_ = false;
        if (bytes.front() == '\n')
            i = 1; // the LF of a CRLF split across feeds
    }
    // Lines end at LF almost always: find each LF with one memchr, then look for a CR only before it.
    // (string_view::find_first_of would call memchr on its two-character set once per byte.) The LF found
    // is kept until passed, so a stream of CR-only line ends is still scanned once, not once per line.
    std::size_t next_lf = 0;
    bool lf_known = false;
    while (i < bytes.size()) {
        if (!lf_known || next_lf < i) {
            next_lf = bytes.find('\n', i);
            lf_known = true;
        }
        std::size_t const scan_end = next_lf == std::string_view::npos ? bytes.size() : next_lf;
        std::size_t const cr = bytes.substr(i, scan_end - i).find('\r');
        std::size_t const end = cr != std::string_view::npos ? i + cr : next_lf;
        if (end == std::string_view::npos) {
            std::string_view const rest = bytes.substr(i);
            if (line_.size() + rest.size() > limits_.max_line)
                fail("SSE line exceeds the parser's max_line limit");
            line_.append(rest);
            return;
        }
        std::string_view const piece = bytes.substr(i, end - i);
        if (line_.size() + piece.size() > limits_.max_line)
            fail("SSE line exceeds the parser's max_line limit");
        if (line_.empty()) {
            process_line(piece, out); // the common case: the whole line is in this chunk, no copy
        } else {
            line_.append(piece);
            std::string line = std::move(line_);
            line_.clear();
            process_line(line, out);
        }
        i = end + 1;
        if (bytes[end] == '\r') {
            if (i == bytes.size())
                after_cr_ = true;
            else if (bytes[i] == '\n')
                ++i;
        }
    }
}

void sse_parser::check_event_size(std::size_t total) {
    if (total > limits_.max_event)
        fail("SSE event exceeds the parser's max_event limit");
}

void sse_parser::process_line(std::string_view line, std::vector<sse_event>& out) {
    if (line.empty()) {
        if (has_data_)
            out.push_back(sse_event{std::move(event_), std::move(data_), last_id_, retry_});
        event_.clear();
        data_.clear();
        has_data_ = false;
        has_fields_ = false;
        retry_.reset();
        return;
    }
    if (line.front() == ':')
        return; // comment, e.g. a keep-alive
    has_fields_ = true;

    std::string_view field = line;
    std::string_view value;
    if (auto const colon = line.find(':'); colon != std::string_view::npos) {
        field = line.substr(0, colon);
        value = line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ')
            value.remove_prefix(1);
    }

    if (field == "data") {
        check_event_size(event_.size() + data_.size() + last_id_.size() + value.size() + 1);
        if (has_data_)
            data_ += '\n';
        data_.append(value);
        has_data_ = true;
    } else if (field == "event") {
        check_event_size(value.size() + data_.size() + last_id_.size());
        event_.assign(value);
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) {
            check_event_size(event_.size() + data_.size() + value.size());
            last_id_.assign(value);
        }
    } else if (field == "retry") {
        if (auto ms = parse_retry_field(value))
            retry_ = ms;
    }
    // Any other field is ignored, as WHATWG says.
}

bool sse_parser::finish() {
    bool const mid_event = !line_.empty() || has_fields_ || (!bom_checked_ && bom_matched_ > 0);
    *this = sse_parser{limits_};
    return mid_event;
}

} // namespace paced::sansio
