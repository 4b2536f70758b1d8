// Everything the results store binary is configured with, and its option table: each
// option is a flag and a key of the YAML file (--config), declared once in
// DeclareStoreOptions. Unknown keys are errors, reported with file:line:column.
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
//
// docs/store.md lists every option.
#ifndef MESHPROOF_SERVICES_RESULTS_STORE_STORE_CONFIG_H_
#define MESHPROOF_SERVICES_RESULTS_STORE_STORE_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/bootstrap/option_table.h"
#include "services/common/bootstrap/server_settings.h"

namespace meshproof::store {

struct StoreConfig {
  bootstrap::ServerSettings server;
  std::string db = "meshproof-store.db";
  int retention_days = 0;
  int max_batch = 500;
  // "NORMAL" or "FULL".
  std::string synchronous = "NORMAL";
  // The only folder Backup writes under; empty means the folder of the database file.
  std::string backup_dir;
};

// Declares every option of the store in `table`, writing into `config`.
void DeclareStoreOptions(bootstrap::OptionTable* table, StoreConfig* config);

// Parses a configuration file's YAML `text` alone (no flags), read from `file_name`.
// INVALID_ARGUMENT naming file:line:column and the key for unknown keys, wrong types and
// out-of-range values.
absl::StatusOr<StoreConfig> ParseStoreConfig(absl::string_view text, absl::string_view file_name);

}  // namespace meshproof::store

#endif  // MESHPROOF_SERVICES_RESULTS_STORE_STORE_CONFIG_H_
