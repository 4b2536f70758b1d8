#include "clients/cli/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace meshproof::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// protobuf's own bounds: 10,000 years either way for a Duration, years 1 to 9999 for a
// Timestamp.
constexpr int64_t kMaxDurationSeconds = 315576000000;
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int32_t kNanosPerSecond = 1000000000;
// Deeper than any message of ours; protobuf's converter has limits of its own.
constexpr int kMaxDepth = 32;

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  const char escaped[] = {'\\',
                          'u',
                          kHex[(unit >> 12) & 0xf],
                          kHex[(unit >> 8) & 0xf],
                          kHex[(unit >> 4) & 0xf],
                          kHex[unit & 0xf]};
  out->append(escaped, sizeof(escaped));
}

// Decodes the code point starting at text[i]; returns its length in bytes, or 0 when the
// bytes there are not well-formed UTF-8 (overlong forms, surrogates and values above
// U+10FFFF included). protobuf drops such bytes; those strings are left to protobuf.
size_t DecodeUtf8(absl::string_view text, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  size_t length = 0;
  uint32_t min = 0;
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  } else if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, min = 0x80, *cp = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, min = 0x800, *cp = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, min = 0x10000, *cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    const uint8_t next = byte(i + k);
    if ((next & 0xc0) != 0x80) return 0;
    *cp = (*cp << 6) | (next & 0x3f);
  }
  if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
  return length;
}

// The code points protobuf writes as \uXXXX although JSON would allow them as they are:
// invisible and formatting characters that have been used to hide text in JavaScript.
bool EscapedAsOneUnit(uint32_t cp) {
  switch (cp) {
    case 0x00ad:
    case 0x06dd:
    case 0x070f:
    case 0x17b4:
    case 0x17b5:
    case 0xfeff:
    case 0xfff9:
    case 0xfffa:
    case 0xfffb: return true;
    default:
      return (cp >= 0x0600 && cp <= 0x0603) || (cp >= 0x200b && cp <= 0x200f) ||
             (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) ||
             (cp >= 0x206a && cp <= 0x206f);
  }
}
bool EscapedAsSurrogatePair(uint32_t cp) {
  return cp == 0xe0001 || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0020 && cp <= 0xe007f);
}

// Appends `text` as a JSON string the way protobuf escapes it; false when it is not
// valid UTF-8.
bool AppendString(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    // A run of characters that need no escaping, copied at once.
    size_t run = i;
    while (run < text.size()) {
      const auto c = static_cast<uint8_t>(text[run]);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>') break;
      ++run;
    }
    out->append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    uint32_t cp = 0;
    const size_t length = DecodeUtf8(text, i, &cp);
    if (length == 0) return false;
    switch (cp) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\f': out->append("\\f"); break;
      case '\r': out->append("\\r"); break;
      default:
        if (cp < 0x20 || cp == '<' || cp == '>' || (cp >= 0x7f && cp < 0xa0) ||
            EscapedAsOneUnit(cp)) {
          AppendUnicodeEscape(cp, out);
        } else if (EscapedAsSurrogatePair(cp)) {
          const uint32_t offset = cp - 0x10000;
          AppendUnicodeEscape(0xd800 + (offset >> 10), out);
          AppendUnicodeEscape(0xdc00 + (offset & 0x3ff), out);
        } else {
          out->append(text.data() + i, length);
        }
    }
    i += length;
  }
  out->push_back('"');
  return true;
}

// protobuf's fraction of a second: none, or 3, 6 or 9 digits, whichever is exact.
void AppendNanos(int32_t nanos, std::string* out) {
  if (nanos == 0) return;
  char digits[16];
  if (nanos % 1000000 == 0) {
    std::snprintf(digits, sizeof(digits), ".%03d", nanos / 1000000);
  } else if (nanos % 1000 == 0) {
    std::snprintf(digits, sizeof(digits), ".%06d", nanos / 1000);
  } else {
    std::snprintf(digits, sizeof(digits), ".%09d", nanos);
  }
  out->append(digits);
}

bool AppendDuration(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds > kMaxDurationSeconds || seconds < -kMaxDurationSeconds) return false;
  if (nanos <= -kNanosPerSecond || nanos >= kNanosPerSecond) return false;
  // Mixed signs are refused by protobuf or printed oddly: left to it.
  if ((seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0)) return false;
  out->push_back('"');
  if (seconds < 0 || nanos < 0) out->push_back('-');
  absl::StrAppend(out, seconds < 0 ? -seconds : seconds);
  AppendNanos(nanos < 0 ? -nanos : nanos, out);
  out->append("s\"");
  return true;
}

bool AppendTimestamp(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) return false;
  if (nanos < 0 || nanos >= kNanosPerSecond) return false;
  const absl::CivilSecond t =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  char text[32];
  std::snprintf(text, sizeof(text), "\"%04d-%02d-%02dT%02d:%02d:%02d", static_cast<int>(t.year()),
                t.month(), t.day(), t.hour(), t.minute(), t.second());
  out->append(text);
  AppendNanos(nanos, out);
  out->append("Z\"");
  return true;
}

class Printer {
 public:
  explicit Printer(std::string* out) : out_(out) {}

  bool PrintMessage(const Message& message, int depth) {
    if (depth > kMaxDepth) return false;
    const Descriptor* type = message.GetDescriptor();
    const Reflection* reflection = message.GetReflection();
    if (IsWellKnown(type)) return PrintWellKnown(message, type, reflection);
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);  // set fields, by number: protobuf's order
    out_->push_back('{');
    bool first = true;
    for (const FieldDescriptor* field : fields) {
      if (field->is_map()) return false;  // protobuf prints entries in hash order
      if (!first) out_->push_back(',');
      first = false;
      out_->push_back('"');
      out_->append(field->name());
      out_->append("\":");
      if (field->is_repeated()) {
        out_->push_back('[');
        const int size = reflection->FieldSize(message, field);
        for (int i = 0; i < size; ++i) {
          if (i > 0) out_->push_back(',');
          if (!PrintValue(message, reflection, field, i, depth)) return false;
        }
        out_->push_back(']');
      } else if (!PrintValue(message, reflection, field, -1, depth)) {
        return false;
      }
    }
    out_->push_back('}');
    return true;
  }

 private:
  static bool IsWellKnown(const Descriptor* type) {
    return absl::string_view(type->file()->name()).substr(0, 16) == "google/protobuf/";
  }

  bool PrintWellKnown(const Message& message, const Descriptor* type,
                      const Reflection* reflection) {
    const bool duration = type->full_name() == "google.protobuf.Duration";
    if (!duration && type->full_name() != "google.protobuf.Timestamp") return false;
    const FieldDescriptor* seconds = type->FindFieldByNumber(1);
    const FieldDescriptor* nanos = type->FindFieldByNumber(2);
    if (seconds == nullptr || nanos == nullptr) return false;
    const int64_t s = reflection->GetInt64(message, seconds);
    const int32_t n = reflection->GetInt32(message, nanos);
    return duration ? AppendDuration(s, n, out_) : AppendTimestamp(s, n, out_);
  }

  // One value of `field`: element `index` of a repeated field, or the field when -1.
  bool PrintValue(const Message& message, const Reflection* r, const FieldDescriptor* field,
                  int index, int depth) {
    const bool one = index < 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(
            out_, one ? r->GetInt32(message, field) : r->GetRepeatedInt32(message, field, index));
        return true;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(
            out_, one ? r->GetUInt32(message, field) : r->GetRepeatedUInt32(message, field, index));
        return true;
      case FieldDescriptor::CPPTYPE_INT64:
        absl::StrAppend(
            out_, "\"",
            one ? r->GetInt64(message, field) : r->GetRepeatedInt64(message, field, index), "\"");
        return true;
      case FieldDescriptor::CPPTYPE_UINT64:
        absl::StrAppend(
            out_, "\"",
            one ? r->GetUInt64(message, field) : r->GetRepeatedUInt64(message, field, index), "\"");
        return true;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_->append((one ? r->GetBool(message, field) : r->GetRepeatedBool(message, field, index))
                         ? "true"
                         : "false");
        return true;
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number =
            one ? r->GetEnumValue(message, field) : r->GetRepeatedEnumValue(message, field, index);
        const auto* value = field->enum_type()->FindValueByNumber(number);
        if (value == nullptr) {
          absl::StrAppend(out_, number);  // an unknown value prints as its number
        } else {
          absl::StrAppend(out_, "\"", value->name(), "\"");
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& value =
            one ? r->GetStringReference(message, field, &scratch)
                : r->GetRepeatedStringReference(message, field, index, &scratch);
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          absl::StrAppend(out_, "\"", absl::Base64Escape(value), "\"");
          return true;
        }
        return AppendString(value, out_);
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return PrintMessage(
            one ? r->GetMessage(message, field) : r->GetRepeatedMessage(message, field, index),
            depth + 1);
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return false;  // protobuf's shortest round-trip formatting
    }
    return false;
  }

  std::string* out_;
};

// Lays out compact JSON as protobuf's add_whitespace does: a newline and one space per
// level after each opening bracket and comma and before each closing bracket, none
// inside an empty object, a space after each colon.
void AppendIndented(absl::string_view json, std::string* out) {
  int depth = 0;
  bool in_string = false;
  const auto new_line = [&](int level) {
    out->push_back('\n');
    out->append(static_cast<size_t>(level), ' ');
  };
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out->push_back(c);
      if (c == '\\') {
        out->push_back(json[++i]);  // escapes are ASCII: the next byte is part of it
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out->push_back(c);
        break;
      case '{':
      case '[':
        out->push_back(c);
        if (i + 1 < json.size() && (json[i + 1] == '}' || json[i + 1] == ']')) {
          out->push_back(json[++i]);
        } else {
          new_line(++depth);
        }
        break;
      case '}':
      case ']':
        new_line(--depth);
        out->push_back(c);
        break;
      case ',':
        out->push_back(c);
        new_line(depth);
        break;
      case ':': out->append(": "); break;
      default: out->push_back(c);
    }
  }
  out->push_back('\n');
}

}  // namespace

bool AppendFastJson(const Message& message, std::string* out) {
  const size_t start = out->size();
  Printer printer(out);
  if (printer.PrintMessage(message, 0)) return true;
  out->resize(start);
  return false;
}

// protobuf's own printer, for what AppendFastJson leaves to it.
static bool AppendProtobufJson(const Message& message, bool indented, std::string* out) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = indented;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return false;
  out->append(json);
  return true;
}

bool AppendProtoJson(const Message& message, std::string* out) {
  return AppendFastJson(message, out) || AppendProtobufJson(message, /*indented=*/false, out);
}

bool AppendProtoJsonIndented(const Message& message, std::string* out) {
  std::string compact;
  if (!AppendFastJson(message, &compact))
    return AppendProtobufJson(message, /*indented=*/true, out);
  AppendIndented(compact, out);
  return true;
}

}  // namespace meshproof::cli
