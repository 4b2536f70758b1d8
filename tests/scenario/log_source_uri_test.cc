// Log sources named by a URI: each scheme, percent-encoded selectors, and the errors.
#include "services/scenario/log_source_uri.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshproof::scenario {
namespace {

using ::testing::HasSubstr;

TEST(LogSourceUriTest, NamesEachKind) {
  auto file = ResolveLogSourceUri("file:///var/log/egress%20gw.log");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->file().path(), "/var/log/egress gw.log");

  auto pods =
      ResolveLogSourceUri("k8s://istio-system/istio=egressgateway,app%20in%20(a)/istio-proxy");
  ASSERT_TRUE(pods.ok()) << pods.status();
  EXPECT_EQ(pods->kubernetes().namespace_(), "istio-system");
  EXPECT_EQ(pods->kubernetes().label_selector(), "istio=egressgateway,app in (a)");
  EXPECT_EQ(pods->kubernetes().container(), "istio-proxy");
  EXPECT_TRUE(pods->kubernetes().api_server().empty());

  auto any_container = ResolveLogSourceUri("k8s://istio-system/istio=egressgateway");
  ASSERT_TRUE(any_container.ok());
  EXPECT_EQ(any_container->kubernetes().container(), "");

  auto url = ResolveLogSourceUri("https://127.0.0.1:9000/log");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->http().url(), "https://127.0.0.1:9000/log");
}

TEST(LogSourceUriTest, RefusesWhatItCannotRead) {
  for (const char* bad :
       {"file://var/log/x.log", "k8s://istio-system", "k8s:///istio=egressgateway",
        "k8s://ns/sel/container/extra", "k8s://ns/a%zz", "/var/log/x.log", "ftp://x/log"}) {
    auto source = ResolveLogSourceUri(bad);
    EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(source.status().message()), HasSubstr(bad)) << bad;
  }
}

}  // namespace
}  // namespace meshproof::scenario
