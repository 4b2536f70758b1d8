// libFuzzer target for the services' configuration files: the same bytes read as the
// store's, the scheduler's and the agent's YAML configuration. Nothing may crash, and
// what is accepted is within the documented ranges.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "services/probe-agent/agent_config.h"
#include "services/results-store/store_config.h"
#include "services/scheduler/scheduler_config.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ::meshproof::fuzz::Check;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);

  auto store = ::meshproof::store::ParseStoreConfig(text, "store.yaml");
  if (store.ok()) {
    Check(store->max_batch >= 1 && store->max_batch <= 500, "store max_batch out of range");
    Check(store->retention_days >= 0 && store->retention_days <= 36500, "retention out of range");
  }
  auto scheduler = ::meshproof::scheduler::ParseSchedulerConfig(text, "scheduler.yaml");
  if (scheduler.ok()) {
    Check(scheduler->heartbeat_interval < scheduler->lease, "heartbeat not below lease");
    Check(scheduler->lease > absl::ZeroDuration(), "lease not positive");
  }
  auto agent = ::meshproof::agent::ParseAgentConfig(text, "agent.yaml");
  (void)agent;
  return 0;
}
