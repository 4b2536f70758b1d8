// How many items one List call of the scheduler returns (scenarios, versions, runs).
#ifndef MESHPROOF_SERVICES_SCHEDULER_PAGE_SIZE_H_
#define MESHPROOF_SERVICES_SCHEDULER_PAGE_SIZE_H_

#include <cstdint>

namespace meshproof::scheduler {

inline constexpr uint32_t kDefaultPageSize = 50;
inline constexpr uint32_t kMaxPageSize = 500;

// Returns a page size: kDefaultPageSize when unset (0), at most kMaxPageSize.
int PageSize(uint32_t requested);

}  // namespace meshproof::scheduler

#endif  // MESHPROOF_SERVICES_SCHEDULER_PAGE_SIZE_H_
