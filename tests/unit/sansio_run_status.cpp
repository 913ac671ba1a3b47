#include "sansio/run_status.hpp"

#include <catch2/catch.hpp>

#include <array>

using paced::sansio::assistants_run_statuses;
using paced::sansio::classify_status;
using paced::sansio::is_known_run_status;
using paced::sansio::is_terminal_run_status;
using paced::sansio::response_statuses;
using paced::sansio::run_status_kind;
using paced::sansio::run_status_kind_of;
using paced::sansio::status_class;
using paced::sansio::status_table;

TEST_CASE("run status: every Assistants run status has its documented kind", "[sansio][run_status]") {
    struct row {
        char const* status;
        run_status_kind kind;
    };
    auto const [status, kind] = GENERATE(values<row>({
        {"queued", run_status_kind::active},
        {"in_progress", run_status_kind::active},
        {"cancelling", run_status_kind::active},
        {"requires_action", run_status_kind::requires_action},
        {"completed", run_status_kind::terminal},
        {"cancelled", run_status_kind::terminal},
        {"failed", run_status_kind::terminal},
        {"incomplete", run_status_kind::terminal},
        {"expired", run_status_kind::terminal},
    }));
    CAPTURE(status);
    CHECK(classify_status(status) == status_class{kind, true});
    CHECK(run_status_kind_of(status) == kind);
    CHECK(is_terminal_run_status(status) == (kind == run_status_kind::terminal));
    CHECK(is_known_run_status(status));
}

TEST_CASE("run status: an unknown run status keeps polling but is flagged unknown", "[sansio][run_status]") {
    auto const status = GENERATE(as<std::string>{}, "", "paused", "Completed", "COMPLETED", " queued",
                                 "queued ", "in-progress");
    CAPTURE(status);
    CHECK(classify_status(status) == status_class{run_status_kind::active, false});
    CHECK_FALSE(is_known_run_status(status));
    CHECK_FALSE(is_terminal_run_status(status));
}

TEST_CASE("run status: Responses background mode treats all but queued and in_progress as terminal",
          "[sansio][run_status]") {
    auto const& t = response_statuses();
    CHECK(classify_status("queued", t) == status_class{run_status_kind::active, true});
    CHECK(classify_status("in_progress", t) == status_class{run_status_kind::active, true});
    for (auto s : {"completed", "failed", "cancelled", "incomplete"})
        CHECK(classify_status(s, t) == status_class{run_status_kind::terminal, true});
    // Statuses of runs that responses do not have, and new ones, end the poll.
    CHECK(classify_status("requires_action", t) == status_class{run_status_kind::terminal, false});
    CHECK(classify_status("cancelling", t) == status_class{run_status_kind::terminal, false});
    CHECK(classify_status("something_new", t) == status_class{run_status_kind::terminal, false});
}

TEST_CASE("run status: a custom table classifies with its own lists", "[sansio][run_status]") {
    static constexpr std::array<std::string_view, 1> active{"in_progress"};
    static constexpr std::array<std::string_view, 3> terminal{"completed", "failed", "cancelled"};
    status_table const vector_store_file{active, {}, terminal, run_status_kind::active};
    CHECK(classify_status("in_progress", vector_store_file) == status_class{run_status_kind::active, true});
    CHECK(classify_status("cancelled", vector_store_file) == status_class{run_status_kind::terminal, true});
    CHECK(classify_status("queued", vector_store_file) == status_class{run_status_kind::active, false});
}

TEST_CASE("run status: the default table is the Assistants run table", "[sansio][run_status]") {
    CHECK(classify_status("requires_action") ==
          classify_status("requires_action", assistants_run_statuses()));
    CHECK(classify_status("requires_action", assistants_run_statuses()).kind ==
          run_status_kind::requires_action);
}
