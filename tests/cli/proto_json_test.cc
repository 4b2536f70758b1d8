// The CLI's JSON printer against protobuf's own: for messages filled at random by
// reflection (every field kind of the result, outcome, run and event messages; tricky
// strings; unknown enum values; Durations and Timestamps at their edges), whatever
// AppendFastJson prints must be byte for byte what MessageToJsonString prints, and what it
// leaves to protobuf (maps with entries, doubles, invalid UTF-8, out-of-range times) must
// come out of AppendProtoJson as protobuf prints it.
#include "clients/cli/proto_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "meshproof/agent/v1/agent.pb.h"
#include "meshproof/result/v1/result.pb.h"
#include "meshproof/store/v1/store.pb.h"

namespace meshproof::cli {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string Protobuf(const Message& message, bool indented = false) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.add_whitespace = indented;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, options).ok());
  return json;
}

std::string Utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    s.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
  return s;
}

// Code points at and around every range protobuf escapes, and ordinary ones of each
// UTF-8 length.
std::vector<uint32_t> InterestingCodePoints() {
  std::vector<uint32_t> points;
  for (uint32_t cp = 0; cp < 0x100; ++cp) points.push_back(cp);
  const std::vector<std::pair<uint32_t, uint32_t>> ranges = {
      {0x05ff, 0x0604},   {0x06dc, 0x06de},   {0x070e, 0x0710},    {0x17b3, 0x17b6},
      {0x200a, 0x2010},   {0x2027, 0x202f},   {0x205f, 0x2065},    {0x2069, 0x2070},
      {0xfefe, 0xff00},   {0xfff8, 0xfffc},   {0x1d172, 0x1d17b},  {0xe0000, 0xe0002},
      {0xe001f, 0xe0021}, {0xe007e, 0xe0080}, {0x10fffe, 0x10ffff}};
  for (const auto& [from, to] : ranges) {
    for (uint32_t cp = from; cp <= to; ++cp) points.push_back(cp);
  }
  for (uint32_t cp : {0x3b1u, 0xd55cu, 0xac00u, 0x1f600u, 0x7ffu, 0x800u, 0xffffu, 0x10000u})
    points.push_back(cp);
  return points;
}

// Fills a message's fields at random, by reflection.
class Filler {
 public:
  Filler(uint64_t seed, bool maps_and_floats) : rng_(seed), maps_and_floats_(maps_and_floats) {}

  void Fill(Message* message, int depth) {
    const Descriptor* type = message->GetDescriptor();
    const Reflection* r = message->GetReflection();
    if (type->full_name() == "google.protobuf.Duration") return FillDuration(message, type, r);
    if (type->full_name() == "google.protobuf.Timestamp") return FillTimestamp(message, type, r);
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (!Chance(depth == 0 ? 0.7 : 0.5)) continue;
      if (field->containing_oneof() != nullptr &&
          r->HasOneof(*message, field->containing_oneof())) {
        continue;
      }
      if (field->is_map()) {
        if (maps_and_floats_) FillMap(message, field, r);
        continue;
      }
      if (field->is_repeated()) {
        const int count = Pick(0, 3);
        for (int k = 0; k < count; ++k) Add(message, field, r, depth);
      } else {
        Set(message, field, r, depth);
      }
    }
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  T Number() {
    switch (Pick(0, 5)) {
      case 0: return 0;
      case 1: return std::numeric_limits<T>::max();
      case 2: return std::numeric_limits<T>::min();
      case 3: return static_cast<T>(1);
      case 4: return static_cast<T>(-1);
      default: return static_cast<T>(rng_());
    }
  }
  std::string Text() {
    static const std::vector<uint32_t> points = InterestingCodePoints();
    static const std::vector<std::string> fixed = {"",
                                                   "plain",
                                                   "quote \" and back\\slash",
                                                   "<script>&amp;</script>",
                                                   "tab\there\nnl\r",
                                                   "GET / HTTP/1.1",
                                                   "ünïcödé ✓ 한국어",
                                                   "\x7f\x01"};
    if (Chance(0.4)) return fixed[Pick(0, static_cast<int>(fixed.size()) - 1)];
    std::string s;
    const int length = Pick(0, 12);
    for (int i = 0; i < length; ++i)
      s += Utf8(points[Pick(0, static_cast<int>(points.size()) - 1)]);
    return s;
  }
  std::string Bytes() {
    std::string s(Pick(0, 20), '\0');
    for (char& c : s) c = static_cast<char>(Pick(0, 255));
    return s;
  }
  int EnumNumber(const FieldDescriptor* field) {
    if (Chance(0.15)) return Pick(0, 1) == 0 ? 999 : -3;  // unknown to the schema
    const auto* type = field->enum_type();
    return type->value(Pick(0, type->value_count() - 1))->number();
  }

  void Set(Message* m, const FieldDescriptor* f, const Reflection* r, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return r->SetInt32(m, f, Number<int32_t>());
      case FieldDescriptor::CPPTYPE_UINT32: return r->SetUInt32(m, f, Number<uint32_t>());
      case FieldDescriptor::CPPTYPE_INT64: return r->SetInt64(m, f, Number<int64_t>());
      case FieldDescriptor::CPPTYPE_UINT64: return r->SetUInt64(m, f, Number<uint64_t>());
      case FieldDescriptor::CPPTYPE_BOOL: return r->SetBool(m, f, Chance(0.5));
      case FieldDescriptor::CPPTYPE_ENUM: return r->SetEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->SetString(m, f, f->type() == FieldDescriptor::TYPE_BYTES ? Bytes() : Text());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 5) Fill(r->MutableMessage(m, f), depth + 1);
        return;
      case FieldDescriptor::CPPTYPE_FLOAT:
        if (maps_and_floats_) r->SetFloat(m, f, 0.1f * Pick(1, 100));
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        if (maps_and_floats_) r->SetDouble(m, f, 0.1 * Pick(1, 100));
        return;
    }
  }
  void Add(Message* m, const FieldDescriptor* f, const Reflection* r, int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return r->AddInt32(m, f, Number<int32_t>());
      case FieldDescriptor::CPPTYPE_UINT32: return r->AddUInt32(m, f, Number<uint32_t>());
      case FieldDescriptor::CPPTYPE_INT64: return r->AddInt64(m, f, Number<int64_t>());
      case FieldDescriptor::CPPTYPE_UINT64: return r->AddUInt64(m, f, Number<uint64_t>());
      case FieldDescriptor::CPPTYPE_BOOL: return r->AddBool(m, f, Chance(0.5));
      case FieldDescriptor::CPPTYPE_ENUM: return r->AddEnumValue(m, f, EnumNumber(f));
      case FieldDescriptor::CPPTYPE_STRING:
        return r->AddString(m, f, f->type() == FieldDescriptor::TYPE_BYTES ? Bytes() : Text());
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* added = r->AddMessage(m, f);
        if (depth < 5) Fill(added, depth + 1);
        return;
      }
      case FieldDescriptor::CPPTYPE_FLOAT:
        if (maps_and_floats_) r->AddFloat(m, f, 0.5f);
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        if (maps_and_floats_) r->AddDouble(m, f, 0.25);
        return;
    }
  }
  void FillMap(Message* m, const FieldDescriptor* f, const Reflection* r) {
    const int count = Pick(1, 3);
    for (int k = 0; k < count; ++k) {
      Message* entry = r->AddMessage(m, f);
      const Descriptor* type = entry->GetDescriptor();
      const Reflection* er = entry->GetReflection();
      er->SetString(entry, type->FindFieldByName("key"), "k" + std::to_string(k));
      er->SetString(entry, type->FindFieldByName("value"), Text());
    }
  }
  void FillDuration(Message* m, const Descriptor* type, const Reflection* r) {
    static const std::vector<int32_t> nanos = {0, 1, 999999999, 500000000, 8000, 120000, 7};
    const int64_t edges[] = {315576000000, 0, 0, 1};
    int64_t seconds = Chance(0.5) ? edges[Pick(0, 3)] : Pick(0, 100000);
    int32_t n = nanos[Pick(0, static_cast<int>(nanos.size()) - 1)];
    if (Chance(0.3)) seconds = -seconds, n = -n;
    r->SetInt64(m, type->FindFieldByNumber(1), seconds);
    r->SetInt32(m, type->FindFieldByNumber(2), n);
  }
  void FillTimestamp(Message* m, const Descriptor* type, const Reflection* r) {
    static const std::vector<int64_t> seconds = {
        0,          1, -1, 1796300178, -62135596800, 253402300799, 951782400 /* 2000-02-29 */,
        -2208988800 /* 1900 */};
    static const std::vector<int32_t> nanos = {0, 1, 999999999, 123000000, 123456000, 5};
    r->SetInt64(
        m, type->FindFieldByNumber(1),
        Chance(0.5) ? seconds[Pick(0, static_cast<int>(seconds.size()) - 1)] : Pick(0, 2000000000));
    r->SetInt32(m, type->FindFieldByNumber(2), nanos[Pick(0, static_cast<int>(nanos.size()) - 1)]);
  }

  std::mt19937_64 rng_;
  bool maps_and_floats_;
};

template <typename T>
class ProtoJsonTest : public testing::Test {};
using Messages = testing::Types<result::v1::TestResult, result::v1::ScenarioOutcome,
                                store::v1::RunDetail, agent::v1::ExecuteEvent>;
TYPED_TEST_SUITE(ProtoJsonTest, Messages);

TYPED_TEST(ProtoJsonTest, PrintsWhatProtobufPrints) {
  int fast = 0;
  constexpr int kMessages = 300;
  for (int seed = 0; seed < kMessages; ++seed) {
    TypeParam message;
    Filler(seed, /*maps_and_floats=*/false).Fill(&message, 0);
    std::string json = "prefix:";
    if (AppendFastJson(message, &json)) {
      ++fast;
      ASSERT_EQ(json, "prefix:" + Protobuf(message)) << "seed " << seed;
    } else {
      ASSERT_EQ(json, "prefix:") << "a refused message must leave the output alone";
    }
  }
  // Without maps and floats only out-of-range times send a message to protobuf.
  EXPECT_GT(fast, kMessages / 2) << fast << " of " << kMessages << " printed fast";
}

TYPED_TEST(ProtoJsonTest, WhatItLeavesToProtobufComesOutAsProtobufPrintsIt) {
  int left = 0;
  for (int seed = 0; seed < 200; ++seed) {
    TypeParam message;
    Filler(1000 + seed, /*maps_and_floats=*/true).Fill(&message, 0);
    std::string fast;
    if (!AppendFastJson(message, &fast)) ++left;
    std::string json;
    ASSERT_TRUE(AppendProtoJson(message, &json));
    ASSERT_EQ(json, Protobuf(message)) << "seed " << seed;
    std::string indented;
    ASSERT_TRUE(AppendProtoJsonIndented(message, &indented));
    ASSERT_EQ(indented, Protobuf(message, /*indented=*/true)) << "seed " << seed;
  }
  (void)left;
}

TYPED_TEST(ProtoJsonTest, IndentedIsProtobufsLayout) {
  for (int seed = 0; seed < 200; ++seed) {
    TypeParam message;
    Filler(5000 + seed, /*maps_and_floats=*/false).Fill(&message, 0);
    std::string json;
    ASSERT_TRUE(AppendProtoJsonIndented(message, &json));
    ASSERT_EQ(json, Protobuf(message, /*indented=*/true)) << "seed " << seed;
  }
}

TEST(ProtoJsonStringsTest, EveryInterestingCodePointIsEscapedAsProtobufDoes) {
  for (uint32_t cp : InterestingCodePoints()) {
    result::v1::TestResult result;
    result.set_reason("a" + Utf8(cp) + "b" + Utf8(cp));
    std::string json;
    ASSERT_TRUE(AppendFastJson(result, &json)) << std::hex << cp;
    EXPECT_EQ(json, Protobuf(result)) << std::hex << "U+" << cp;
  }
}

TEST(ProtoJsonStringsTest, InvalidUtf8IsLeftToProtobuf) {
  for (const std::string bad :
       {std::string("\xff"), std::string("a\xc0\x80"), std::string("\xed\xa0\x80"),
        std::string("\xe2\x82"), std::string("\xf4\x90\x80\x80"), std::string("\x80")}) {
    result::v1::TestResult result;
    result.set_test("t");
    result.add_claims(bad);
    std::string json = "x";
    EXPECT_FALSE(AppendFastJson(result, &json));
    EXPECT_EQ(json, "x");
  }
}

TEST(ProtoJsonRefusalsTest, MapsDoublesAndOutOfRangeTimesAreLeftToProtobuf) {
  store::v1::RunDetail with_map;
  (*with_map.mutable_run()->mutable_labels())["team"] = "a";
  std::string json;
  EXPECT_FALSE(AppendFastJson(with_map, &json));
  ASSERT_TRUE(AppendProtoJson(with_map, &json));
  EXPECT_EQ(json, Protobuf(with_map));

  result::v1::TestResult late;
  late.mutable_started_at()->set_seconds(253402300800);  // year 10000
  json.clear();
  EXPECT_FALSE(AppendFastJson(late, &json));
  EXPECT_TRUE(json.empty());

  result::v1::TestResult mixed;
  mixed.mutable_outcome()->mutable_timings()->mutable_total()->set_seconds(1);
  mixed.mutable_outcome()->mutable_timings()->mutable_total()->set_nanos(-5);
  EXPECT_FALSE(AppendFastJson(mixed, &json));
}

TEST(ProtoJsonRefusalsTest, AnEmptyMessageIsAnEmptyObject) {
  std::string json;
  ASSERT_TRUE(AppendFastJson(result::v1::TestResult(), &json));
  EXPECT_EQ(json, "{}");
}

}  // namespace
}  // namespace meshproof::cli
