#include "services/probe-agent/failure_class.h"

#include <cerrno>

namespace meshproof::agent {

namespace v1 = ::meshproof::scenario::v1;

v1::FailureClass ClassifyFailure(CURLcode code, long os_errno, bool connected) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return v1::FAILURE_CLASS_DNS;
    case CURLE_COULDNT_CONNECT:
      if (os_errno == ETIMEDOUT) return v1::FAILURE_CLASS_CONNECT_TIMEOUT;
      return v1::FAILURE_CLASS_CONNECT_REFUSED;
    case CURLE_OPERATION_TIMEDOUT:
      return connected ? v1::FAILURE_CLASS_TIMEOUT : v1::FAILURE_CLASS_CONNECT_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR: return v1::FAILURE_CLASS_TLS_HANDSHAKE;
    case static_cast<CURLcode>(51):  // CURLE_PEER_FAILED_VERIFICATION before curl 7.62
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return v1::FAILURE_CLASS_TLS_VERIFY;
    case CURLE_GOT_NOTHING: return v1::FAILURE_CLASS_EMPTY_REPLY;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return os_errno == ECONNRESET || os_errno == EPIPE ? v1::FAILURE_CLASS_CONNECTION_RESET
                                                         : v1::FAILURE_CLASS_PROTOCOL;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_PARTIAL_FILE:
    case CURLE_TOO_MANY_REDIRECTS: return v1::FAILURE_CLASS_PROTOCOL;
    default: return v1::FAILURE_CLASS_OTHER;
  }
}

}  // namespace meshproof::agent
