#include "tests/testing/tls_pki.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace meshproof::testing {
namespace {

// Temporary paths hold no spaces or quotes; the shell only chains the steps.
absl::Status Run(const std::string& command) {
  if (std::system(absl::StrCat("(", command, ") >/dev/null 2>&1").c_str()) != 0) {
    return absl::InternalError(absl::StrCat("openssl failed: ", command));
  }
  return absl::OkStatus();
}

constexpr char kNewKey[] = "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

absl::StatusOr<TestCa> TestCa::Create(const TempDir& dir, const std::string& name) {
  TestCa ca;
  ca.dir_ = &dir;
  ca.name_ = name;
  ca.ca_file_ = dir.File(name + "-ca.pem");
  ca.ca_key_ = dir.File(name + "-ca.key");
  if (absl::Status s = Run(absl::StrCat(kNewKey, " -x509 -days 2 -subj /CN=", name, "-ca -keyout ",
                                        ca.ca_key_, " -out ", ca.ca_file_));
      !s.ok()) {
    return s;
  }
  return ca;
}

absl::StatusOr<CertAndKey> TestCa::Issue(const std::string& name,
                                         const std::string& extensions) const {
  const std::string base = dir_->File(name);
  const std::string ext = dir_->WriteFile(name + "-ext.cnf", extensions);
  CertAndKey out{base + ".pem", base + ".key"};
  if (absl::Status s = Run(absl::StrCat(
          kNewKey, " -subj /CN=", name, " -keyout ", out.key_file, " -out ", base,
          ".csr && openssl x509 -req -days 2 -in ", base, ".csr -CA ", ca_file_, " -CAkey ",
          ca_key_, " -CAcreateserial -extfile ", ext, " -out ", out.cert_file));
      !s.ok()) {
    return s;
  }
  return out;
}

absl::StatusOr<CertAndKey> TestCa::IssueServer(const std::string& name,
                                               const std::string& san) const {
  return Issue(name, absl::StrCat("subjectAltName=", san, "\nextendedKeyUsage=serverAuth\n"));
}

absl::StatusOr<CertAndKey> TestCa::IssueClient(const std::string& name) const {
  return Issue(name, "extendedKeyUsage=clientAuth\n");
}

}  // namespace meshproof::testing
