#pragma once
// Incremental multipart/form-data parser: bytes arrive in chunks and the file part is appended straight
// to its destination, so an upload never needs a second copy of the whole body.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace paced::emulator {

/** @brief What a multipart body contained: small text fields plus at most one file. */
struct multipart_result {
    std::map<std::string, std::string> fields;
    bool has_file = false;
    std::string file_field;
    std::string filename;
    std::string file_data;
};

/**
 * @brief Sans-io parser. Feed chunks with feed(); finished() tells whether the closing boundary was seen.
 * @par Errors
 * A malformed body sets failed() (and an explanation in error()); later chunks are ignored.
 */
class multipart_parser {
public:
    /** @brief Extracts the boundary from a Content-Type value; empty when absent. */
    static std::string boundary_of(std::string_view content_type);

    explicit multipart_parser(std::string boundary);
    void feed(std::string_view chunk);
    bool finished() const { return state_ == state::done; }
    bool failed() const { return state_ == state::error; }
    const std::string& error() const { return error_; }
    multipart_result& result() { return result_; }

private:
    enum class state { after_boundary, headers, data, done, error };
    void fail(std::string why);
    void emit(std::string_view bytes);
    void begin_part(std::string_view headers);

    std::string delimiter_; // "\r\n--" + boundary
    state state_ = state::data;
    bool preamble_ = true;
    std::string pending_;
    std::string part_name_;
    bool part_is_file_ = false;
    std::string* part_target_ = nullptr;
    std::string error_;
    multipart_result result_;
};

} // namespace paced::emulator
