// gMock matchers for absl::Status and absl::StatusOr (Debian 12's Abseil has none).
#ifndef MESHPROOF_TESTS_TESTING_STATUS_MATCHERS_H_
#define MESHPROOF_TESTS_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace meshproof::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s.ToString();
  return s.ok();
}

MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()), result_listener);
}

}  // namespace meshproof::testing

#define MP_ASSERT_OK(expr) ASSERT_THAT((expr), ::meshproof::testing::IsOk())
#define MP_EXPECT_OK(expr) EXPECT_THAT((expr), ::meshproof::testing::IsOk())

// Asserts `rexpr` is OK and moves its value into `lhs`.
#define MP_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  MP_ASSERT_OK_AND_ASSIGN_IMPL_(MP_TEST_CONCAT_(mp_test_statusor_, __LINE__), lhs, rexpr)
#define MP_TEST_CONCAT_INNER_(a, b) a##b
#define MP_TEST_CONCAT_(a, b) MP_TEST_CONCAT_INNER_(a, b)
#define MP_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr)   \
  auto statusor = (rexpr);                                    \
  ASSERT_TRUE(statusor.ok()) << statusor.status().ToString(); \
  lhs = std::move(statusor).value()

#endif  // MESHPROOF_TESTS_TESTING_STATUS_MATCHERS_H_
