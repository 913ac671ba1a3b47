#include "sansio/multipart.hpp"

#include <paced/error.hpp>

#include <catch2/catch.hpp>

#include <string>

using paced::sansio::escape_multipart_name;
using paced::sansio::is_valid_multipart_boundary;
using paced::sansio::make_multipart_boundary;
using paced::sansio::multipart_closing;
using paced::sansio::multipart_content_type;
using paced::sansio::multipart_part_end;
using paced::sansio::multipart_part_header;

namespace {

bool throws_invalid_argument(auto&& fn) {
    try {
        fn();
    } catch (paced::error const& e) {
        return e.code() == paced::errc::invalid_argument;
    }
    return false;
}

} // namespace

TEST_CASE("multipart: the boundary holds the 64 random bits in hex and is valid", "[sansio][multipart]") {
    CHECK(make_multipart_boundary(0) == "----paced-boundary-0000000000000000");
    CHECK(make_multipart_boundary(0xDEADBEEF) == "----paced-boundary-00000000deadbeef");
    CHECK(make_multipart_boundary(~0ull) == "----paced-boundary-ffffffffffffffff");
    CHECK(make_multipart_boundary(1) != make_multipart_boundary(2));
    CHECK(is_valid_multipart_boundary(make_multipart_boundary(0x0123456789ABCDEFull)));
}

TEST_CASE("multipart: boundary validity follows RFC 2046", "[sansio][multipart]") {
    CHECK(is_valid_multipart_boundary("a"));
    CHECK(is_valid_multipart_boundary("simple boundary"));
    CHECK(is_valid_multipart_boundary("'()+_,-./:=?"));
    CHECK(is_valid_multipart_boundary(std::string(70, 'x')));
    CHECK_FALSE(is_valid_multipart_boundary(""));
    CHECK_FALSE(is_valid_multipart_boundary(std::string(71, 'x')));
    CHECK_FALSE(is_valid_multipart_boundary("ends with space "));
    CHECK_FALSE(is_valid_multipart_boundary("quote\"d"));
    CHECK_FALSE(is_valid_multipart_boundary("cr\rlf\n"));
    CHECK_FALSE(is_valid_multipart_boundary("semi;colon"));
}

TEST_CASE("multipart: a file part header names the field, the file and its type", "[sansio][multipart]") {
    CHECK(multipart_part_header("B", "file", "report.pdf", "application/pdf") ==
          "--B\r\n"
          "Content-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n"
          "Content-Type: application/pdf\r\n"
          "\r\n");
}

TEST_CASE("multipart: a plain field has no filename and no content type", "[sansio][multipart]") {
    CHECK(multipart_part_header("B", "purpose", "", "") ==
          "--B\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n");
}

TEST_CASE("multipart: a whole body is framed as RFC 7578 says", "[sansio][multipart]") {
    std::string const b = make_multipart_boundary(42);
    std::string body;
    body += multipart_part_header(b, "purpose", "", "");
    body += "assistants";
    body += multipart_part_end;
    body += multipart_part_header(b, "file", "a.txt", "text/plain");
    body += "hello";
    body += multipart_part_end;
    body += multipart_closing(b);
    CHECK(body == "--" + b + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n--" +
                      b +
                      "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                      "Content-Type: text/plain\r\n\r\nhello\r\n--" +
                      b + "--\r\n");
    CHECK(multipart_content_type(b) == "multipart/form-data; boundary=" + b);
}

TEST_CASE("multipart: a file name cannot break out of its quotes or inject a header", "[sansio][multipart]") {
    std::string const header = multipart_part_header(
        "B", "fi\"le", "evil.txt\"\r\nContent-Type: text/html\r\n\r\n<script>", "text/plain");
    CHECK(header == "--B\r\nContent-Disposition: form-data; name=\"fi%22le\"; "
                    "filename=\"evil.txt%22%0D%0AContent-Type: text/html%0D%0A%0D%0A<script>\"\r\n"
                    "Content-Type: text/plain\r\n\r\n");
    // Exactly the four expected line ends: delimiter, disposition, type, blank.
    std::size_t crlf = 0;
    for (std::size_t pos = header.find("\r\n"); pos != std::string::npos; pos = header.find("\r\n", pos + 1))
        ++crlf;
    CHECK(crlf == 4);
}

TEST_CASE("multipart: names escape quotes, backslashes and control bytes, keep UTF-8",
          "[sansio][multipart]") {
    CHECK(escape_multipart_name("plain name.txt") == "plain name.txt");
    CHECK(escape_multipart_name("a\"b") == "a%22b");
    CHECK(escape_multipart_name("dir\\file") == "dir%5Cfile");
    CHECK(escape_multipart_name(std::string{"\0\t\x1F\x7F", 4}) == "%00%09%1F%7F");
    CHECK(escape_multipart_name("r\xC3\xA9sum\xC3\xA9.pdf") == "r\xC3\xA9sum\xC3\xA9.pdf");
    CHECK(escape_multipart_name("100%") == "100%");
}

TEST_CASE("multipart: a content type with a line break is refused", "[sansio][multipart]") {
    CHECK(throws_invalid_argument([] { multipart_part_header("B", "f", "x", "text/plain\r\nX-Evil: 1"); }));
    CHECK(throws_invalid_argument([] { multipart_part_header("B", "f", "x", "text/plain\n"); }));
    CHECK(throws_invalid_argument([] { multipart_part_header("B", "f", "x", std::string{"a\0b", 3}); }));
}

TEST_CASE("multipart: an invalid boundary is refused everywhere", "[sansio][multipart]") {
    std::string const bads[] = {"", "bad\"boundary", "line\r\nbreak", std::string(71, 'x')};
    for (std::string const& bad : bads) {
        CAPTURE(bad);
        CHECK(throws_invalid_argument([&] { multipart_part_header(bad, "f", "", ""); }));
        CHECK(throws_invalid_argument([&] { multipart_closing(bad); }));
        CHECK(throws_invalid_argument([&] { multipart_content_type(bad); }));
    }
}

TEST_CASE("multipart: a boundary with spaces is quoted in the content type", "[sansio][multipart]") {
    CHECK(multipart_content_type("a b") == "multipart/form-data; boundary=\"a b\"");
    CHECK(multipart_content_type("a:b") == "multipart/form-data; boundary=\"a:b\"");
}
