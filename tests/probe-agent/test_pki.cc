#include "tests/probe-agent/test_pki.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace meshproof::testing {

TestPki MakeTestPki(const TempDir& dir, const std::string& name) {
  const std::string base = dir.File(name);
  TestPki pki{base + "-ca.pem", base + "-server.pem", base + "-server.key"};
  const std::string ext = dir.WriteFile(name + "-ext.cnf", "subjectAltName=IP:127.0.0.1\n");
  // Temporary paths hold no spaces or quotes; the shell only chains the three steps.
  const std::string command = absl::StrCat(
      "(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "
      "/CN=",
      name, "-ca -keyout ", base, "-ca.key -out ", pki.ca_file,
      " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 "
      "-keyout ",
      pki.key_file, " -out ", base, "-server.csr && openssl x509 -req -days 2 -in ", base,
      "-server.csr -CA ", pki.ca_file, " -CAkey ", base, "-ca.key -CAcreateserial -extfile ", ext,
      " -out ", pki.cert_file, ") >/dev/null 2>&1");
  if (std::system(command.c_str()) != 0) return {};
  return pki;
}

}  // namespace meshproof::testing
