#include "tests/security/hostile_runner.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <grpcpp/generic/generic_stub.h>
#include <yaml-cpp/yaml.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "meshproof/agent/v1/agent.pb.h"
#include "meshproof/scheduler/v1/agent_gateway.pb.h"
#include "meshproof/scheduler/v1/scheduler.pb.h"
#include "meshproof/store/v1/store.pb.h"
#include "tests/testing/temp_dir.h"

namespace meshproof::security {
namespace {

// Referencing one message of each contract links its descriptors into the binary, so
// methods can be looked up by name.
void LinkContracts() {
  (void)meshproof::scheduler::v1::SubmitScenarioRequest::descriptor();
  (void)meshproof::scheduler::v1::AgentMessage::descriptor();
  (void)meshproof::store::v1::BeginRunRequest::descriptor();
  (void)meshproof::agent::v1::ExecuteRequest::descriptor();
}

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  for (const auto& item : node) out.push_back(item.Scalar());
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

absl::StatusOr<std::string> Serialize(const google::protobuf::Descriptor* type,
                                      const std::string& text, const std::string& name) {
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  if (!google::protobuf::TextFormat::ParseFromString(text, message.get())) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": the request is not ", type->full_name(), " in text format"));
  }
  std::string bytes;
  message->SerializeToString(&bytes);
  return bytes;
}

}  // namespace

std::string Expand(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (true) {
    const size_t open = text.find("{{repeat:", i);
    if (open == std::string::npos) break;
    const size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    const std::string spec = text.substr(open + 9, close - open - 9);
    const size_t colon = spec.rfind(':');
    int count = 0;
    if (colon == std::string::npos || !absl::SimpleAtoi(spec.substr(colon + 1), &count)) break;
    out += text.substr(i, open - i);
    const std::string unit = spec.substr(0, colon);
    out.reserve(out.size() + unit.size() * count);
    for (int k = 0; k < count; ++k) out += unit;
    i = close + 2;
  }
  out += text.substr(i);
  return out;
}

absl::StatusOr<std::vector<HostileCase>> LoadCases(const std::string& path) {
  LinkContracts();
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  std::vector<HostileCase> cases;
  const std::string file = path.substr(path.rfind('/') + 1);
  try {
    for (const auto& row : root["cases"]) {
      HostileCase c;
      c.file = file;
      c.name = row["name"].as<std::string>();
      if (row["rpc"]) c.rpc = row["rpc"].as<std::string>();
      if (row["request"]) c.request = Expand(row["request"].as<std::string>());
      if (row["yaml"]) {
        // A scenario file submitted as text: the scheduler parses it.
        if (c.rpc.empty()) c.rpc = "meshproof.scheduler.v1.SchedulerService/SubmitScenario";
        c.request = absl::StrCat("yaml { file_name: \"hostile.yaml\" text: \"",
                                 absl::CEscape(Expand(row["yaml"].as<std::string>())), "\" }");
      }
      for (const std::string& m : StringList(row["stream"])) c.stream.push_back(Expand(m));
      c.expect = StringList(row["expect"]);
      if (row["message"]) c.message = row["message"].as<std::string>();
      if (row["metadata"]) {
        for (const auto& kv : row["metadata"]) {
          c.metadata[kv.first.as<std::string>()] = Expand(kv.second.as<std::string>());
        }
      }
      if (row["no_auth"]) c.no_auth = row["no_auth"].as<bool>();
      if (row["raw"]) c.raw = row["raw"].as<bool>();
      if (row["binary"]) c.binary = row["binary"].as<std::string>();
      for (const std::string& arg : StringList(row["args"])) c.args.push_back(Expand(arg));
      if (row["content"]) c.content = Expand(row["content"].as<std::string>());
      if (row["expect_exit"]) c.expect_exit = row["expect_exit"].as<int>();
      if (row["count_field"]) c.count_field = row["count_field"].as<std::string>();
      if (row["count"]) c.count = row["count"].as<int>();
      if (c.name.empty() || (c.rpc.empty() && c.binary.empty()) ||
          (!c.rpc.empty() && c.expect.empty())) {
        return absl::InvalidArgumentError(
            absl::StrCat(file, ": case \"", c.name, "\" needs rpc and expect, or binary"));
      }
      cases.push_back(std::move(c));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.what()));
  }
  return cases;
}

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i <= 16 ? kNames[i] : absl::StrCat("CODE_", i);
}

absl::StatusOr<CallOutcome> CallCase(const HostileCase& c,
                                     const std::shared_ptr<grpc::Channel>& channel,
                                     const std::string& admin_token, absl::Duration deadline) {
  const size_t slash = c.rpc.find('/');
  if (slash == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(c.name, ": rpc must be Service/Method"));
  }
  const std::string full_method =
      absl::StrCat(c.rpc.substr(0, slash), ".", c.rpc.substr(slash + 1));
  const google::protobuf::MethodDescriptor* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_method);
  if (method == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(c.name, ": no method ", full_method));
  }
  std::vector<std::string> requests;
  if (c.raw) {
    requests.push_back(c.request);
  } else if (method->client_streaming()) {
    for (const std::string& text : c.stream) {
      auto bytes = Serialize(method->input_type(), text, c.name);
      if (!bytes.ok()) return bytes.status();
      requests.push_back(*bytes);
    }
  } else {
    auto bytes = Serialize(method->input_type(), c.request, c.name);
    if (!bytes.ok()) return bytes.status();
    requests.push_back(*bytes);
  }

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  bool has_auth = false;
  for (const auto& [key, value] : c.metadata) {
    context.AddMetadata(key, value);
    if (key == "authorization") has_auth = true;
  }
  if (!has_auth && !c.no_auth && !admin_token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", admin_token));
  }
  const std::string path = absl::StrCat("/", c.rpc);
  grpc::GenericStub stub(channel);
  const absl::Time start = absl::Now();
  CallOutcome outcome;

  if (!method->client_streaming() && !method->server_streaming()) {
    grpc::ByteBuffer request = ToBuffer(requests.front());
    grpc::ByteBuffer response;
    absl::Notification done;
    grpc::Status status;
    stub.UnaryCall(&context, path, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
      status = std::move(s);
      done.Notify();
    });
    // The call's own deadline ends it; the extra margin only catches a client bug.
    if (!done.WaitForNotificationWithTimeout(deadline + absl::Seconds(5))) {
      context.TryCancel();
      done.WaitForNotification();
    }
    outcome.code = status.error_code();
    outcome.message = status.error_message();
    if (status.ok() && !c.count_field.empty()) {
      std::unique_ptr<google::protobuf::Message> reply(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(method->output_type())
              ->New());
      std::vector<grpc::Slice> slices;
      std::string bytes;
      if (response.Dump(&slices).ok()) {
        for (const grpc::Slice& slice : slices) {
          bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
        }
      }
      const google::protobuf::FieldDescriptor* field =
          method->output_type()->FindFieldByName(c.count_field);
      if (reply->ParseFromString(bytes) && field != nullptr && field->is_repeated()) {
        outcome.count = reply->GetReflection()->FieldSize(*reply, field);
      }
    }
  } else {
    grpc::CompletionQueue cq;
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub.PrepareCall(&context, path, &cq);
    void* tag = nullptr;
    bool ok = false;
    auto next = [&]() { return cq.Next(&tag, &ok) && ok; };
    call->StartCall(reinterpret_cast<void*>(1));
    bool open = next();
    for (size_t i = 0; open && i < requests.size(); ++i) {
      grpc::ByteBuffer request = ToBuffer(requests[i]);
      call->Write(request, reinterpret_cast<void*>(2));
      open = next();
    }
    if (open) {
      call->WritesDone(reinterpret_cast<void*>(3));
      next();
    }
    // Read to the end (bounded: a stream that never ends is ended by the deadline).
    for (int reads = 0; open && reads < 100000; ++reads) {
      grpc::ByteBuffer response;
      call->Read(&response, reinterpret_cast<void*>(4));
      if (!next()) break;
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(5));
    cq.Next(&tag, &ok);
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    outcome.code = status.error_code();
    outcome.message = status.error_message();
  }
  outcome.took = absl::Now() - start;
  return outcome;
}

bool Serving(const std::shared_ptr<grpc::Channel>& channel, absl::Duration deadline) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  return status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

}  // namespace meshproof::security
