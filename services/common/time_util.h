// Conversions between protobuf Timestamp/Duration and Abseil time types.
#ifndef MESHPROOF_SERVICES_COMMON_TIME_UTIL_H_
#define MESHPROOF_SERVICES_COMMON_TIME_UTIL_H_

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace meshproof {

google::protobuf::Timestamp ToProtoTimestamp(absl::Time t);
absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& ts);
google::protobuf::Duration ToProtoDuration(absl::Duration d);
absl::Duration FromProtoDuration(const google::protobuf::Duration& d);

// Returns `d` converted, or `fallback` when `d` is zero (the proto default).
absl::Duration DurationOr(const google::protobuf::Duration& d, absl::Duration fallback);

}  // namespace meshproof

#endif  // MESHPROOF_SERVICES_COMMON_TIME_UTIL_H_
