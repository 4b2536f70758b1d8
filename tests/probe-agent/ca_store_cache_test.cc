// The parsed trust stores shared across handshakes: parsed once per file version,
// reparsed when the file changes, errors for unreadable or certificate-less files.
#include "services/probe-agent/ca_store_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

// Two throwaway self-signed certificates (no key is kept).
constexpr char kCaA[] = R"(-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUbZIJIqcSZnLvH9k4TAuDvygyZccwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTbWVzaHByb29mIHRlc3QgQ0EgYTAgFw0yNjExMjcwMzQ4Mjda
GA8yMTI2MTEwMzAzNDgyN1owHjEcMBoGA1UEAwwTbWVzaHByb29mIHRlc3QgQ0Eg
YTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABOQzlRA+b+7G+SiidrSTJDY0Rcz0
1igiLbBpqfU8DWsCsbtZxM6qnynzquXSJr1s+5DRDOtRFMjJU/FmvnNQ72OjUzBR
MB0GA1UdDgQWBBSUP3lkjHSEj5oBsFK5zPLmc2IfoTAfBgNVHSMEGDAWgBSUP3lk
jHSEj5oBsFK5zPLmc2IfoTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIF0e4+rMUkwpbZv/v0Tf8p/EDI2TjSwpS8Gct7a9VhtvAiEAk7Zqda2k2g8i
LmgMTomNHfT5OVJJHGPAtIbaM+AE7gY=
-----END CERTIFICATE-----
)";
constexpr char kCaB[] = R"(-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUItBucxjz8trmqYPIpC8Nq5FtgJgwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTbWVzaHByb29mIHRlc3QgQ0EgYjAgFw0yNjExMjcwMzQ4Mjda
GA8yMTI2MTEwMzAzNDgyN1owHjEcMBoGA1UEAwwTbWVzaHByb29mIHRlc3QgQ0Eg
YjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABK2rKZkoW8gRcF4MHnAEwJEp+wFk
aGiRXF13FXX8padhbof3qBz9g3IT590WGyxoAsFaWhf4s2hMVjwKuCp8PUCjUzBR
MB0GA1UdDgQWBBS7QPwK6O70blrgdWJvqwwx3aHqMTAfBgNVHSMEGDAWgBS7QPwK
6O70blrgdWJvqwwx3aHqMTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIQDwjNnzyeAyfYgX0orARFwzR1c6eYubSBnTMx4efUk95QIgSLUuzK/LMVfA
Am2M1sCV2nccd6GWOtc/kFqcOe6tsAE=
-----END CERTIFICATE-----
)";

// Returns the subject of the store's only certificate.
std::string OnlySubject(X509_STORE* store) {
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(store);
  if (sk_X509_OBJECT_num(objects) != 1) return "";
  X509* cert = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, 0));
  char name[256] = {0};
  X509_NAME_oneline(X509_get_subject_name(cert), name, sizeof(name));
  return name;
}

TEST(ProberCaStoreCacheTest, ParsesAFileOnceAndSharesTheStore) {
  testing::TempDir dir;
  const std::string file = dir.WriteFile("ca.pem", kCaA);
  CaStoreCache cache;
  auto first = cache.Get(file, "");
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = cache.Get(file, "");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(cache.loads(), 1);
  EXPECT_EQ(OnlySubject(*first), "/CN=meshproof test CA a");
  X509_STORE_free(*first);
  X509_STORE_free(*second);
}

TEST(ProberCaStoreCacheTest, ReparsesAChangedFileAndKeepsTheOldStoreAliveForItsHolders) {
  testing::TempDir dir;
  const std::string file = dir.WriteFile("ca.pem", kCaA);
  CaStoreCache cache;
  auto old_store = cache.Get(file, "");
  ASSERT_TRUE(old_store.ok()) << old_store.status();
  dir.WriteFile("ca.pem", std::string(kCaB) + "\n");  // another size: a new version
  auto new_store = cache.Get(file, "");
  ASSERT_TRUE(new_store.ok()) << new_store.status();
  EXPECT_NE(*old_store, *new_store);
  EXPECT_EQ(cache.loads(), 2);
  EXPECT_EQ(OnlySubject(*new_store), "/CN=meshproof test CA b");
  // A handshake that took the old store still holds a valid one.
  EXPECT_EQ(OnlySubject(*old_store), "/CN=meshproof test CA a");
  X509_STORE_free(*old_store);
  X509_STORE_free(*new_store);
}

TEST(ProberCaStoreCacheTest, KeepsFilesAndPathsApart) {
  testing::TempDir dir;
  const std::string a = dir.WriteFile("a.pem", kCaA);
  const std::string b = dir.WriteFile("b.pem", kCaB);
  CaStoreCache cache;
  auto store_a = cache.Get(a, "");
  auto store_b = cache.Get(b, "");
  auto store_a_with_path = cache.Get(a, dir.path());
  ASSERT_TRUE(store_a.ok() && store_b.ok() && store_a_with_path.ok());
  EXPECT_EQ(OnlySubject(*store_a), "/CN=meshproof test CA a");
  EXPECT_EQ(OnlySubject(*store_b), "/CN=meshproof test CA b");
  EXPECT_NE(*store_a, *store_a_with_path);
  EXPECT_EQ(cache.loads(), 3);
  for (X509_STORE* s : {*store_a, *store_b, *store_a_with_path}) X509_STORE_free(s);
}

TEST(ProberCaStoreCacheTest, RefusesMissingAndCertificateLessFiles) {
  testing::TempDir dir;
  CaStoreCache cache;
  EXPECT_EQ(cache.Get(dir.File("missing.pem"), "").status().code(), absl::StatusCode::kNotFound);
  const std::string junk = dir.WriteFile("junk.pem", "not a certificate\n");
  EXPECT_EQ(cache.Get(junk, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.Get("", "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cache.loads(), 0);
}

}  // namespace
}  // namespace meshproof::agent
