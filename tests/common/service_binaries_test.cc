// Every service binary: --help works, --listen with port 0 prints the chosen address,
// health and reflection answer over a real socket, SIGTERM exits 0, bad flags exit 2.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace meshproof {
namespace {

using ::meshproof::testing::BinaryPath;
using ::meshproof::testing::RunCommand;
using ::meshproof::testing::ServiceProcess;

class ServiceBinaryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ServiceBinaryTest, HelpExitsZeroAndNamesListenFlag) {
  auto result = RunCommand({BinaryPath(GetParam()), "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("--listen"), std::string::npos) << result.out;
}

TEST_P(ServiceBinaryTest, UnknownFlagExitsTwo) {
  auto result = RunCommand({BinaryPath(GetParam()), "--no-such-flag"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
}

TEST_P(ServiceBinaryTest, ServesHealthAndStopsOnSigterm) {
  testing::TempDir dir;
  std::vector<std::string> args = {"--listen", "127.0.0.1:0"};
  if (GetParam() != "meshproof-agent") {
    args.push_back("--db");
    args.push_back(dir.File("x.db"));
  }
  auto process = ServiceProcess::Start(BinaryPath(GetParam()), args, dir.File("log"));
  ASSERT_TRUE(process.ok()) << process.status() << testing::ReadFileOrEmpty(dir.File("log"));

  auto channel = grpc::CreateChannel(process->address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto code = process->Terminate();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

INSTANTIATE_TEST_SUITE_P(AllServices, ServiceBinaryTest,
                         ::testing::Values("meshproof-store", "meshproof-agent",
                                           "meshproof-scheduler"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace meshproof
