// How many terminal columns a UTF-8 string takes, so tables line up with accented,
// Korean, Chinese or Japanese text: East Asian Wide and Fullwidth characters take two
// columns, combining marks and zero-width characters none, everything else one. The
// C library's wcwidth depends on the process locale (tests and pipes often run in "C"),
// so the ranges live in a small table here instead.
#ifndef MESHPROOF_CLIENTS_CLI_DISPLAY_WIDTH_H_
#define MESHPROOF_CLIENTS_CLI_DISPLAY_WIDTH_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace meshproof::cli {

// Returns the columns code point `c` takes: 0, 1 or 2.
int CodePointWidth(char32_t c);

// Returns the columns `text` takes. Bytes that are not valid UTF-8 count one column each.
size_t DisplayWidth(absl::string_view text);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_DISPLAY_WIDTH_H_
