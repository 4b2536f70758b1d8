#include "services/scheduler/page_size.h"

#include <algorithm>

namespace meshproof::scheduler {

int PageSize(uint32_t requested) {
  if (requested == 0) return static_cast<int>(kDefaultPageSize);
  return static_cast<int>(std::min(requested, kMaxPageSize));
}

}  // namespace meshproof::scheduler
