#include "services/common/auth/token_server_credentials.h"

#include <grpc/grpc_security.h>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace meshproof::auth {
namespace {

absl::string_view View(const grpc_slice& slice) {
  return absl::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
                           GRPC_SLICE_LENGTH(slice));
}

// The processor's state: owned by the core credentials, released through Destroy when
// the last listener using them goes away.
struct ProcessorState {
  std::shared_ptr<const Authorizer> authorizer;
};

// Runs on a core thread for each new call. Everything here is a hash and a table
// lookup, so it answers synchronously instead of handing off to a thread pool.
void Process(void* state, grpc_auth_context* /*context*/, const grpc_metadata* md, size_t num_md,
             grpc_process_auth_metadata_done_cb done, void* user_data) {
  const Authorizer& authorizer = *static_cast<ProcessorState*>(state)->authorizer;
  absl::string_view path;
  const grpc_metadata* authorization = nullptr;
  for (size_t i = 0; i < num_md; ++i) {
    const absl::string_view key = View(md[i].key);
    if (key == ":path") {
      path = View(md[i].value);
    } else if (key == kAuthorizationKey && authorization == nullptr) {
      authorization = &md[i];
    }
  }
  std::optional<absl::string_view> header;
  if (authorization != nullptr) header = View(authorization->value);
  absl::StatusOr<const TokenEntry*> caller = authorizer.Check(path, header);
  if (!caller.ok()) {
    // The status message never holds the token; neither does this line.
    LogWarning("auth: refused ", path, ": ", caller.status().message());
    const std::string message(caller.status().message());
    done(user_data, nullptr, 0, nullptr, 0, static_cast<grpc_status_code>(caller.status().code()),
         message.c_str());
    return;
  }
  // The auth context is deliberately left alone: it belongs to the connection, not to
  // this call (see caller.h). The header stays for the same reason: it is how a handler
  // tells who called.
  if (*caller != nullptr) LogDebug("auth: ", (*caller)->name, " calls ", path);
  done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_OK, nullptr);
}

void Destroy(void* state) { delete static_cast<ProcessorState*>(state); }

}  // namespace

std::shared_ptr<grpc::ServerCredentials> TokenServerCredentials(
    std::shared_ptr<const Authorizer> authorizer, const ServerTlsOptions& tls) {
  grpc_server_credentials* core = NewCoreServerCredentials(tls);
  grpc_auth_metadata_processor processor;
  processor.process = &Process;
  processor.destroy = &Destroy;
  processor.state = new ProcessorState{std::move(authorizer)};
  grpc_server_credentials_set_auth_metadata_processor(core, processor);
  return WrapCoreServerCredentials(core);
}

}  // namespace meshproof::auth
