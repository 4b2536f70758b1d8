// What every meshproof fuzz target uses to state an invariant: a broken one aborts with
// its text, which libFuzzer reports as a crash and keeps the input for.
#ifndef MESHPROOF_TESTS_FUZZ_FUZZ_CHECK_H_
#define MESHPROOF_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

namespace meshproof::fuzz {

inline void Check(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

}  // namespace meshproof::fuzz

#endif  // MESHPROOF_TESTS_FUZZ_FUZZ_CHECK_H_
