// The results store's YAML configuration (--config). Unknown keys are errors, reported
// with file:line:column.
//
//   listen: "0.0.0.0:7003"     # HOST:PORT (the --listen flag wins when given)
//   db: /var/lib/meshproof/store.db
//   retention_days: 400        # 0 keeps everything; otherwise runs older are deleted hourly
//   max_batch: 500             # results per AppendResults, 1..500
//   synchronous: normal        # normal or full (docs/store.md)
//   tokens: /etc/meshproof/store-tokens.yaml   # bearer tokens (docs/auth.md); --tokens wins
//   backup_dir: /var/backups/meshproof          # Backup writes only here; default: db's folder
//   tls_cert: /etc/meshproof/tls/tls.crt       # TLS (docs/tls.md); the --tls-* flags win
//   tls_key: /etc/meshproof/tls/tls.key
//   tls_client_ca: /etc/meshproof/tls/ca.crt   # require client certificates (mTLS)
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_STORE_CONFIG_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_STORE_CONFIG_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace meshproof::store {

struct StoreConfig {
  std::optional<std::string> listen;
  std::optional<std::string> db;
  int retention_days = 0;
  int max_batch = 500;
  // "NORMAL" or "FULL".
  std::string synchronous = "NORMAL";
  // Tokens file; empty leaves the store open to every caller.
  std::string tokens;
  // The only folder Backup writes under; empty means the folder of the database file.
  std::string backup_dir;
  // TLS files (ServerTlsOptions); empty: plaintext.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
};

// Parses YAML `text` read from `file_name` (used in messages). INVALID_ARGUMENT naming
// file:line:column and the key for unknown keys, wrong types and out-of-range values.
absl::StatusOr<StoreConfig> ParseStoreConfig(absl::string_view text, absl::string_view file_name);

// Reads and parses `path`. NOT_FOUND when it cannot be read; otherwise as ParseStoreConfig.
absl::StatusOr<StoreConfig> LoadStoreConfig(const std::string& path);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_STORE_CONFIG_H_
