#pragma once
// The route table of the emulator: every endpoint's method, path pattern and API area, and the matching
// of a request's method and target against it.

#include <boost/beast/http/verb.hpp>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace paced::emulator {

namespace http = boost::beast::http;

/** @brief The API areas: each has one handler file, and api::handle dispatches on it. */
enum class api_area { none, files, assistants, threads, runs, vector_stores, responses, batches, emulator };

namespace route {

/** @brief Every endpoint, in the order of the route table (the stats count them by this index). */
enum id : int {
    files_create,
    files_list,
    files_get,
    files_delete,
    files_content,
    asst_create,
    asst_list,
    asst_get,
    asst_modify,
    asst_delete,
    thread_create,
    thread_and_run,
    thread_get,
    thread_modify,
    thread_delete,
    msg_create,
    msg_list,
    msg_get,
    msg_modify,
    msg_delete,
    run_create,
    run_list,
    run_get,
    run_modify,
    run_cancel,
    run_submit,
    step_list,
    step_get,
    vs_create,
    vs_list,
    vs_get,
    vs_modify,
    vs_delete,
    vs_search,
    vsf_create,
    vsf_list,
    vsf_get,
    vsf_update,
    vsf_delete,
    vsf_content,
    batch_create,
    batch_get,
    batch_cancel,
    batch_files,
    resp_create,
    resp_input_tokens,
    resp_get,
    resp_delete,
    resp_cancel,
    resp_input_items,
    conv_create,
    conv_get,
    conv_update,
    conv_delete,
    conv_items_create,
    conv_items_list,
    conv_item_get,
    conv_item_delete,
    jobs_create,
    jobs_list,
    jobs_get,
    jobs_cancel,
    emu_stats,
    emu_reset,
    total ///< the number of routes; also the stats slot of unknown routes
};

} // namespace route

/** @brief The route of a request, found from the method and path alone. */
struct route_match {
    int id = -1; ///< index into the route table (a route::id), -1 when no route matches
    api_area area = api_area::none;
    bool emulator = false;     ///< /v1/emulator/*: no auth, never limited, faulted or counted
    bool upload = false;       ///< POST /v1/files: the server parses the body as multipart
    bool self_charged = false; ///< the handler charges the budget itself, with the model the body names
    std::array<std::string_view, 3> params{};
    std::string_view query;
};

/** @brief Matches a method and a request target (path and query) against the route table. */
route_match match_route(http::verb method, std::string_view target);

/** @brief "METHOD /v1/pattern" of a route: the stats' key and the key of endpoint budgets. */
const std::string& route_name(int id);

} // namespace paced::emulator
