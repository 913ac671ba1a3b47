// The route table and its matcher: which endpoint a method and path name, and in which API area.

#include "routes.hpp"

#include <iterator>
#include <vector>

namespace paced::emulator {

namespace {

struct route_def {
    route::id id;
    api_area area;
    http::verb method;
    std::string_view pattern;
    bool self_charged = false;
};

// Run-creating requests name the run's model and a token estimate, known only once the body is read.
constexpr route_def routes[] = {
    {route::files_create, api_area::files, http::verb::post, "/v1/files"},
    {route::files_list, api_area::files, http::verb::get, "/v1/files"},
    {route::files_get, api_area::files, http::verb::get, "/v1/files/{file_id}"},
    {route::files_delete, api_area::files, http::verb::delete_, "/v1/files/{file_id}"},
    {route::files_content, api_area::files, http::verb::get, "/v1/files/{file_id}/content"},
    {route::asst_create, api_area::assistants, http::verb::post, "/v1/assistants"},
    {route::asst_list, api_area::assistants, http::verb::get, "/v1/assistants"},
    {route::asst_get, api_area::assistants, http::verb::get, "/v1/assistants/{assistant_id}"},
    {route::asst_modify, api_area::assistants, http::verb::post, "/v1/assistants/{assistant_id}"},
    {route::asst_delete, api_area::assistants, http::verb::delete_, "/v1/assistants/{assistant_id}"},
    {route::thread_create, api_area::threads, http::verb::post, "/v1/threads"},
    {route::thread_and_run, api_area::runs, http::verb::post, "/v1/threads/runs", true},
    {route::thread_get, api_area::threads, http::verb::get, "/v1/threads/{thread_id}"},
    {route::thread_modify, api_area::threads, http::verb::post, "/v1/threads/{thread_id}"},
    {route::thread_delete, api_area::threads, http::verb::delete_, "/v1/threads/{thread_id}"},
    {route::msg_create, api_area::threads, http::verb::post, "/v1/threads/{thread_id}/messages"},
    {route::msg_list, api_area::threads, http::verb::get, "/v1/threads/{thread_id}/messages"},
    {route::msg_get, api_area::threads, http::verb::get, "/v1/threads/{thread_id}/messages/{message_id}"},
    {route::msg_modify, api_area::threads, http::verb::post, "/v1/threads/{thread_id}/messages/{message_id}"},
    {route::msg_delete, api_area::threads, http::verb::delete_,
     "/v1/threads/{thread_id}/messages/{message_id}"},
    {route::run_create, api_area::runs, http::verb::post, "/v1/threads/{thread_id}/runs", true},
    {route::run_list, api_area::runs, http::verb::get, "/v1/threads/{thread_id}/runs"},
    {route::run_get, api_area::runs, http::verb::get, "/v1/threads/{thread_id}/runs/{run_id}"},
    {route::run_modify, api_area::runs, http::verb::post, "/v1/threads/{thread_id}/runs/{run_id}"},
    {route::run_cancel, api_area::runs, http::verb::post, "/v1/threads/{thread_id}/runs/{run_id}/cancel"},
    {route::run_submit, api_area::runs, http::verb::post,
     "/v1/threads/{thread_id}/runs/{run_id}/submit_tool_outputs"},
    {route::step_list, api_area::runs, http::verb::get, "/v1/threads/{thread_id}/runs/{run_id}/steps"},
    {route::step_get, api_area::runs, http::verb::get,
     "/v1/threads/{thread_id}/runs/{run_id}/steps/{step_id}"},
    {route::vs_create, api_area::vector_stores, http::verb::post, "/v1/vector_stores"},
    {route::vs_list, api_area::vector_stores, http::verb::get, "/v1/vector_stores"},
    {route::vs_get, api_area::vector_stores, http::verb::get, "/v1/vector_stores/{vector_store_id}"},
    {route::vs_modify, api_area::vector_stores, http::verb::post, "/v1/vector_stores/{vector_store_id}"},
    {route::vs_delete, api_area::vector_stores, http::verb::delete_, "/v1/vector_stores/{vector_store_id}"},
    {route::vs_search, api_area::vector_stores, http::verb::post,
     "/v1/vector_stores/{vector_store_id}/search"},
    {route::vsf_create, api_area::vector_stores, http::verb::post,
     "/v1/vector_stores/{vector_store_id}/files"},
    {route::vsf_list, api_area::vector_stores, http::verb::get, "/v1/vector_stores/{vector_store_id}/files"},
    {route::vsf_get, api_area::vector_stores, http::verb::get,
     "/v1/vector_stores/{vector_store_id}/files/{file_id}"},
    {route::vsf_update, api_area::vector_stores, http::verb::post,
     "/v1/vector_stores/{vector_store_id}/files/{file_id}"},
    {route::vsf_delete, api_area::vector_stores, http::verb::delete_,
     "/v1/vector_stores/{vector_store_id}/files/{file_id}"},
    {route::vsf_content, api_area::vector_stores, http::verb::get,
     "/v1/vector_stores/{vector_store_id}/files/{file_id}/content"},
    {route::batch_create, api_area::vector_stores, http::verb::post,
     "/v1/vector_stores/{vector_store_id}/file_batches"},
    {route::batch_get, api_area::vector_stores, http::verb::get,
     "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}"},
    {route::batch_cancel, api_area::vector_stores, http::verb::post,
     "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel"},
    {route::batch_files, api_area::vector_stores, http::verb::get,
     "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files"},
    // Responses and Conversations (responses.cpp, conversations.cpp): one area, one handler object.
    {route::resp_create, api_area::responses, http::verb::post, "/v1/responses", true},
    {route::resp_input_tokens, api_area::responses, http::verb::post, "/v1/responses/input_tokens"},
    {route::resp_get, api_area::responses, http::verb::get, "/v1/responses/{response_id}"},
    {route::resp_delete, api_area::responses, http::verb::delete_, "/v1/responses/{response_id}"},
    {route::resp_cancel, api_area::responses, http::verb::post, "/v1/responses/{response_id}/cancel"},
    {route::resp_input_items, api_area::responses, http::verb::get,
     "/v1/responses/{response_id}/input_items"},
    {route::conv_create, api_area::responses, http::verb::post, "/v1/conversations"},
    {route::conv_get, api_area::responses, http::verb::get, "/v1/conversations/{conversation_id}"},
    {route::conv_update, api_area::responses, http::verb::post, "/v1/conversations/{conversation_id}"},
    {route::conv_delete, api_area::responses, http::verb::delete_, "/v1/conversations/{conversation_id}"},
    {route::conv_items_create, api_area::responses, http::verb::post,
     "/v1/conversations/{conversation_id}/items"},
    {route::conv_items_list, api_area::responses, http::verb::get,
     "/v1/conversations/{conversation_id}/items"},
    {route::conv_item_get, api_area::responses, http::verb::get,
     "/v1/conversations/{conversation_id}/items/{item_id}"},
    {route::conv_item_delete, api_area::responses, http::verb::delete_,
     "/v1/conversations/{conversation_id}/items/{item_id}"},
    // The Batch API (batches.cpp; "jobs" apart from the vector stores' file batches above).
    {route::jobs_create, api_area::batches, http::verb::post, "/v1/batches"},
    {route::jobs_list, api_area::batches, http::verb::get, "/v1/batches"},
    {route::jobs_get, api_area::batches, http::verb::get, "/v1/batches/{batch_id}"},
    {route::jobs_cancel, api_area::batches, http::verb::post, "/v1/batches/{batch_id}/cancel"},
    {route::emu_stats, api_area::emulator, http::verb::get, "/v1/emulator/stats"},
    {route::emu_reset, api_area::emulator, http::verb::post, "/v1/emulator/reset"},
};
static_assert(std::size(routes) == route::total);

constexpr bool routes_in_order() {
    for (std::size_t i = 0; i < std::size(routes); ++i)
        if (routes[i].id != static_cast<route::id>(i))
            return false;
    return true;
}
static_assert(routes_in_order(), "the route table is indexed by route::id");

// Splits "/a/b/c" into segments; false when there are more than `max` of them.
template <std::size_t N>
bool split_path(std::string_view path, std::array<std::string_view, N>& out, std::size_t& n) {
    n = 0;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        std::size_t e = path.find('/', i);
        if (e == std::string_view::npos)
            e = path.size();
        if (n == N)
            return false;
        out[n++] = path.substr(i, e - i);
        i = e;
    }
    return true;
}

// By route id: what endpoint budgets (--endpoint-rpm) and the stats are keyed by.
const std::vector<std::string> route_names = [] {
    std::vector<std::string> names;
    for (const auto& r : routes)
        names.push_back(std::string(http::to_string(r.method)) + " " + std::string(r.pattern));
    return names;
}();

} // namespace

const std::string& route_name(int id) {
    return route_names[static_cast<std::size_t>(id)];
}

route_match match_route(http::verb method, std::string_view target) {
    route_match m;
    std::string_view path = target;
    if (auto q = target.find('?'); q != std::string_view::npos) {
        path = target.substr(0, q);
        m.query = target.substr(q + 1);
    }
    std::array<std::string_view, 8> segs;
    std::size_t n = 0;
    if (!split_path(path, segs, n))
        return m;
    // The patterns are split once; matching is then a few string_view comparisons per candidate.
    struct split_route {
        const route_def* def;
        std::array<std::string_view, 8> segs;
        std::size_t n;
    };
    static const std::vector<split_route> table = [] {
        std::vector<split_route> t;
        for (const auto& r : routes) {
            split_route sr{&r, {}, 0};
            split_path(r.pattern, sr.segs, sr.n);
            t.push_back(sr);
        }
        return t;
    }();
    for (const auto& sr : table) {
        const route_def& r = *sr.def;
        if (r.method != method || sr.n != n)
            continue;
        const auto& pat = sr.segs;
        std::size_t params = 0;
        bool ok = true;
        std::array<std::string_view, 3> found{};
        for (std::size_t i = 0; i < n && ok; ++i) {
            if (!pat[i].empty() && pat[i].front() == '{') {
                if (segs[i].empty() || params == found.size())
                    ok = false;
                else
                    found[params++] = segs[i];
            } else {
                ok = pat[i] == segs[i];
            }
        }
        if (!ok)
            continue;
        m.id = r.id;
        m.area = r.area;
        m.params = found;
        m.emulator = r.area == api_area::emulator;
        m.upload = r.id == route::files_create;
        m.self_charged = r.self_charged;
        return m;
    }
    return m;
}

} // namespace paced::emulator
