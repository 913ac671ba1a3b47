#pragma once
/// @file Umbrella header: everything a user of paced needs.
#include <paced/error.hpp>
#include <paced/response.hpp>
#include <paced/version.hpp>
