// Throwaway certificates for HTTPS fakes, made with the openssl command line: a CA and a
// server certificate for 127.0.0.1 (IP SAN) signed by it.
#ifndef MESHPROOF_TESTS_PROBE_AGENT_TEST_PKI_H_
#define MESHPROOF_TESTS_PROBE_AGENT_TEST_PKI_H_

#include <string>

#include "tests/testing/temp_dir.h"

namespace meshproof::testing {

struct TestPki {
  std::string ca_file;    // the CA certificate, to trust
  std::string cert_file;  // the server's certificate
  std::string key_file;   // the server's key
};

// Makes a CA named `name` and a server certificate for 127.0.0.1 in `dir` (files
// prefixed with `name`). Returns empty paths when openssl fails.
TestPki MakeTestPki(const TempDir& dir, const std::string& name);

}  // namespace meshproof::testing

#endif  // MESHPROOF_TESTS_PROBE_AGENT_TEST_PKI_H_
