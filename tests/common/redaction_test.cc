// The redaction library: what is hidden, in which forms, and what is refused as a secret.
#include "services/common/redaction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "meshproof/result/v1/result.pb.h"
#include "services/common/log.h"

namespace meshproof {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RedactionTest, ReplacesEveryOccurrence) {
  const Redactor r({"s3cr3t-token"});
  EXPECT_EQ(r.Redact("a s3cr3t-token b s3cr3t-token"), "a *** b ***");
  EXPECT_EQ(r.Redact("nothing here"), "nothing here");
}

TEST(RedactionTest, LongestSecretFirstSoAContainedSecretDoesNotLeakTheRest) {
  // "abcd" is a secret and a prefix of another secret: the longer is hidden whole.
  const Redactor r({"abcd", "abcdef-longer"});
  EXPECT_EQ(r.Redact("x abcdef-longer y abcd z"), "x *** y *** z");
  const Redactor reversed({"abcdef-longer", "abcd"});
  EXPECT_EQ(reversed.Redact("abcdef-longer"), "***");
}

TEST(RedactionTest, SecretInsideAnotherValueIsStillHidden) {
  const Redactor r({"hunter22"});
  EXPECT_EQ(r.Redact("https://h/get?token=hunter22&x=1"), "https://h/get?token=***&x=1");
  EXPECT_EQ(r.Redact("Bearer hunter22hunter22"), "Bearer ******");
}

TEST(RedactionTest, PercentEncodedFormIsHidden) {
  const Redactor r({"p@ss word/1"});
  EXPECT_EQ(r.Redact("u=p%40ss%20word%2F1"), "u=***");
  EXPECT_EQ(r.Redact("u=p%40ss%20word%2f1"), "u=***");
  EXPECT_EQ(r.Redact("raw p@ss word/1"), "raw ***");
}

TEST(RedactionTest, JsonEscapedFormIsHidden) {
  // httpbin's /headers echoes a header value inside a JSON string.
  const Redactor r({"pa\"ss\\word"});
  EXPECT_EQ(r.Redact(R"({"X-Token": "pa\"ss\\word"})"), R"({"X-Token": "***"})");
}

// A secret inside a base64-encoded text (an echoed Basic header) is hidden whatever its
// byte offset in the encoded text, in both alphabets; the text around it survives.
TEST(RedactionTest, Base64FormIsHiddenAtEveryAlignment) {
  const std::string secret = "hunter2-pass?>>";
  const Redactor r({secret});
  for (const std::string& user : {"alice:", "bob:", "carol:", "d:"}) {
    for (bool web_safe : {false, true}) {
      const std::string plain = user + secret + "&tail";
      const std::string encoded =
          web_safe ? absl::WebSafeBase64Escape(plain) : absl::Base64Escape(plain);
      const std::string redacted = r.Redact("Authorization: Basic " + encoded);
      EXPECT_THAT(redacted, HasSubstr("***")) << user << " web_safe=" << web_safe;
      EXPECT_THAT(redacted, HasSubstr("Authorization: Basic "));
      // What is left of the encoding can no longer be decoded back to the secret.
      const size_t star = redacted.find("***");
      ASSERT_NE(star, std::string::npos);
      const std::string before = redacted.substr(21, star - 21);
      const std::string after = redacted.substr(star + 3);
      EXPECT_LT(before.size() + after.size() + 6, encoded.size());
    }
  }
  // Text that merely shares a few base64 letters is left alone.
  EXPECT_EQ(r.Redact("aHVudGVy"), "aHVudGVy");
}

TEST(RedactionTest, ShortValuesAreRefusedAndIgnored) {
  EXPECT_FALSE(CheckSecretValue("vars.T", "").ok());
  EXPECT_FALSE(CheckSecretValue("vars.T", "abc").ok());
  EXPECT_TRUE(CheckSecretValue("vars.T", "abcd").ok());
  const absl::Status status = CheckSecretValue("vars.T", "xyz");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("vars.T"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("xyz")));
  // A redactor given one anyway does not turn every "a" into ***.
  const Redactor r({"a", ""});
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.Redact("banana"), "banana");
}

TEST(RedactionTest, LineBreaksAreRefused) {
  const absl::Status status = CheckSecretValue("--secret-var", "line1\nline2");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("line1")));
}

TEST(RedactionTest, TruncatedExcerptHidesATrailingPrefix) {
  const Redactor r({"topsecretvalue"});
  EXPECT_EQ(r.RedactTruncated("header: topsec"), "header: ***");
  EXPECT_EQ(r.RedactTruncated("header: t"), "header: ***");
  EXPECT_EQ(r.RedactTruncated("header: x"), "header: x");
  EXPECT_EQ(r.Redact("header: topsec"), "header: topsec");
}

TEST(RedactionTest, StatusMessageIsRedactedAndCodeKept) {
  const Redactor r({"s3cr3t-token"});
  const absl::Status s =
      r.RedactStatus(absl::InvalidArgumentError("url: bad \"http://x/?t=s3cr3t-token\""));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "url: bad \"http://x/?t=***\"");
  EXPECT_TRUE(r.RedactStatus(absl::OkStatus()).ok());
}

TEST(RedactionTest, MessageFieldsAtEveryDepthAreRedacted) {
  const std::string secret = "s3cr3t-token";
  result::v1::TestResult result;
  result.set_test("t-" + secret);
  result.set_reason("got " + secret);
  result.set_reproduction("curl -H 'X-Token: " + secret + "' 'https://h/?k=" + secret + "'");
  result.mutable_outcome()->mutable_http()->set_body_excerpt("{\"X-Token\": \"" + secret + "\"}");
  result.mutable_outcome()->mutable_http()->set_effective_url("https://h/?k=" + secret);
  result::v1::Mismatch* mismatch = result.add_mismatches();
  mismatch->set_expected("body matches " + secret);
  mismatch->set_actual("status 200");
  result.add_evidence()->add_lines("GET /?k=" + secret + " 200");
  result.add_attempt_history()->set_reason("attempt saw " + secret);
  const Redactor r({secret});
  r.RedactMessage(&result);
  EXPECT_THAT(result.DebugString(), Not(HasSubstr(secret)));
  EXPECT_THAT(result.DebugString(), Not(HasSubstr("s3cr3t")));
  EXPECT_EQ(result.reason(), "got ***");
  EXPECT_EQ(result.outcome().http().body_excerpt(), "{\"X-Token\": \"***\"}");
  EXPECT_EQ(result.evidence(0).lines(0), "GET /?k=*** 200");
}

TEST(RedactionTest, LogLinesAreRedactedOnceTheSecretIsKnown) {
  EXPECT_EQ(RedactForLog("before log-secret-1"), "before log-secret-1");
  AddLogSecrets({"log-secret-1", "ab"});
  EXPECT_EQ(RedactForLog("after log-secret-1"), "after ***");
  EXPECT_EQ(RedactForLog("ab stays"), "ab stays");
}

}  // namespace
}  // namespace meshproof
