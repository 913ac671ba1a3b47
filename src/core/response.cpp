#include <paced/response.hpp>

#include <algorithm>

namespace paced {

bool iequals(std::string_view a, std::string_view b) noexcept {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string_view> header_list::find(std::string_view name) const noexcept {
    for (auto const& [k, v] : fields_)
        if (iequals(k, name))
            return std::string_view{v};
    return std::nullopt;
}

void header_list::set(std::string_view name, std::string value) {
    erase(name);
    fields_.emplace_back(std::string{name}, std::move(value));
}

void header_list::erase(std::string_view name) {
    std::erase_if(fields_, [&](value_type const& f) { return iequals(f.first, name); });
}

} // namespace paced
