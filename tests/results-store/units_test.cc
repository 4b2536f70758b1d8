// Pure pieces of the store: result codec, outcome words, change classification, flip
// counting, page tokens and the YAML configuration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/results-store/comparison.h"
#include "services/results-store/flakiness.h"
#include "services/results-store/page_token.h"
#include "services/results-store/result_codec.h"
#include "services/results-store/store_config.h"
#include "tests/results-store/store_fixtures.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::store::testing {
namespace {

using ::meshproof::testing::StatusIs;
using result::v1::TEST_VERDICT_ERROR;
using result::v1::TEST_VERDICT_FAIL;
using result::v1::TEST_VERDICT_PASS;
using result::v1::TEST_VERDICT_SKIPPED;
using ::testing::HasSubstr;

TEST(ResultCodecTest, PlainResultNeedsNoDetail) {
  auto r = MakeResult("t", TEST_VERDICT_PASS, 200, 12);
  r.clear_test();
  r.clear_phase();
  ResultRow row = EncodeResult(r);
  EXPECT_TRUE(row.detail.empty());
  EXPECT_EQ(row.status_code, 200);
  EXPECT_EQ(row.latency_us, 12000);
  MP_ASSERT_OK_AND_ASSIGN(auto back, DecodeResult(row));
  EXPECT_EQ(back.SerializeAsString(), r.SerializeAsString());
}

TEST(ResultCodecTest, LargeDetailIsCompressedAndRoundTrips) {
  auto r = MakeResult("t", TEST_VERDICT_FAIL, 0, 5, scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE);
  r.clear_test();
  r.clear_phase();
  auto* e = r.add_evidence();
  e->set_name("log");
  for (int i = 0; i < 50; ++i) e->add_lines("\"- - -\" 0 - - outbound|443||httpbin.org");
  ResultRow row = EncodeResult(r);
  ASSERT_FALSE(row.detail.empty());
  EXPECT_EQ(row.detail[0], 1) << "expected zlib";
  EXPECT_LT(row.detail.size(), r.ByteSizeLong() / 4);
  MP_ASSERT_OK_AND_ASSIGN(auto back, DecodeResult(row));
  EXPECT_EQ(back.SerializeAsString(), r.SerializeAsString());
}

TEST(ResultCodecTest, DamagedDetailIsInternal) {
  ResultRow row;
  row.flags = kFlagHasDetail;
  row.detail = std::string("\x01\xff\xff\x00\x00garbage", 12);
  EXPECT_THAT(DecodeResult(row), StatusIs(absl::StatusCode::kInternal));
}

TEST(OutcomeStringTest, Words) {
  EXPECT_EQ(OutcomeString(kFlagHasOutcome | kFlagHttp, 200, 0, TEST_VERDICT_PASS), "200");
  EXPECT_EQ(OutcomeString(kFlagHasOutcome | kFlagHttp, 0, 0, TEST_VERDICT_FAIL), "000");
  EXPECT_EQ(OutcomeString(kFlagHasOutcome | kFlagHttp | kFlagFailure, 0,
                          scenario::v1::FAILURE_CLASS_TLS_HANDSHAKE, TEST_VERDICT_PASS),
            "tls_handshake");
  EXPECT_EQ(OutcomeString(kFlagHasOutcome, 0, 0, TEST_VERDICT_PASS), "ok");
  EXPECT_EQ(OutcomeString(0, 0, 0, TEST_VERDICT_SKIPPED), "");
}

TEST(ClassifyChangeTest, AllCases) {
  EXPECT_EQ(ClassifyChange(TEST_VERDICT_PASS, TEST_VERDICT_FAIL), v1::CHANGE_REGRESSED);
  EXPECT_EQ(ClassifyChange(TEST_VERDICT_PASS, TEST_VERDICT_ERROR), v1::CHANGE_REGRESSED);
  EXPECT_EQ(ClassifyChange(TEST_VERDICT_ERROR, TEST_VERDICT_PASS), v1::CHANGE_FIXED);
  EXPECT_EQ(ClassifyChange(TEST_VERDICT_FAIL, TEST_VERDICT_ERROR), v1::CHANGE_STILL_FAILING);
  EXPECT_EQ(ClassifyChange(TEST_VERDICT_PASS, TEST_VERDICT_PASS), v1::CHANGE_STILL_PASSING);
  EXPECT_EQ(ClassifyChange(std::nullopt, TEST_VERDICT_FAIL), v1::CHANGE_ADDED);
  EXPECT_EQ(ClassifyChange(TEST_VERDICT_FAIL, std::nullopt), v1::CHANGE_REMOVED);
  EXPECT_EQ(ClassifyChange(TEST_VERDICT_SKIPPED, TEST_VERDICT_PASS), v1::CHANGE_OTHER);
}

TEST(FlipCounterTest, CountsFlipsOverExecutedRunsOnly) {
  FlipCounter c;
  c.Add(TEST_VERDICT_PASS, false);
  c.Add(TEST_VERDICT_SKIPPED, false);  // ignored
  c.Add(TEST_VERDICT_FAIL, false);
  c.Add(TEST_VERDICT_ERROR, false);  // still failing: no flip
  c.Add(TEST_VERDICT_PASS, true);
  EXPECT_EQ(c.runs(), 4u);
  EXPECT_EQ(c.flips(), 2u);
  EXPECT_EQ(c.failures(), 2u);
  EXPECT_EQ(c.passed_on_retry(), 1u);
  EXPECT_DOUBLE_EQ(c.flip_rate(), 2.0 / 3);
  FlipCounter steady;
  steady.Add(TEST_VERDICT_PASS, false);
  steady.Add(TEST_VERDICT_PASS, false);
  EXPECT_FALSE(steady.flaky());
}

TEST(PageTokenTest, RoundTripsAndRejectsOtherKinds) {
  const std::string token = EncodePageToken("runs", {123456789, 42});
  MP_ASSERT_OK_AND_ASSIGN(PagePosition p, DecodePageToken("runs", token));
  EXPECT_EQ(p.started_at_us, 123456789);
  EXPECT_EQ(p.run_pk, 42);
  EXPECT_THAT(DecodePageToken("history", token),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_THAT(DecodePageToken("runs", "!!"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StoreConfigTest, ParsesKnownKeys) {
  MP_ASSERT_OK_AND_ASSIGN(auto config, ParseStoreConfig("listen: 127.0.0.1:7003\ndb: /tmp/x.db\n"
                                                        "retention_days: 30\nmax_batch: 100\n"
                                                        "synchronous: full\n",
                                                        "store.yaml"));
  EXPECT_EQ(config.server.listen, "127.0.0.1:7003");
  EXPECT_EQ(config.db, "/tmp/x.db");
  EXPECT_EQ(config.retention_days, 30);
  EXPECT_EQ(config.max_batch, 100);
  EXPECT_EQ(config.synchronous, "FULL");
}

TEST(StoreConfigTest, ParsesTlsKeys) {
  MP_ASSERT_OK_AND_ASSIGN(auto config,
                          ParseStoreConfig("tls_cert: /tls/tls.crt\ntls_key: /tls/tls.key\n"
                                           "tls_client_ca: /tls/ca.crt\n",
                                           "store.yaml"));
  EXPECT_EQ(config.server.tls.cert_file, "/tls/tls.crt");
  EXPECT_EQ(config.server.tls.key_file, "/tls/tls.key");
  EXPECT_EQ(config.server.tls.client_ca_file, "/tls/ca.crt");
  EXPECT_THAT(
      ParseStoreConfig("tls_cert: [a]\n", "store.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tls_cert: expected a file path")));
}

TEST(StoreConfigTest, UnknownKeyNamesFileLineAndColumn) {
  EXPECT_THAT(ParseStoreConfig("db: x.db\nretension_days: 3\n", "store.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("store.yaml:2:1: unknown key \"retension_days\"")));
}

TEST(StoreConfigTest, BadValuesAreNamed) {
  EXPECT_THAT(ParseStoreConfig("max_batch: 501\n", "f"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_batch")));
  EXPECT_THAT(ParseStoreConfig("retention_days: soon\n", "f"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("retention_days")));
  EXPECT_THAT(ParseStoreConfig("synchronous: off\n", "f"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("synchronous")));
  EXPECT_THAT(ParseStoreConfig("[1, 2]\n", "f"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseStoreConfig("a: [\n", "f"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace meshproof::store::testing
