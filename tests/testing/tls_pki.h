// Throwaway PKI for TLS tests, made with the openssl command line: a CA, server
// certificates with chosen subject alternative names, and client certificates, all
// signed by that CA. Real certificates, so tests exercise gRPC's real handshake.
#ifndef MESHPROOF_TESTS_TESTING_TLS_PKI_H_
#define MESHPROOF_TESTS_TESTING_TLS_PKI_H_

#include <string>

#include "absl/status/statusor.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::testing {

struct CertAndKey {
  std::string cert_file;
  std::string key_file;
};

class TestCa {
 public:
  // Makes a CA named `name` (files in `dir` prefixed with it). INTERNAL when openssl fails.
  static absl::StatusOr<TestCa> Create(const TempDir& dir, const std::string& name);

  const std::string& ca_file() const { return ca_file_; }

  // Issues a server certificate for `san` ("IP:127.0.0.1", "DNS:store.meshproof.test",
  // or both comma-separated) into files prefixed `name`.
  absl::StatusOr<CertAndKey> IssueServer(const std::string& name, const std::string& san) const;
  // Issues a client certificate with common name `name`.
  absl::StatusOr<CertAndKey> IssueClient(const std::string& name) const;

 private:
  absl::StatusOr<CertAndKey> Issue(const std::string& name, const std::string& extensions) const;
  const TempDir* dir_ = nullptr;
  std::string name_;
  std::string ca_file_;
  std::string ca_key_;
};

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_TESTING_TLS_PKI_H_
