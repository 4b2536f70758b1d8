// Escaping text for XML and HTML documents (element text and attribute values).
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_XML_ESCAPE_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_XML_ESCAPE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace meshproof::cli::report {

// Returns `text` with & < > " ' escaped, and control characters XML 1.0 forbids (all
// below 0x20 but tab, newline and carriage return) replaced by U+FFFD, so log lines
// with stray bytes still give a well-formed document.
std::string XmlEscape(absl::string_view text);

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_XML_ESCAPE_H_
