// Builds against the installed headers and library, and runs without a network.
#include <paced/paced.hpp>

#include <iostream>

int main() {
    auto ec = paced::make_error_code(paced::errc::not_found);
    if (ec.category().name() != std::string_view{"paced"})
        return 1;
    std::cout << "paced " << paced::version_string << ": " << ec.message() << "\n";
    return 0;
}
