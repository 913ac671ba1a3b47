#pragma once
// A throw-away CA and server certificates, made with the `openssl` command when a test first needs them.

#include <filesystem>

namespace paced::test {

/** @brief PEM files in a temporary directory, removed when the test process exits. */
struct test_certs {
    std::filesystem::path dir;
    std::filesystem::path ca_cert;     ///< The throw-away CA; trust it with pool_options::ca_file.
    std::filesystem::path server_cert; ///< Signed by the CA, for 127.0.0.1, ::1 and localhost.
    std::filesystem::path server_key;
    std::filesystem::path wrong_host_cert; ///< Signed by the CA, for wrong.example only.
    std::filesystem::path wrong_host_key;
};

/// The process's certificates, generated on first use. Throws std::runtime_error when openssl fails.
test_certs const& certs();

} // namespace paced::test
