// libFuzzer target for cron expressions: parsing never crashes or hangs, and an accepted
// expression's next fire time (when there is one) is strictly after the time asked.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/scheduler/cron.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ::meshproof::fuzz::Check;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = ::meshproof::scheduler::ParseCron(text);
  if (!spec.ok()) {
    Check(!spec.status().message().empty(), "refused without a message");
    return 0;
  }
  const absl::Time after = absl::FromUnixSeconds(1780790400);  // 2026-06-07
  auto next = ::meshproof::scheduler::NextCronFire(*spec, absl::UTCTimeZone(), after);
  if (next.ok()) Check(*next > after, "next fire is not after the time asked");
  absl::TimeZone fixed = absl::FixedTimeZone(-5 * 3600);
  auto shifted = ::meshproof::scheduler::NextCronFire(*spec, fixed, after);
  if (shifted.ok()) Check(*shifted > after, "next fire (UTC-5) is not after the time asked");
  return 0;
}
