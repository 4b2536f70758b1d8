#include "services/scenario/content_hash.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"

namespace meshproof::scenario {

std::string ContentHash(const meshproof::scenario::v1::Scenario& scenario) {
  meshproof::scenario::v1::Scenario copy = scenario;
  copy.clear_source();
  std::string bytes;
  {
    // Deterministic serialization orders map entries, so equal content hashes equally.
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  // The kept text (see Source.text) holds what placeholders stand for, so it is content.
  if (!scenario.source().text().empty()) {
    bytes.append("\0source.text\0", 13);
    bytes.append(scenario.source().text());
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace meshproof::scenario
