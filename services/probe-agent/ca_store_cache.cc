#include "services/probe-agent/ca_store_cache.h"

#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include "absl/strings/str_cat.h"

namespace meshproof::agent {

CaStoreCache::~CaStoreCache() {
  for (auto& [key, entry] : entries_) X509_STORE_free(entry.store);
}

int CaStoreCache::loads() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

absl::StatusOr<X509_STORE*> CaStoreCache::Get(const std::string& ca_file,
                                              const std::string& ca_path) {
  if (ca_file.empty() && ca_path.empty())
    return absl::InvalidArgumentError("no CA file and no CA path");
  struct stat info {};
  if (!ca_file.empty() && stat(ca_file.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read CA file ", ca_file));
  }
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[{ca_file, ca_path}];
  const bool same = entry.store != nullptr && entry.size == info.st_size &&
                    entry.inode == info.st_ino && entry.mtime.tv_sec == info.st_mtim.tv_sec &&
                    entry.mtime.tv_nsec == info.st_mtim.tv_nsec;
  if (!same) {
    X509_STORE* store = X509_STORE_new();
    bool ok = store != nullptr;
    if (ok && !ca_file.empty()) {
      ok = X509_STORE_load_file(store, ca_file.c_str()) == 1;
      if (ok) {
        // A file without a single certificate is not a trust store.
        STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
        ok = objects != nullptr && sk_X509_OBJECT_num(objects) > 0;
      }
    }
    // The directory is looked up lazily, per issuer, as libcurl does.
    if (ok && !ca_path.empty()) ok = X509_STORE_load_path(store, ca_path.c_str()) == 1;
    if (!ok) {
      X509_STORE_free(store);
      if (entry.store == nullptr) entries_.erase({ca_file, ca_path});
      return absl::InvalidArgumentError(
          absl::StrCat("no certificate could be loaded from ", ca_file));
    }
    // The flags libcurl sets on the store it builds: prefer issuers from the trust store
    // to server-sent legacy intermediates, and accept a trusted intermediate as anchor.
    X509_STORE_set_flags(store, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
    ++loads_;
    X509_STORE_free(entry.store);  // handshakes still using the old one hold their own reference
    entry.store = store;
    entry.size = info.st_size;
    entry.inode = info.st_ino;
    entry.mtime = info.st_mtim;
  }
  X509_STORE_up_ref(entry.store);
  return entry.store;
}

}  // namespace meshproof::agent
