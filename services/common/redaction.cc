// Secret redaction. Matching is plain byte comparison at every position, longest secret
// first: runs carry a handful of secrets, and texts are bounded by the limits upstream.
#include "services/common/redaction.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"

namespace meshproof {
namespace {

using google::protobuf::FieldDescriptor;

std::string PercentEncode(absl::string_view value, bool upper) {
  static constexpr char kUpper[] = "0123456789ABCDEF";
  static constexpr char kLower[] = "0123456789abcdef";
  const char* digits = upper ? kUpper : kLower;
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

// The JSON-escaped form of `value` (as a server echoing it in a JSON body writes it), or
// "" when escaping changes nothing.
std::string JsonEscaped(absl::string_view value) {
  std::string out;
  bool changed = false;
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      changed = true;
    } else if (c < 0x20) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", c));
      changed = true;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return changed ? out : "";
}

// Shortest base64 core worth matching: shorter runs of base64 letters turn up in ordinary
// text by chance.
constexpr size_t kMinBase64Core = 6;

// The base64 characters that encode `value` and nothing else, for the value starting at
// byte offset `shift` (0, 1 or 2) of a larger encoded text: a secret inside an encoded
// header ("Basic " + base64("user:" + secret)) shows one of these three cores whatever
// surrounds it.
std::vector<std::string> Base64Cores(absl::string_view value) {
  std::vector<std::string> cores;
  for (size_t shift = 0; shift < 3; ++shift) {
    const std::string padded = std::string(shift, '\0') + std::string(value);
    const size_t first = (8 * shift + 5) / 6;             // first char after the padding
    const size_t end = (8 * (shift + value.size())) / 6;  // chars wholly inside value
    if (end <= first || end - first < kMinBase64Core) continue;
    for (const std::string& encoded :
         {absl::Base64Escape(padded), absl::WebSafeBase64Escape(padded)}) {
      cores.push_back(encoded.substr(first, end - first));
    }
  }
  return cores;
}

// Redacts one string field (value or element), as an excerpt when it is bytes.
std::string RedactField(const Redactor& redactor, const FieldDescriptor* field,
                        const std::string& value) {
  return field->type() == FieldDescriptor::TYPE_BYTES ? redactor.RedactTruncated(value)
                                                      : redactor.Redact(value);
}

bool IsText(const FieldDescriptor* field) {
  return field->type() == FieldDescriptor::TYPE_STRING ||
         field->type() == FieldDescriptor::TYPE_BYTES;
}

}  // namespace

Redactor::Redactor(const std::vector<std::string>& secrets) {
  std::set<std::string> unique;
  for (const std::string& s : secrets) {
    if (s.size() < kMinSecretBytes) continue;
    unique.insert(s);
    unique.insert(PercentEncode(s, true));
    unique.insert(PercentEncode(s, false));
    if (std::string json = JsonEscaped(s); !json.empty()) unique.insert(json);
    for (std::string& core : Base64Cores(s)) unique.insert(std::move(core));
  }
  secrets_.assign(unique.begin(), unique.end());
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Redactor::Redact(absl::string_view text) const {
  if (secrets_.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool matched = false;
    for (const std::string& s : secrets_) {
      if (s[0] == text[i] && absl::StartsWith(text.substr(i), s)) {
        out.append(kRedacted.data(), kRedacted.size());
        i += s.size();
        matched = true;
        break;
      }
    }
    if (!matched) out.push_back(text[i++]);
  }
  return out;
}

std::string Redactor::RedactTruncated(absl::string_view text) const {
  std::string out = Redact(text);
  for (const std::string& s : secrets_) {
    for (size_t k = std::min(out.size(), s.size() - 1); k >= 1; --k) {
      if (absl::EndsWith(out, absl::string_view(s).substr(0, k))) {
        out.resize(out.size() - k);
        out.append(kRedacted.data(), kRedacted.size());
        return out;
      }
    }
  }
  return out;
}

absl::Status Redactor::RedactStatus(const absl::Status& status) const {
  if (status.ok() || secrets_.empty()) return status;
  return absl::Status(status.code(), Redact(status.message()));
}

void Redactor::RedactMessage(google::protobuf::Message* message) const {
  if (secrets_.empty()) return;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_repeated()) {
      // Map entries are repeated messages with key and value fields: handled below.
      const int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        if (IsText(field)) {
          reflection->SetRepeatedString(
              message, field, i,
              RedactField(*this, field, reflection->GetRepeatedString(*message, field, i)));
        } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
          RedactMessage(reflection->MutableRepeatedMessage(message, field, i));
        }
      }
    } else if (IsText(field)) {
      reflection->SetString(message, field,
                            RedactField(*this, field, reflection->GetString(*message, field)));
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      RedactMessage(reflection->MutableMessage(message, field));
    }
  }
}

absl::Status CheckSecretValue(absl::string_view field, absl::string_view value) {
  if (value.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": a secret must be at least ", kMinSecretBytes, " bytes long, got ", value.size()));
  }
  if (value.find_first_of("\r\n") != absl::string_view::npos) {
    // Logs and the CLI's output are redacted line by line.
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": a secret must not contain a line break"));
  }
  return absl::OkStatus();
}

namespace {

struct LogSecrets {
  absl::Mutex mu;
  std::deque<std::string> order;
  std::set<std::string> known;
  std::shared_ptr<const Redactor> redactor;
};

LogSecrets& Registry() {
  static auto* registry = new LogSecrets;
  return *registry;
}

}  // namespace

void AddLogSecrets(const std::vector<std::string>& secrets) {
  LogSecrets& r = Registry();
  absl::MutexLock lock(&r.mu);
  bool changed = false;
  for (const std::string& s : secrets) {
    if (s.size() < kMinSecretBytes || !r.known.insert(s).second) continue;
    r.order.push_back(s);
    changed = true;
    if (r.order.size() > kMaxLogSecrets) {
      r.known.erase(r.order.front());
      r.order.pop_front();
    }
  }
  if (changed) {
    r.redactor =
        std::make_shared<const Redactor>(std::vector<std::string>(r.order.begin(), r.order.end()));
  }
}

std::string RedactForLog(absl::string_view line) {
  LogSecrets& r = Registry();
  std::shared_ptr<const Redactor> redactor;
  {
    absl::MutexLock lock(&r.mu);
    redactor = r.redactor;
  }
  return redactor ? redactor->Redact(line) : std::string(line);
}

}  // namespace meshproof
