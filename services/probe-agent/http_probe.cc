#include "services/probe-agent/http_probe.h"

#include <arpa/inet.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/common/time_util.h"
#include "services/probe-agent/failure_class.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;

constexpr size_t kDefaultBodyCapture = 4096;
constexpr size_t kMaxHeaders = 100;

struct Capture {
  size_t body_limit = kDefaultBodyCapture;
  std::string body;
  uint64_t body_bytes = 0;
  rv1::HttpObservation* http = nullptr;
  CURL* easy = nullptr;
  bool tls_read = false;
  const std::function<bool()>* cancelled = nullptr;
  int64_t next_cancel_check_ns = 0;
};

// How often a transfer asks whether its call was cancelled. libcurl calls the progress
// function on every pass over the transfer, and the gRPC check behind `cancelled` polls
// the completion queue: asked every time, it took a sixth of the transfer's CPU.
constexpr int64_t kCancelCheckIntervalNs = 50'000'000;

// Runs on the transfer's thread, at least once a second per transfer: a non-zero
// return aborts the transfer, so a cancelled call does not wait out its probe timeout.
// Transfers shorter than the interval never ask: the executor asks between tests.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* capture = static_cast<Capture*>(user);
  const int64_t now = absl::GetCurrentTimeNanos();
  if (now < capture->next_cancel_check_ns) return 0;
  capture->next_cancel_check_ns = now + kCancelCheckIntervalNs;
  return (*capture->cancelled)() ? 1 : 0;
}

// Runs when libcurl has set up a new connection's SSL_CTX: replaces the trust store it
// would have parsed from the CA file with the cached one (same certificates, same CA
// path lookup, same flags).
CURLcode OnSslCtx(CURL*, void* ssl_ctx, void* user) {
  auto* store = static_cast<X509_STORE*>(user);
  X509_STORE_up_ref(store);  // the SSL_CTX takes this reference
  SSL_CTX_set_cert_store(static_cast<SSL_CTX*>(ssl_ctx), store);
  return CURLE_OK;
}

struct StoreDeleter {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};

std::string NameToString(X509_NAME* name) {
  if (name == nullptr) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// Reads the negotiated TLS parameters and the peer certificate while the connection is
// still open (with a fresh connection per probe it closes when the transfer ends).
void ReadTls(Capture* capture) {
  capture->tls_read = true;
  struct curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(capture->easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK ||
      info == nullptr || info->backend != CURLSSLBACKEND_OPENSSL || info->internals == nullptr) {
    return;
  }
  SSL* ssl = static_cast<SSL*>(info->internals);
  rv1::TlsInfo* tls = capture->http->mutable_tls();
  tls->set_version(SSL_get_version(ssl));
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl))
    tls->set_cipher(SSL_CIPHER_get_name(cipher));
  const unsigned char* alpn = nullptr;
  unsigned int alpn_length = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_length);
  if (alpn != nullptr) tls->set_alpn(std::string(reinterpret_cast<const char*>(alpn), alpn_length));
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return;
  tls->set_peer_subject(NameToString(X509_get_subject_name(cert)));
  tls->set_peer_issuer(NameToString(X509_get_issuer_name(cert)));
  if (auto* names = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type == GEN_DNS) {
        const ASN1_STRING* s = name->d.dNSName;
        tls->add_peer_sans(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                       static_cast<size_t>(ASN1_STRING_length(s))));
      } else if (name->type == GEN_IPADD) {
        const ASN1_OCTET_STRING* ip = name->d.iPAddress;
        char text[INET6_ADDRSTRLEN] = {0};
        const int length = ASN1_STRING_length(ip);
        if ((length == 4 || length == 16) &&
            inet_ntop(length == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text,
                      sizeof(text))) {
          tls->add_peer_sans(text);
        }
      }
    }
    GENERAL_NAMES_free(names);
  }
  struct tm not_after {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &not_after) == 1) {
    *tls->mutable_peer_not_after() = ToProtoTimestamp(absl::FromTM(not_after, absl::UTCTimeZone()));
  }
  X509_free(cert);
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* capture = static_cast<Capture*>(user);
  const size_t bytes = size * count;
  capture->body_bytes += bytes;
  if (capture->body.size() < capture->body_limit) {
    capture->body.append(data, std::min(bytes, capture->body_limit - capture->body.size()));
  }
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* capture = static_cast<Capture*>(user);
  const size_t bytes = size * count;
  if (!capture->tls_read) ReadTls(capture);
  absl::string_view line(data, bytes);
  line = absl::StripTrailingAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect or 100-continue): keep only the last one's headers.
    capture->http->clear_headers();
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos ||
      capture->http->headers_size() >= static_cast<int>(kMaxHeaders)) {
    return bytes;
  }
  rv1::ResponseHeader* header = capture->http->add_headers();
  header->set_name(absl::AsciiStrToLower(line.substr(0, colon)));
  header->set_value(std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return bytes;
}

long TlsVersionFlag(sv1::TlsVersion version) {
  switch (version) {
    case sv1::TLS_VERSION_1_0: return CURL_SSLVERSION_TLSv1_0;
    case sv1::TLS_VERSION_1_1: return CURL_SSLVERSION_TLSv1_1;
    case sv1::TLS_VERSION_1_2: return CURL_SSLVERSION_TLSv1_2;
    case sv1::TLS_VERSION_1_3: return CURL_SSLVERSION_TLSv1_3;
    default: return CURL_SSLVERSION_DEFAULT;
  }
}

long TlsMaxFlag(sv1::TlsVersion version) {
  switch (version) {
    case sv1::TLS_VERSION_1_0: return CURL_SSLVERSION_MAX_TLSv1_0;
    case sv1::TLS_VERSION_1_1: return CURL_SSLVERSION_MAX_TLSv1_1;
    case sv1::TLS_VERSION_1_2: return CURL_SSLVERSION_MAX_TLSv1_2;
    case sv1::TLS_VERSION_1_3: return CURL_SSLVERSION_MAX_TLSv1_3;
    default: return CURL_SSLVERSION_MAX_DEFAULT;
  }
}

google::protobuf::Duration Micros(CURL* easy, CURLINFO info) {
  curl_off_t value = 0;
  curl_easy_getinfo(easy, info, &value);
  return ToProtoDuration(absl::Microseconds(value));
}

// Checks each connection libcurl opens (the first, a happy-eyeballs alternative, each
// redirect's) against the agent's destinations, by the address actually connected to.
struct DestinationGuard {
  const DestinationPolicy* policy = nullptr;
  CURL* easy = nullptr;
  // The scenario's resolve/connect_to entries chose the addresses: no host name can be
  // trusted for them, only CIDR rules apply.
  bool overridden = false;
  // The agent's own SNI mapping (connect to sni_host when the URL says sni:sni_port).
  std::string sni;
  std::string sni_host;
  std::string sni_port;
  std::string denied;
};

// Returns the host name the system resolver turned into the address being connected to
// ("" when none can be trusted): the current URL's host (a redirect's, once followed).
std::string ResolvedName(const DestinationGuard& guard) {
  if (guard.overridden) return "";
  char* url = nullptr;
  if (curl_easy_getinfo(guard.easy, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || url == nullptr)
    return "";
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url, 0) != CURLUE_OK) return "";
  char* host = nullptr;
  char* port = nullptr;
  std::string name;
  if (curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK) name = host;
  const bool port_ok =
      curl_url_get(parsed.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
  if (!guard.sni.empty() && absl::EqualsIgnoreCase(name, guard.sni) && port_ok &&
      guard.sni_port == port) {
    name = guard.sni_host;
  }
  curl_free(host);
  curl_free(port);
  return name;
}

curl_socket_t OnOpenSocket(void* user, curlsocktype, curl_sockaddr* address) {
  auto* guard = static_cast<DestinationGuard*>(user);
  const absl::Status allowed = guard->policy->CheckAddress(&address->addr, ResolvedName(*guard));
  if (!allowed.ok()) {
    if (guard->denied.empty()) guard->denied = std::string(allowed.message());
    return CURL_SOCKET_BAD;
  }
  // Close-on-exec: an exec probe forked meanwhile must not inherit probe connections.
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

struct ShareDeleter {
  void operator()(CURLSH* share) const { curl_share_cleanup(share); }
};

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

void Append(Slist& list, const std::string& item) {
  list.reset(curl_slist_append(list.release(), item.c_str()));
}

}  // namespace

// Everything libcurl holds a pointer to while the transfer runs (kept out of the header:
// the callbacks' types are this file's own). The easy handle is declared last: it is
// cleaned up first, before the share, the lists and the store it uses.
struct HttpTransfer::State {
  HttpProbeOptions options;
  rv1::ProbeOutcome outcome;
  std::unique_ptr<CURLSH, ShareDeleter> private_dns;
  DestinationGuard guard;
  Capture capture;
  char error[CURL_ERROR_SIZE] = {0};
  std::string url;
  Slist headers, resolve, connect_to;
  std::unique_ptr<X509_STORE, StoreDeleter> store;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy{nullptr, curl_easy_cleanup};
};

HttpTransfer::HttpTransfer(const sv1::HttpProbe& probe, const sv1::Defaults& defaults,
                           HttpProbeOptions given)
    : state_(std::make_unique<State>()) {
  state_->options = std::move(given);
  const HttpProbeOptions& options = state_->options;
  rv1::ProbeOutcome& outcome = state_->outcome;
  *outcome.mutable_started_at() = ToProtoTimestamp(absl::Now());
  state_->easy.reset(curl_easy_init());
  CURL* h = state_->easy.get();
  Capture& capture = state_->capture;
  DestinationGuard& guard = state_->guard;
  capture.http = outcome.mutable_http();
  capture.easy = h;
  capture.body_limit = options.body_limit > 0           ? options.body_limit
                       : probe.body_capture_bytes() > 0 ? probe.body_capture_bytes()
                                                        : kDefaultBodyCapture;
  std::string& url = state_->url;
  url = probe.url();
  Slist& headers = state_->headers;
  Slist& resolve = state_->resolve;
  Slist& connect_to = state_->connect_to;
  const sv1::TlsOptions& tls = probe.tls();
  if (!tls.sni().empty()) {
    // libcurl sends the URL's host as SNI: put the SNI name in the URL and connect to the
    // original host and port, exactly as the reproduction command does.
    absl::string_view rest = url;
    const size_t sep = rest.find("://");
    const std::string scheme(rest.substr(0, sep));
    rest.remove_prefix(sep == absl::string_view::npos ? 0 : sep + 3);
    const std::string authority(rest.substr(0, rest.find_first_of("/?#")));
    const size_t colon = authority.rfind(':');
    const std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
    const std::string port = colon == std::string::npos ? (scheme == "https" ? "443" : "80")
                                                        : authority.substr(colon + 1);
    Append(connect_to, absl::StrCat(tls.sni(), ":", port, ":", host, ":", port));
    guard.sni = tls.sni();
    guard.sni_host = host;
    guard.sni_port = port;
    url = absl::StrCat(scheme, "://", tls.sni(), ":", port, rest.substr(authority.size()));
  }
  for (const std::string& entry : probe.connect_to()) Append(connect_to, entry);
  for (const std::string& entry : probe.resolve()) Append(resolve, entry);
  for (const sv1::Header& header : probe.headers()) {
    Append(headers, absl::StrCat(header.name(), ": ", header.value()));
  }

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, state_->error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &capture);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &capture);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  const std::string& method = probe.method();
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (!method.empty() && method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (!probe.body().empty()) {
    // Copied: the transfer may outlive the caller's probe message.
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(probe.body().size()));
    curl_easy_setopt(h, CURLOPT_COPYPOSTFIELDS, probe.body().c_str());
    if (method.empty() || method == "GET") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
  }
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  if (resolve) {
    // libcurl adds resolve entries to the DNS cache of the handle's multi, where they
    // would stay and answer later probes' lookups (of other scenarios too). A private
    // cache keeps them to this probe.
    state_->private_dns.reset(curl_share_init());
    curl_share_setopt(state_->private_dns.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_easy_setopt(h, CURLOPT_SHARE, state_->private_dns.get());
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve.get());
  }
  if (options.destinations != nullptr && !options.destinations->allows_everything()) {
    guard.policy = options.destinations;
    guard.easy = h;
    guard.overridden = probe.resolve_size() > 0 || probe.connect_to_size() > 0;
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OnOpenSocket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &guard);
  }
  if (connect_to) curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to.get());
  if (tls.insecure()) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  std::unique_ptr<X509_STORE, StoreDeleter>& store = state_->store;
  if (!tls.insecure() && options.ca_cache != nullptr && absl::StartsWithIgnoreCase(url, "https:")) {
    // The trust `curl --cacert FILE` (or plain curl) would use: the file, else the
    // built-in bundle, plus the built-in CA path; parsed once, not per handshake.
    char* default_file = nullptr;
    char* default_path = nullptr;
    curl_easy_getinfo(h, CURLINFO_CAINFO, &default_file);
    curl_easy_getinfo(h, CURLINFO_CAPATH, &default_path);
    const std::string ca_file = !tls.ca_file().empty() ? tls.ca_file()
                                : default_file         ? default_file
                                                       : "";
    absl::StatusOr<X509_STORE*> cached =
        options.ca_cache->Get(ca_file, default_path ? default_path : "");
    if (cached.ok()) store.reset(*cached);
  }
  // libcurl 7.88 keeps one trust store per multi handle for 24 h and, for a connection
  // whose SSL_CTX callback set a store, adopts and caches *that* store without noting
  // which CA file it came from: every later probe on the loop would then be verified
  // against the first probe's CA. Each probe must be verified against exactly the trust
  // it names, so libcurl's cache is off; CaStoreCache (keyed by file, size, mtime and
  // inode) does the caching instead.
  curl_easy_setopt(h, CURLOPT_CA_CACHE_TIMEOUT, 0L);
  if (store) {
    curl_easy_setopt(h, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, OnSslCtx);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, store.get());
  } else if (!tls.ca_file().empty()) {
    // Unreadable or empty: libcurl reports it (curl 77) exactly as the command line would.
    curl_easy_setopt(h, CURLOPT_CAINFO, tls.ca_file().c_str());
  }
  if (!tls.client_cert_file().empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, tls.client_cert_file().c_str());
    curl_easy_setopt(h, CURLOPT_SSLKEY, tls.client_key_file().c_str());
  }
  curl_easy_setopt(h, CURLOPT_SSLVERSION,
                   TlsVersionFlag(tls.min_version()) | TlsMaxFlag(tls.max_version()));
  if (tls.no_alpn()) curl_easy_setopt(h, CURLOPT_SSL_ENABLE_ALPN, 0L);
  switch (probe.http_version()) {
    case sv1::HTTP_VERSION_1_0:
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_0);
      break;
    case sv1::HTTP_VERSION_1_1:
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
      break;
    case sv1::HTTP_VERSION_2:
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
      break;
    case sv1::HTTP_VERSION_2_PRIOR_KNOWLEDGE:
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
      break;
    default:
      // Like the curl command line: HTTP/1.1 unless asked, so results match the
      // reproduction line a person pastes.
      curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
      break;
  }
  const absl::Duration connect_timeout =
      DurationOr(probe.connect_timeout(), DurationOr(defaults.connect_timeout(), absl::Seconds(5)));
  const absl::Duration timeout =
      DurationOr(probe.timeout(), DurationOr(defaults.timeout(), absl::Seconds(10)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(connect_timeout)));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  if (probe.follow_redirects()) {
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS,
                     static_cast<long>(probe.max_redirects() > 0 ? probe.max_redirects() : 10));
  }
  if (!options.reuse_connections) {
    // Verification tests are independent, and the egress evidence (one access-log line
    // per connection) depends on each probe opening its own connection.
    curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
  }

  if (options.cancelled) {
    capture.cancelled = &options.cancelled;
    capture.next_cancel_check_ns = absl::GetCurrentTimeNanos() + kCancelCheckIntervalNs;
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &capture);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
}

HttpTransfer::~HttpTransfer() = default;

CURL* HttpTransfer::easy() const { return state_->easy.get(); }

rv1::ProbeOutcome HttpTransfer::Finish(CURLcode code) {
  CURL* h = state_->easy.get();
  rv1::ProbeOutcome& outcome = state_->outcome;
  const HttpProbeOptions& options = state_->options;
  rv1::HttpObservation* http = outcome.mutable_http();
  const Capture& capture = state_->capture;
  const DestinationGuard& guard = state_->guard;
  const char* error = state_->error;
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  http->set_status_code(static_cast<uint32_t>(status));
  long version = 0;
  curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
  switch (version) {
    case CURL_HTTP_VERSION_1_0: http->set_http_version("HTTP/1.0"); break;
    case CURL_HTTP_VERSION_1_1: http->set_http_version("HTTP/1.1"); break;
    case CURL_HTTP_VERSION_2_0: http->set_http_version("HTTP/2"); break;
    default: break;
  }
  char* ip = nullptr;
  long port = 0;
  curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip);
  curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &port);
  if (ip != nullptr && *ip != '\0') http->set_remote_address(absl::StrCat(ip, ":", port));
  // The agent's end of the connection: what a gateway it connects to logs as the client.
  char* local_ip = nullptr;
  long local_port = 0;
  curl_easy_getinfo(h, CURLINFO_LOCAL_IP, &local_ip);
  curl_easy_getinfo(h, CURLINFO_LOCAL_PORT, &local_port);
  if (local_ip != nullptr && *local_ip != '\0' && local_port > 0) {
    http->set_local_address(absl::StrContains(local_ip, ':')
                                ? absl::StrCat("[", local_ip, "]:", local_port)
                                : absl::StrCat(local_ip, ":", local_port));
  }
  char* effective = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective != nullptr) http->set_effective_url(effective);
  http->set_body_excerpt(capture.body);
  http->set_body_bytes(capture.body_bytes);

  rv1::Timings* timings = outcome.mutable_timings();
  *timings->mutable_dns() = Micros(h, CURLINFO_NAMELOOKUP_TIME_T);
  *timings->mutable_connect() = Micros(h, CURLINFO_CONNECT_TIME_T);
  *timings->mutable_tls() = Micros(h, CURLINFO_APPCONNECT_TIME_T);
  *timings->mutable_first_byte() = Micros(h, CURLINFO_STARTTRANSFER_TIME_T);
  *timings->mutable_total() = Micros(h, CURLINFO_TOTAL_TIME_T);

  if (code != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
    curl_off_t connected_us = 0;
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_us);
    rv1::Failure* failure = outcome.mutable_failure();
    failure->set_class_(ClassifyFailure(code, os_errno, connected_us > 0));
    failure->set_curl_exit_code(static_cast<uint32_t>(code));
    failure->set_message(error[0] != '\0' ? error : curl_easy_strerror(code));
    if (!guard.denied.empty()) {
      failure->set_class_(sv1::FAILURE_CLASS_OTHER);
      failure->set_message(guard.denied);
      if (options.denied != nullptr) *options.denied = guard.denied;
    }
  }
  return std::move(outcome);
}

rv1::ProbeOutcome RunHttpProbe(CurlMultiRunner& runner, const sv1::HttpProbe& probe,
                               const sv1::Defaults& defaults, const HttpProbeOptions& options) {
  HttpTransfer transfer(probe, defaults, options);
  return transfer.Finish(runner.Perform(transfer.easy()));
}

}  // namespace meshproof::agent
