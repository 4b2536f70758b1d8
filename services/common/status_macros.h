// Early-return helpers for absl::Status / absl::StatusOr, which Debian 12's Abseil
// (20220623) does not ship.
#ifndef MESHPROOF_SERVICES_COMMON_STATUS_MACROS_H_
#define MESHPROOF_SERVICES_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MP_STATUS_CONCAT_INNER_(a, b) a##b
#define MP_STATUS_CONCAT_(a, b) MP_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define MP_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status mp_status_ = (expr);      \
    if (!mp_status_.ok()) return mp_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status when not OK, otherwise
// moves the value into `lhs` (which may be a declaration, e.g. `auto x`).
#define MP_ASSIGN_OR_RETURN(lhs, rexpr) \
  MP_ASSIGN_OR_RETURN_IMPL_(MP_STATUS_CONCAT_(mp_statusor_, __LINE__), lhs, rexpr)

#define MP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)    \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // MESHPROOF_SERVICES_COMMON_STATUS_MACROS_H_
