// Escaping text for the Markdown report. Every string in a report came from a scenario,
// an agent or a log line, so none of it may start a heading, a link, an image, raw HTML
// or a new table row, or close a code span or fenced block early.
#ifndef MESHPROOF_CLIENTS_CLI_REPORT_MARKDOWN_ESCAPE_H_
#define MESHPROOF_CLIENTS_CLI_REPORT_MARKDOWN_ESCAPE_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace meshproof::cli::report {

// Returns `text` as literal inline Markdown on one line: line breaks become spaces,
// Markdown punctuation is backslash-escaped and < > & become entities, so no link,
// emphasis, HTML or table cell boundary can come from the text.
std::string MarkdownInline(absl::string_view text);

// The same for a table cell: line breaks become <br>; "-" for empty text.
std::string MarkdownCell(absl::string_view text);

// Returns `text` as a code span that the text cannot close (the fence is longer than
// any run of backticks inside), on one line, with pipes escaped for table cells;
// "-" for empty text.
std::string MarkdownCodeSpan(absl::string_view text);

// Returns the fence for a fenced block holding `lines`: at least three backticks, and
// more than the longest run of backticks in any line, so no line can end the block.
std::string MarkdownFence(const std::vector<std::string>& lines);

// Returns one line of a fenced block: carriage returns and line breaks become spaces.
std::string MarkdownFencedLine(absl::string_view line);

// Returns an http(s) URL as an autolink, or anything else (or a URL holding characters
// that could end the autolink) as escaped text.
std::string MarkdownLink(absl::string_view reference);

}  // namespace meshproof::cli::report

#endif  // MESHPROOF_CLIENTS_CLI_REPORT_MARKDOWN_ESCAPE_H_
