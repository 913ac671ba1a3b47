#include "common/test_certs.hpp"

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

namespace paced::test {
namespace {

void run(std::string const& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
        throw std::runtime_error("test certificates: command failed: " + command);
}

std::string quote(std::filesystem::path const& p) {
    return "'" + p.string() + "'";
}

struct cert_dir {
    test_certs files;

    cert_dir() {
        std::random_device rd;
        auto& f = files;
        f.dir = std::filesystem::temp_directory_path() /
                ("paced-test-certs-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(f.dir);
        f.ca_cert = f.dir / "ca.pem";
        auto const ca_key = f.dir / "ca.key";
        f.server_cert = f.dir / "server.pem";
        f.server_key = f.dir / "server.key";
        f.wrong_host_cert = f.dir / "wrong.pem";
        f.wrong_host_key = f.dir / "wrong.key";
        std::string const newkey = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

        run("openssl req -x509 " + newkey + " -keyout " + quote(ca_key) + " -out " + quote(f.ca_cert) +
            " -days 2 -subj '/CN=paced throw-away test CA'" +
            " -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'");

        auto leaf = [&](std::filesystem::path const& cert, std::filesystem::path const& key,
                        std::string const& cn, std::string const& san, unsigned serial) {
            auto const csr = f.dir / (cn + ".csr");
            auto const ext = f.dir / (cn + ".ext");
            std::ofstream{ext} << "subjectAltName=" << san << "\nbasicConstraints=CA:FALSE\n"
                               << "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n";
            run("openssl req " + newkey + " -keyout " + quote(key) + " -out " + quote(csr) +
                " -subj '/CN=" + cn + "'");
            run("openssl x509 -req -in " + quote(csr) + " -CA " + quote(f.ca_cert) + " -CAkey " +
                quote(ca_key) + " -set_serial " + std::to_string(serial) + " -days 2 -out " + quote(cert) +
                " -extfile " + quote(ext));
        };
        leaf(f.server_cert, f.server_key, "localhost", "IP:127.0.0.1,IP:::1,DNS:localhost",
             1000 + rd() % 100000);
        leaf(f.wrong_host_cert, f.wrong_host_key, "wrong.example", "DNS:wrong.example",
             200000 + rd() % 100000);
    }

    ~cert_dir() {
        std::error_code ec;
        std::filesystem::remove_all(files.dir, ec);
    }
};

} // namespace

test_certs const& certs() {
    static cert_dir const instance;
    return instance.files;
}

} // namespace paced::test
