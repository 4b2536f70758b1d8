// UTF-8 validation. Scenario strings end up in proto3 `string` fields, which must hold
// valid UTF-8: a peer refuses to parse a message that does not.
#ifndef MESHPROOF_SERVICES_SCENARIO_UTF8_H_
#define MESHPROOF_SERVICES_SCENARIO_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace meshproof::scenario {

// Returns whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code
// points past U+10FFFF). When it is not and `bad_offset` is non-null, sets it to the
// offset of the first byte of the first malformed sequence.
bool IsValidUtf8(absl::string_view text, size_t* bad_offset = nullptr);

}  // namespace meshproof::scenario

#endif  // MESHPROOF_SERVICES_SCENARIO_UTF8_H_
