// JSON lines of the probe command: a batch converted in one call and split prints each
// result exactly as MessageToJsonString prints it alone, and the writer keeps order.
#include "clients/cli/json_lines.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace meshproof::cli {
namespace {

namespace rv1 = ::meshproof::result::v1;

std::string Alone(const rv1::TestResult& result) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string line;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(result, &line, options).ok());
  return line + "\n";
}

// Results whose strings hold what could confuse a splitter: commas, brackets, braces,
// quotes, backslashes, control characters and non-ASCII text.
std::vector<rv1::TestResult> Tricky() {
  std::vector<rv1::TestResult> results;
  const std::vector<std::string> texts = {"plain",           "a,b",           "}{][",
                                          "quote \" inside", "back\\slash\\", "tab\there\nnewline",
                                          "ünïcödé ✓",       "\\\",{",        ""};
  for (size_t i = 0; i < texts.size(); ++i) {
    rv1::TestResult r;
    r.set_scenario("s");
    r.set_test("t" + std::to_string(i));
    r.set_verdict(i % 2 == 0 ? rv1::TEST_VERDICT_PASS : rv1::TEST_VERDICT_FAIL);
    r.set_reason(texts[i]);
    r.add_claims(texts[i]);
    auto* header = r.mutable_outcome()->mutable_http()->add_headers();
    header->set_name("x-" + std::to_string(i));
    header->set_value(texts[i]);
    r.mutable_outcome()->mutable_http()->set_body_excerpt(texts[i]);
    r.mutable_outcome()->mutable_timings()->mutable_total()->set_nanos(1000 * (int)i);
    auto* attempt = r.add_attempt_history();
    attempt->set_attempt(1);
    attempt->set_reason(texts[i]);
    results.push_back(r);
  }
  return results;
}

TEST(JsonLinesTest, ABatchPrintsEachResultAsItPrintsAlone) {
  const std::vector<rv1::TestResult> results = Tricky();
  std::string want;
  for (const rv1::TestResult& r : results) want += Alone(r);
  std::string got;
  AppendJsonLines(results, &got);
  EXPECT_EQ(got, want);
}

TEST(JsonLinesTest, OneResultAndAnEmptyResult) {
  std::string got;
  AppendJsonLines({rv1::TestResult()}, &got);
  EXPECT_EQ(got, "{}\n");
  got.clear();
  AppendJsonLines({rv1::TestResult(), Tricky()[3], rv1::TestResult()}, &got);
  EXPECT_EQ(got, "{}\n" + Alone(Tricky()[3]) + "{}\n");
}

TEST(JsonLinesTest, TheWriterKeepsOrderAndFlushWaitsForEveryLine) {
  FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  const std::vector<rv1::TestResult> tricky = Tricky();
  std::string want;
  {
    JsonLineWriter writer(out);
    for (int round = 0; round < 100; ++round) {
      for (const rv1::TestResult& r : tricky) {
        writer.Push(r);
        want += Alone(r);
      }
    }
    writer.Flush();
    // Flush returned: everything pushed so far is in the file.
    std::fflush(out);
    EXPECT_EQ(static_cast<size_t>(std::ftell(out)), want.size());
    writer.Push(tricky[1]);
    want += Alone(tricky[1]);
  }  // the destructor writes what is left
  std::rewind(out);
  std::string got(want.size() + 10, '\0');
  got.resize(std::fread(got.data(), 1, got.size(), out));
  std::fclose(out);
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace meshproof::cli
