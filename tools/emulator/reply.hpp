#pragma once
// The assistant's reply: a documented, deterministic function of the thread's user input (README.md,
// "The reply function").

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace paced::emulator {

/** @brief The label and its explanation, before any tool outputs are appended. */
struct classification {
    bool yes = false;
    int positive = 0;
    int negative = 0;
    std::uint64_t hash = 0;
    std::string text; ///< "label: yes\nreason: ..."
};

/**
 * @brief Classifies `input` (the user messages' text and attached file bytes, one part per line).
 *
 * Whole words (ASCII letters, case-insensitive) are counted: positive = yes, true, positive, approve,
 * approved, accept, accepted, good; negative = no, false, negative, reject, rejected, deny, denied, bad.
 * More positive than negative words gives "yes", more negative gives "no"; a tie gives "yes" when the
 * FNV-1a 64 hash of the input is even, else "no".
 */
classification classify(std::string_view input);

/** @brief Appends the tool outputs line: "\ntool outputs: name=output; name=output". */
std::string with_tool_outputs(const std::string& reply,
                              const std::vector<std::pair<std::string, std::string>>& outputs);

/** @brief Splits a reply into about `pieces` fragments at spaces, for thread.message.delta events. */
std::vector<std::string> split_for_deltas(std::string_view text, std::size_t pieces);

} // namespace paced::emulator
