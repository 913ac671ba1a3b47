#include "multipart.hpp"

#include <algorithm>
#include <cctype>

namespace paced::emulator {

namespace {
constexpr std::size_t max_field_bytes = 1 << 20;
constexpr std::size_t max_header_bytes = 16 << 10;

std::string lower(std::string_view s) {
    std::string r(s);
    for (auto& c : r)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

// Value of `key="..."` (or key=token) in a header parameter list; nullopt-like empty + found flag.
bool param_value(std::string_view header, std::string_view key, std::string& out) {
    std::string lh = lower(header);
    std::size_t pos = 0;
    while ((pos = lh.find(key, pos)) != std::string::npos) {
        bool at_start = pos == 0 || lh[pos - 1] == ';' || lh[pos - 1] == ' ' || lh[pos - 1] == '\t';
        std::size_t eq = pos + key.size();
        if (at_start && eq < lh.size() && lh[eq] == '=') {
            std::size_t v = eq + 1;
            if (v < header.size() && header[v] == '"') {
                std::string r;
                for (std::size_t i = v + 1; i < header.size() && header[i] != '"'; ++i) {
                    if (header[i] == '\\' && i + 1 < header.size())
                        ++i;
                    r += header[i];
                }
                out = r;
            } else {
                std::size_t e = header.find(';', v);
                std::string_view r =
                    header.substr(v, e == std::string_view::npos ? header.size() - v : e - v);
                while (!r.empty() && (r.back() == ' ' || r.back() == '\t'))
                    r.remove_suffix(1);
                out = std::string(r);
            }
            return true;
        }
        pos = eq;
    }
    return false;
}
} // namespace

std::string multipart_parser::boundary_of(std::string_view content_type) {
    if (lower(content_type).rfind("multipart/form-data", 0) != 0)
        return {};
    std::string b;
    if (!param_value(content_type, "boundary", b))
        return {};
    return b;
}

multipart_parser::multipart_parser(std::string boundary) : delimiter_("\r\n--" + boundary) {
    // The first boundary has no CRLF before it; pretending it does makes every delimiter alike.
    pending_ = "\r\n";
}

void multipart_parser::fail(std::string why) {
    state_ = state::error;
    error_ = std::move(why);
    pending_.clear();
}

void multipart_parser::emit(std::string_view bytes) {
    if (preamble_ || part_target_ == nullptr || bytes.empty())
        return;
    if (!part_is_file_ && part_target_->size() + bytes.size() > max_field_bytes)
        return fail("multipart field '" + part_name_ + "' is too large");
    part_target_->append(bytes);
}

void multipart_parser::begin_part(std::string_view headers) {
    part_name_.clear();
    part_is_file_ = false;
    part_target_ = nullptr;
    std::size_t pos = 0;
    std::string filename;
    bool has_filename = false;
    while (pos < headers.size()) {
        std::size_t e = headers.find("\r\n", pos);
        if (e == std::string_view::npos)
            e = headers.size();
        std::string_view line = headers.substr(pos, e - pos);
        pos = e + 2;
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        if (lower(line.substr(0, colon)) == "content-disposition") {
            std::string_view v = line.substr(colon + 1);
            param_value(v, "name", part_name_);
            has_filename = param_value(v, "filename", filename);
        }
    }
    if (part_name_.empty())
        return fail("multipart part without a name");
    if (has_filename) {
        if (result_.has_file)
            return fail("more than one file in the upload");
        result_.has_file = true;
        result_.file_field = part_name_;
        result_.filename = filename;
        part_is_file_ = true;
        part_target_ = &result_.file_data;
    } else {
        part_target_ = &result_.fields[part_name_];
        part_target_->clear();
    }
}

void multipart_parser::feed(std::string_view chunk) {
    if (state_ == state::error || state_ == state::done)
        return;
    pending_.append(chunk);
    for (;;) {
        switch (state_) {
        case state::data: {
            std::size_t pos = pending_.find(delimiter_);
            if (pos == std::string::npos) {
                // Keep a tail that could be the start of a delimiter split across chunks.
                if (pending_.size() >= delimiter_.size()) {
                    std::size_t keep = delimiter_.size() - 1;
                    emit(std::string_view(pending_).substr(0, pending_.size() - keep));
                    pending_.erase(0, pending_.size() - keep);
                }
                return;
            }
            emit(std::string_view(pending_).substr(0, pos));
            if (state_ == state::error)
                return;
            pending_.erase(0, pos + delimiter_.size());
            preamble_ = false;
            state_ = state::after_boundary;
            break;
        }
        case state::after_boundary:
            if (pending_.size() < 2)
                return;
            if (pending_.compare(0, 2, "--") == 0) {
                state_ = state::done;
                pending_.clear();
                return;
            }
            if (pending_.compare(0, 2, "\r\n") != 0)
                return fail("malformed multipart boundary line");
            pending_.erase(0, 2);
            state_ = state::headers;
            break;
        case state::headers: {
            std::size_t end = pending_.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (pending_.size() > max_header_bytes)
                    return fail("multipart part headers are too large");
                return;
            }
            begin_part(std::string_view(pending_).substr(0, end));
            if (state_ == state::error)
                return;
            pending_.erase(0, end + 4);
            state_ = state::data;
            break;
        }
        case state::done:
        case state::error:
            return;
        }
    }
}

} // namespace paced::emulator
