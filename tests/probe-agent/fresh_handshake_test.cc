// A fresh-connection HTTPS probe is a full TLS handshake every time, verified against
// the CA the probe names, even with the agent's caches warm: the server below would
// resume any session a client offered, and counts those it did.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include "services/probe-agent/prober.h"
#include "tests/probe-agent/fake_http_server.h"
#include "tests/probe-agent/test_pki.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using testing::FakeRequest;
using testing::FakeResponse;

class FreshHandshakeTest : public ::testing::Test {
 protected:
  FreshHandshakeTest()
      : pki_(testing::MakeTestPki(dir_, "server")),
        other_(testing::MakeTestPki(dir_, "other")),
        server_(
            [](const FakeRequest&) {
              return FakeResponse{200, "ok"};
            },
            testing::FakeTls{pki_.cert_file, pki_.key_file}) {}

  void SetUp() override {
    ASSERT_FALSE(pki_.ca_file.empty()) << "openssl could not make the test certificates";
    ASSERT_FALSE(other_.ca_file.empty()) << "openssl could not make the test certificates";
  }

  sv1::Probe HttpsProbe(const std::string& ca_file) const {
    sv1::Probe probe;
    probe.mutable_http()->set_url(server_.url() + "/");
    probe.mutable_http()->mutable_tls()->set_ca_file(ca_file);
    return probe;
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
  testing::TestPki other_;
  testing::FakeHttpServer server_;
};

TEST_F(FreshHandshakeTest, EveryProbeIsAFullHandshakeVerifiedAgainstItsCa) {
  RealProber prober(ProberOptions{});
  constexpr int kProbes = 6;
  for (int i = 0; i < kProbes; ++i) {
    auto outcome = prober.Run(HttpsProbe(pki_.ca_file), sv1::Defaults(), {});
    ASSERT_TRUE(outcome.ok()) << outcome.status();
    EXPECT_FALSE(outcome->has_failure()) << outcome->failure().message();
    EXPECT_EQ(outcome->http().status_code(), 200u);
  }
  // The server counts a resumption before it reads the request.
  EXPECT_EQ(server_.requests().size(), static_cast<size_t>(kProbes));
  EXPECT_EQ(server_.resumed_handshakes(), 0);

  // The same warm prober, a CA that did not sign the server: refused, nothing sent.
  auto refused = prober.Run(HttpsProbe(other_.ca_file), sv1::Defaults(), {});
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_TRUE(refused->has_failure());
  EXPECT_EQ(refused->failure().curl_exit_code(),
            static_cast<uint32_t>(CURLE_PEER_FAILED_VERIFICATION));
  EXPECT_EQ(server_.requests().size(), static_cast<size_t>(kProbes));
  // And the right CA again still verifies.
  auto again = prober.Run(HttpsProbe(pki_.ca_file), sv1::Defaults(), {});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->has_failure()) << again->failure().message();
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

// The check above can fail: a client that keeps its session (one libcurl handle, a new
// connection per transfer) is seen resuming.
TEST_F(FreshHandshakeTest, TheServerSeesAClientThatResumes) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  const std::string url = server_.url() + "/";
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_CAINFO, pki_.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, Discard);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(curl_easy_perform(easy), CURLE_OK);
  curl_easy_cleanup(easy);
  EXPECT_EQ(server_.requests().size(), 3u);
  EXPECT_GE(server_.resumed_handshakes(), 1);
}

}  // namespace
}  // namespace meshproof::agent
