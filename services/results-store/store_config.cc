#include "services/results-store/store_config.h"

#include "absl/strings/str_cat.h"

namespace meshproof::store {

void DeclareStoreOptions(bootstrap::OptionTable* table, StoreConfig* config) {
  bootstrap::AddServerOptions(table, &config->server,
                              "without it the store is open to every caller");
  bootstrap::AddDatabaseOption(table, &config->db);
  table->Int("retention-days", &config->retention_days, 0, 36500,
             "days runs are kept; 0 keeps everything, otherwise older runs are deleted hourly");
  table->Int("max-batch", &config->max_batch, 1, 500, "most results one AppendResults may carry");
  table->Choice("synchronous", &config->synchronous, {"NORMAL", "FULL"},
                "SQLite synchronous mode (docs/store.md)");
  table->Path("backup-dir", &config->backup_dir,
              "the only folder Backup writes under (default: the database file's folder)");
}

absl::StatusOr<StoreConfig> ParseStoreConfig(absl::string_view text, absl::string_view file_name) {
  StoreConfig config;
  bootstrap::OptionTable table;
  DeclareStoreOptions(&table, &config);
  const std::string file(file_name);
  if (absl::Status read = table.ReadFile(text, file); !read.ok()) return read;
  if (absl::Status checked = table.Finish(); !checked.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": ", checked.message()));
  }
  return config;
}

}  // namespace meshproof::store
