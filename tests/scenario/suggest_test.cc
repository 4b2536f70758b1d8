#include "services/scenario/suggest.h"

#include <gtest/gtest.h>

namespace meshproof::scenario {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("timeout", "timeout"), 0);
  EXPECT_EQ(EditDistance("timout", "timeout"), 1);
  EXPECT_EQ(EditDistance("expcet", "expect"), 2);
  EXPECT_EQ(EditDistance("", "abc"), 3);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

TEST(EditDistanceTest, IgnoresCase) { EXPECT_EQ(EditDistance("ApiVersion", "apiVersion"), 0); }

TEST(NearestWordTest, SuggestsTheClosestCandidate) {
  const std::vector<std::string> keys = {"timeout", "connect_timeout", "url", "headers"};
  EXPECT_EQ(NearestWord("timout", keys), "timeout");
  EXPECT_EQ(NearestWord("header", keys), "headers");
  EXPECT_EQ(NearestWord("conect_timeout", keys), "connect_timeout");
}

TEST(NearestWordTest, SuggestsNothingWhenNothingIsClose) {
  const std::vector<std::string> keys = {"timeout", "url"};
  EXPECT_EQ(NearestWord("banana", keys), "");
  EXPECT_EQ(NearestWord("u", {"http"}), "");
  EXPECT_EQ(NearestWord(std::string(100, 'a'), keys), "");
}

}  // namespace
}  // namespace meshproof::scenario
