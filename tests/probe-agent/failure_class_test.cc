#include "services/probe-agent/failure_class.h"

#include <gtest/gtest.h>

#include <cerrno>

namespace meshproof::agent {
namespace {

namespace v1 = ::meshproof::scenario::v1;

TEST(ClassifyFailureTest, MapsCurlCodesAsTheReportReadsThem) {
  // The egress SNI mismatch: curl exit 35, a TLS-layer failure, never an HTTP status.
  EXPECT_EQ(ClassifyFailure(CURLE_SSL_CONNECT_ERROR, 0, true), v1::FAILURE_CLASS_TLS_HANDSHAKE);
  EXPECT_EQ(ClassifyFailure(CURLE_COULDNT_RESOLVE_HOST, 0, false), v1::FAILURE_CLASS_DNS);
  EXPECT_EQ(ClassifyFailure(CURLE_COULDNT_CONNECT, ECONNREFUSED, false),
            v1::FAILURE_CLASS_CONNECT_REFUSED);
  EXPECT_EQ(ClassifyFailure(CURLE_COULDNT_CONNECT, ETIMEDOUT, false),
            v1::FAILURE_CLASS_CONNECT_TIMEOUT);
  EXPECT_EQ(ClassifyFailure(CURLE_PEER_FAILED_VERIFICATION, 0, true), v1::FAILURE_CLASS_TLS_VERIFY);
  EXPECT_EQ(ClassifyFailure(CURLE_GOT_NOTHING, 0, true), v1::FAILURE_CLASS_EMPTY_REPLY);
  EXPECT_EQ(ClassifyFailure(CURLE_RECV_ERROR, ECONNRESET, true),
            v1::FAILURE_CLASS_CONNECTION_RESET);
  EXPECT_EQ(ClassifyFailure(CURLE_RECV_ERROR, 0, true), v1::FAILURE_CLASS_PROTOCOL);
}

TEST(ClassifyFailureTest, TimeoutDependsOnWhetherTheConnectionWasMade) {
  EXPECT_EQ(ClassifyFailure(CURLE_OPERATION_TIMEDOUT, 0, false), v1::FAILURE_CLASS_CONNECT_TIMEOUT);
  EXPECT_EQ(ClassifyFailure(CURLE_OPERATION_TIMEDOUT, 0, true), v1::FAILURE_CLASS_TIMEOUT);
}

}  // namespace
}  // namespace meshproof::agent
