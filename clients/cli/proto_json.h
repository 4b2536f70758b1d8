// A JSON printer for the messages the CLI prints most (test results, one per line):
// byte for byte what protobuf's MessageToJsonString prints with preserve_proto_field_names
// and nothing else set (or with add_whitespace), five to seven times faster. protobuf 3.21
// serializes the message and converts the bytes through a type resolver on every call, which costs
// more per result than the agent spends probing a reused connection; this walks the message by
// reflection instead.
//
// It prints only what it can print exactly as protobuf does and leaves the rest to
// protobuf: map fields with entries (protobuf prints them in its hash order), float and
// double values (shortest round-trip formatting), well-known types other than Duration
// and Timestamp, strings that are not valid UTF-8 and out-of-range Durations and
// Timestamps (protobuf refuses those).
#ifndef MESHPROOF_CLIENTS_CLI_PROTO_JSON_H_
#define MESHPROOF_CLIENTS_CLI_PROTO_JSON_H_

#include <google/protobuf/message.h>

#include <string>

namespace meshproof::cli {

// Appends `message` as protobuf's JSON and returns true, or returns false having appended
// nothing when the message holds something listed above.
bool AppendFastJson(const google::protobuf::Message& message, std::string* out);

// Appends `message` as protobuf's JSON (preserve_proto_field_names), through
// AppendFastJson when it can and protobuf otherwise. Returns false, having appended
// nothing, only when protobuf cannot print it either.
bool AppendProtoJson(const google::protobuf::Message& message, std::string* out);

// The same with protobuf's add_whitespace layout (one space of indent per level, a space
// after each colon, a final newline), for `--output json` and `report --format json`.
bool AppendProtoJsonIndented(const google::protobuf::Message& message, std::string* out);

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_PROTO_JSON_H_
