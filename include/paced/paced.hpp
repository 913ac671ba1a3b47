#pragma once
/// @file Umbrella header: everything a user of paced needs.
#include <paced/client.hpp>
#include <paced/client_options.hpp>
#include <paced/error.hpp>
#include <paced/pacing/async_semaphore.hpp>
#include <paced/pacing/budget.hpp>
#include <paced/pacing/local_budget.hpp>
#if defined(PACED_HAS_REDIS)
#include <paced/pacing/redis_budget.hpp>
#endif
#include <paced/batch.hpp>
#include <paced/pagination.hpp>
#include <paced/polling.hpp>
#include <paced/request_options.hpp>
#include <paced/response.hpp>
#include <paced/run_options.hpp>
#include <paced/streaming/response_stream.hpp>
#include <paced/streaming/run_stream.hpp>
#include <paced/version.hpp>
#include <paced/webhooks.hpp>
#include <paced/webhooks/receiver.hpp>
