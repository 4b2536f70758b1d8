// Parsed trust stores shared by every TLS handshake of the agent. libcurl builds a new
// SSL_CTX per connection and, unless its own cache applies, parses the CA file into it
// again; with OpenSSL 3 that parsing cost more than the handshake itself. Its own cache
// (CURLOPT_CA_CACHE_TIMEOUT) never applies with Debian's libcurl, whose built-in CA
// path (/etc/ssl/certs) disqualifies it. This cache keeps one X509_STORE per (CA file,
// CA path) pair — the same certificates and the same lazy directory lookup libcurl would
// set up — and hands it to each new SSL_CTX (see http_probe.cc).
#ifndef MESHPROOF_SERVICES_PROBE_AGENT_CA_STORE_CACHE_H_
#define MESHPROOF_SERVICES_PROBE_AGENT_CA_STORE_CACHE_H_

#include <openssl/x509.h>
#include <sys/types.h>

#include <ctime>
#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace meshproof::agent {

class CaStoreCache {
 public:
  CaStoreCache() = default;
  ~CaStoreCache();
  CaStoreCache(const CaStoreCache&) = delete;
  CaStoreCache& operator=(const CaStoreCache&) = delete;

  // Returns a store with the certificates of `ca_file` and a directory lookup in
  // `ca_path` (either may be empty, not both), with the verification flags libcurl sets
  // (trusted first, partial chains). The caller owns one reference (X509_STORE_free).
  // The file is parsed again when its size, mtime or inode changed. NOT_FOUND when the
  // file cannot be read, INVALID_ARGUMENT when it holds no certificate or both are empty.
  absl::StatusOr<X509_STORE*> Get(const std::string& ca_file, const std::string& ca_path);

  // Times a file was parsed (for tests).
  int loads() const;

 private:
  struct Entry {
    X509_STORE* store = nullptr;
    off_t size = 0;
    timespec mtime{};
    ino_t inode = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, Entry> entries_ ABSL_GUARDED_BY(mu_);
  int loads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace meshproof::agent

#endif  // MESHPROOF_SERVICES_PROBE_AGENT_CA_STORE_CACHE_H_
