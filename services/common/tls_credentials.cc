#include "services/common/tls_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/text_file.h"

namespace meshproof {
namespace {

constexpr unsigned int kReloadSeconds = kCertificateReloadSeconds;

// Reads `path` and checks it holds a PEM block whose label contains `label`
// ("CERTIFICATE", "PRIVATE KEY"). gRPC only reports a bad file at the first handshake,
// long after start-up, so the obvious mistakes are caught here.
absl::Status CheckPemFile(const std::string& path, const std::string& flag,
                          absl::string_view label) {
  absl::StatusOr<std::string> text = ReadTextFile(path, flag);
  if (!text.ok()) return text.status();
  const size_t begin = text->find("-----BEGIN ");
  const bool labelled =
      begin != std::string::npos &&
      absl::StrContains(text->substr(begin, text->find('\n', begin) - begin), label);
  if (!labelled) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", path, " holds no PEM ", absl::AsciiStrToLower(label)));
  }
  return absl::OkStatus();
}

absl::Status CheckPair(const std::string& cert, const std::string& key,
                       const std::string& cert_flag, const std::string& key_flag) {
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError(cert.empty() ? absl::StrCat(key_flag, " needs ", cert_flag)
                                                   : absl::StrCat(cert_flag, " needs ", key_flag));
  }
  if (cert.empty()) return absl::OkStatus();
  if (absl::Status s = CheckPemFile(cert, cert_flag, "CERTIFICATE"); !s.ok()) return s;
  return CheckPemFile(key, key_flag, "PRIVATE KEY");
}

// Owns core server credentials for the C++ server builder. The C++ factories cannot
// take a core auth metadata processor (token_server_credentials.h says why one is
// needed), so every meshproof server listens through this one class.
class CoreServerCredentials final : public grpc::ServerCredentials {
 public:
  explicit CoreServerCredentials(grpc_server_credentials* core) : core_(core) {}
  ~CoreServerCredentials() override { grpc_server_credentials_release(core_); }

  void SetAuthMetadataProcessor(const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {
    LogError("SetAuthMetadataProcessor is not supported: install a core processor instead");
  }

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    return grpc_server_add_http2_port(server, addr.c_str(), core_);
  }

  grpc_server_credentials* core_;
};

}  // namespace

absl::Status CheckServerTlsOptions(const ServerTlsOptions& options) {
  if (!options.enabled()) return absl::OkStatus();
  if (options.cert_file.empty() && options.key_file.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  }
  if (absl::Status s = CheckPair(options.cert_file, options.key_file, "--tls-cert", "--tls-key");
      !s.ok()) {
    return s;
  }
  if (options.client_ca_file.empty()) return absl::OkStatus();
  return CheckPemFile(options.client_ca_file, "--tls-client-ca", "CERTIFICATE");
}

absl::Status CheckClientTlsOptions(const ClientTlsOptions& options) {
  const std::string& p = options.flag_prefix;
  if (absl::Status s = CheckPair(options.cert_file, options.key_file, p + "cert", p + "key");
      !s.ok()) {
    return s;
  }
  if (options.ca_file.empty()) return absl::OkStatus();
  return CheckPemFile(options.ca_file, p + "ca", "CERTIFICATE");
}

grpc_server_credentials* NewCoreServerCredentials(const ServerTlsOptions& options) {
  if (!options.enabled()) return grpc_insecure_server_credentials_create();
  const bool mtls = !options.client_ca_file.empty();
  grpc_tls_certificate_provider* provider = grpc_tls_certificate_provider_file_watcher_create(
      options.key_file.c_str(), options.cert_file.c_str(),
      mtls ? options.client_ca_file.c_str() : nullptr, kReloadSeconds);
  grpc_tls_credentials_options* tls = grpc_tls_credentials_options_create();
  grpc_tls_credentials_options_set_certificate_provider(tls, provider);
  grpc_tls_certificate_provider_release(provider);  // the options hold their own reference
  grpc_tls_credentials_options_watch_identity_key_cert_pairs(tls);
  if (mtls) {
    grpc_tls_credentials_options_watch_root_certs(tls);
    grpc_tls_credentials_options_set_cert_request_type(
        tls, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    grpc_tls_credentials_options_set_cert_request_type(tls,
                                                       GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc_tls_server_credentials_create(tls);  // takes the options
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const ServerTlsOptions& options) {
  if (!options.enabled()) return grpc::InsecureServerCredentials();
  return WrapCoreServerCredentials(NewCoreServerCredentials(options));
}

std::shared_ptr<grpc::ServerCredentials> WrapCoreServerCredentials(grpc_server_credentials* core) {
  return std::make_shared<CoreServerCredentials>(core);
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const ClientTlsOptions& options) {
  if (!options.enabled()) return grpc::InsecureChannelCredentials();
  namespace gx = grpc::experimental;
  const bool identity = !options.cert_file.empty();
  if (options.ca_file.empty() && !identity) {
    // TLS with the system's roots (only a server name was given).
    return gx::TlsCredentials(gx::TlsChannelCredentialsOptions());
  }
  auto provider = std::make_shared<gx::FileWatcherCertificateProvider>(
      identity ? options.key_file : "", identity ? options.cert_file : "", options.ca_file,
      kReloadSeconds);
  gx::TlsChannelCredentialsOptions tls;
  tls.set_certificate_provider(provider);
  // Without watching roots the client falls back to the system's roots.
  if (!options.ca_file.empty()) tls.watch_root_certs();
  if (identity) tls.watch_identity_key_cert_pairs();
  return gx::TlsCredentials(tls);
}

}  // namespace meshproof
