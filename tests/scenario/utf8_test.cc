#include "services/scenario/utf8.h"

#include <gtest/gtest.h>

namespace meshproof::scenario {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("검증 — gateway ✅ \xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8Test, RejectsMalformedSequencesAndSaysWhere) {
  size_t at = 0;
  EXPECT_FALSE(IsValidUtf8("ab\xFF", &at));
  EXPECT_EQ(at, 2u);
  EXPECT_FALSE(IsValidUtf8("x\xC3", &at));  // truncated
  EXPECT_EQ(at, 1u);
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF", &at));          // overlong "/"
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF", &at));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80", &at));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80", &at));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82", &at));          // truncated euro sign
  EXPECT_FALSE(IsValidUtf8("\x80", &at));              // lone continuation byte
}

}  // namespace
}  // namespace meshproof::scenario
