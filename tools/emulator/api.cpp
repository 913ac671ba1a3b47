// The router of the emulator's API: authentication, quota, faults and the rate-limit charge every
// request passes, then the handler of the route's area (one file per area; see context.hpp).

#include "api.hpp"

#include "context.hpp"

namespace paced::emulator {

std::string api::route_label(const route_match& route) {
    return route.id < 0 ? std::string("unknown") : route_name(route.id);
}

std::size_t api::route_count() {
    return route::total + 1;
} // the last slot counts unknown routes

api::api(const config& cfg)
    : cfg_(cfg), stats_(route_count()), store_(cfg, stats_), responses_(cfg, stats_, store_.ids),
      batches_(cfg, stats_, store_),
      limiter_(cfg.rpm, cfg.tpm,
               cfg.rate_layout == "per-model" ? rate_layout::per_model : rate_layout::global,
               cfg.endpoint_rpm, cfg.rate_limit_headers) {}

route_match api::match(http::verb method, std::string_view target) const {
    return match_route(method, target);
}

api_response api::handle(api_request& req, const route_match& route, const fault_plan& faults) {
    api_response res;
    request_context c{cfg_, store_, stats_, limiter_, responses_, batches_,
                      req,  route,  res,    now_ms(), steady_ns()};

    if (route.emulator) {
        handle_emulator(c);
        return res;
    }

    stats_.count_request(route.id < 0 ? static_cast<std::size_t>(route::total)
                                      : static_cast<std::size_t>(route.id),
                         c.steady / 1'000'000);
    const http::fields& h = *req.headers;
    auto fail = [&](const api_failure& f) {
        res = api_response{};
        if (!c.charged) // a refused charge here would still be an error answer
            limiter_.charge({}, 0, c.steady, route.id < 0 ? std::string_view{} : route_name(route.id));
        limiter_.headers({}, c.steady, res.headers);
        res.status = f.status;
        res.body = error_body(f.message, f.type, f.param, f.code);
        return std::move(res);
    };

    // Authentication comes first: without a key the service cannot know whose budget to charge.
    auto auth = h[http::field::authorization];
    if (auth.size() <= 7 || !(auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
        res.status = 401;
        res.body =
            error_body("You didn't provide an API key. You need to provide your API key in an Authorization "
                       "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
                       "field (with blank username) if you're accessing the API from your browser and are "
                       "prompted for a username and password. You can obtain an API key from "
                       "https://platform.openai.com/account/api-keys.",
                       "invalid_request_error");
        return res;
    }
    if (cfg_.quota_exhausted) {
        ++stats_.quota_refusals;
        res.status = 429;
        res.body =
            error_body("You exceeded your current quota, please check your plan and billing details. For "
                       "more information on this error, read the docs: "
                       "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                       "insufficient_quota", {}, "insufficient_quota");
        return res;
    }
    try {
        if (route.id < 0)
            throw api_failure{404, "Invalid URL (" + std::string(http::to_string(req.method)) + " " +
                                       std::string(req.target.substr(0, req.target.find('?'))) + ")"};
        const std::string_view path = req.target;
        const bool beta_path = path.starts_with("/v1/assistants") || path.starts_with("/v1/threads") ||
                               path.starts_with("/v1/vector_stores");
        if (beta_path) {
            auto beta = h["OpenAI-Beta"];
            if (beta.find("assistants=v2") == std::string_view::npos)
                throw api_failure{400,
                                  beta.find("assistants=v1") != std::string_view::npos
                                      ? "The v1 Assistants API has been deprecated. Please try again by "
                                        "setting the header 'OpenAI-Beta: assistants=v2'."
                                      : "You must provide the 'OpenAI-Beta' header to access the Assistants "
                                        "API. Please try again by setting the header 'OpenAI-Beta: "
                                        "assistants=v2'."};
        }
        if (faults.server_error) {
            ++stats_.faults_5xx;
            throw api_failure{500, "The server had an error while processing your request. Sorry about that!",
                              "server_error"};
        }
        // A request that names no model costs 1 request; the others are charged by their handler.
        if (!route.self_charged && !c.charge({}, 0))
            return res;
        c.p0 = std::string(route.params[0]);
        c.p1 = std::string(route.params[1]);
        c.p2 = std::string(route.params[2]);

        switch (route.area) {
        case api_area::files:
            handle_files(c);
            return res;
        case api_area::assistants:
            handle_assistants(c);
            return res;
        case api_area::threads:
            handle_threads(c);
            return res;
        case api_area::runs:
            handle_runs(c);
            return res;
        case api_area::vector_stores:
            handle_vector_stores(c);
            return res;
        case api_area::responses:
            handle_responses(c);
            return res;
        case api_area::batches:
            handle_batches(c);
            return res;
        case api_area::emulator:
        case api_area::none:
            break;
        }
        throw api_failure{404, "Invalid URL"};
    } catch (const api_failure& f) {
        return fail(f);
    } catch (const std::exception& e) {
        return fail(api_failure{
            500, std::string("The server had an error while processing your request: ") + e.what(),
            "server_error"});
    }
}

} // namespace paced::emulator
