#include "reply.hpp"

#include "util.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace paced::emulator {

namespace {
constexpr std::array<std::string_view, 8> positive_words{"yes",      "true",   "positive", "approve",
                                                         "approved", "accept", "accepted", "good"};
constexpr std::array<std::string_view, 8> negative_words{"no",       "false", "negative", "reject",
                                                         "rejected", "deny",  "denied",   "bad"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& words, std::string_view w) {
    for (auto x : words)
        if (x == w)
            return true;
    return false;
}
} // namespace

classification classify(std::string_view input) {
    classification c;
    c.hash = fnv1a(input);
    std::string word;
    auto flush = [&] {
        if (word.empty() || word.size() > 8)
            return word.clear();
        if (contains(positive_words, word))
            ++c.positive;
        else if (contains(negative_words, word))
            ++c.negative;
        word.clear();
    };
    for (unsigned char ch : input) {
        if (std::isalpha(ch))
            word += static_cast<char>(std::tolower(ch));
        else
            flush();
    }
    flush();
    if (c.positive != c.negative)
        c.yes = c.positive > c.negative;
    else
        c.yes = (c.hash & 1) == 0;
    char hash[20];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(c.hash));
    c.text = std::string("label: ") + (c.yes ? "yes" : "no") + "\nreason: " + std::to_string(c.positive) +
             " positive and " + std::to_string(c.negative) + " negative keyword(s) in " +
             std::to_string(input.size()) + " bytes of input" +
             (c.positive == c.negative ? std::string(", decided by input hash ") + hash : std::string()) +
             ".";
    return c;
}

std::string with_tool_outputs(const std::string& reply,
                              const std::vector<std::pair<std::string, std::string>>& outputs) {
    if (outputs.empty())
        return reply;
    std::string r = reply + "\ntool outputs: ";
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        if (i)
            r += "; ";
        r += outputs[i].first + "=" + outputs[i].second;
    }
    return r;
}

std::vector<std::string> split_for_deltas(std::string_view text, std::size_t pieces) {
    std::vector<std::string> out;
    if (text.empty())
        return out;
    if (pieces < 1)
        pieces = 1;
    const std::size_t target = (text.size() + pieces - 1) / pieces;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = std::min(text.size(), start + target);
        // Move the cut to just after the next space so that pieces are whole words.
        while (end < text.size() && text[end - 1] != ' ' && text[end - 1] != '\n')
            ++end;
        out.emplace_back(text.substr(start, end - start));
        start = end;
    }
    return out;
}

} // namespace paced::emulator
