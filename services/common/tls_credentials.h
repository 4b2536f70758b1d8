// TLS for every meshproof server and client: which files make up a server's identity
// (and, for mTLS, which CA its clients' certificates must chain to), which files a
// client trusts and presents, and the gRPC credentials built from them.
//
// Every certificate and key is read through gRPC's file-watcher provider, re-read every
// kCertificateReloadInterval: a certificate replaced on disk (a renewed Kubernetes
// Secret, say) is used by the next new connection, with no restart. Connections already
// open keep the certificate they were made with.
#ifndef MESHPROOF_SERVICES_COMMON_TLS_CREDENTIALS_H_
#define MESHPROOF_SERVICES_COMMON_TLS_CREDENTIALS_H_

#include <grpc/grpc_security.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace meshproof {

// The smallest interval gRPC's file watcher supports; reading three small files once a
// second costs nothing next to a TLS handshake.
inline constexpr int kCertificateReloadSeconds = 1;
inline constexpr absl::Duration kCertificateReloadInterval =
    absl::Seconds(kCertificateReloadSeconds);

// A server's TLS files (--tls-cert, --tls-key, --tls-client-ca). All empty: plaintext.
struct ServerTlsOptions {
  std::string cert_file;       // PEM certificate chain the server presents
  std::string key_file;        // PEM private key of that certificate
  std::string client_ca_file;  // when set, every client must present a certificate from this CA

  bool enabled() const {
    return !cert_file.empty() || !key_file.empty() || !client_ca_file.empty();
  }
};

// A client's TLS settings for one peer. All empty: plaintext.
struct ClientTlsOptions {
  std::string ca_file;      // PEM CA bundle the server's certificate must chain to
                            // (empty with TLS on: the system's roots)
  std::string server_name;  // name checked against the server's certificate instead of
                            // the target's host (SNI too)
  std::string cert_file;    // client certificate for mTLS
  std::string key_file;     // its private key
  // The flags these came from, for error messages: "--tls-" gives --tls-ca, --tls-cert...
  std::string flag_prefix = "--tls-";

  bool enabled() const {
    return !ca_file.empty() || !server_name.empty() || !cert_file.empty() || !key_file.empty();
  }
};

// Checks that the files are given in a usable combination and hold PEM of the right
// kind. INVALID_ARGUMENT naming the flag: a certificate without its key (or the other
// way round), --tls-client-ca without a server certificate, a file that is not PEM;
// NOT_FOUND naming the flag when a file cannot be read.
absl::Status CheckServerTlsOptions(const ServerTlsOptions& options);
absl::Status CheckClientTlsOptions(const ClientTlsOptions& options);

// Returns new core server credentials (the caller releases them): TLS from `options`
// (requiring and verifying client certificates when client_ca_file is set), or
// plaintext when !options.enabled(). Call CheckServerTlsOptions first.
grpc_server_credentials* NewCoreServerCredentials(const ServerTlsOptions& options);

// Returns C++ server credentials that listen with `core` (and release it when the last
// server using them is gone).
std::shared_ptr<grpc::ServerCredentials> WrapCoreServerCredentials(grpc_server_credentials* core);

// Returns server credentials for `options`: InsecureServerCredentials() when TLS is off.
std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const ServerTlsOptions& options);

// Returns channel credentials for `options`: TLS verifying the server (and presenting a
// client certificate when one is set), or insecure when !options.enabled(). Call
// CheckClientTlsOptions first.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const ClientTlsOptions& options);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_TLS_CREDENTIALS_H_
