#include "clients/cli/report/markdown_escape.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace meshproof::cli::report {
namespace {

// CommonMark lets any ASCII punctuation be escaped; these are the ones that can start
// emphasis, a link or image, code, a table cell boundary, strikethrough or an escape.
bool NeedsBackslash(char c) {
  switch (c) {
    case '\\':
    case '`':
    case '*':
    case '_':
    case '[':
    case ']':
    case '|':
    case '~': return true;
    default: return false;
  }
}

std::string Escape(absl::string_view text, absl::string_view line_break) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    if (c == '\n' || c == '\r') {
      out.append(line_break.data(), line_break.size());
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += ' ';  // tabs and control bytes would change indentation or rendering
    } else {
      if (NeedsBackslash(c)) out += '\\';
      out += c;
    }
  }
  return out;
}

size_t LongestBacktickRun(absl::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

}  // namespace

std::string MarkdownInline(absl::string_view text) { return Escape(text, " "); }

std::string MarkdownCell(absl::string_view text) {
  if (text.empty()) return "-";
  return Escape(text, "<br>");
}

std::string MarkdownCodeSpan(absl::string_view text) {
  if (text.empty()) return "-";
  std::string body = MarkdownFencedLine(text);
  // GFM splits table cells on a pipe even inside a code span.
  body = absl::StrReplaceAll(body, {{"|", "\\|"}});
  const std::string fence(LongestBacktickRun(body) + 1, '`');
  // A span that starts or ends with a backtick needs a space to keep it apart from the fence.
  if (fence.size() > 1 || body.front() == '`' || body.back() == '`') {
    return absl::StrCat(fence, " ", body, " ", fence);
  }
  return absl::StrCat(fence, body, fence);
}

std::string MarkdownFence(const std::vector<std::string>& lines) {
  size_t longest = 0;
  for (const std::string& line : lines) longest = std::max(longest, LongestBacktickRun(line));
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string MarkdownFencedLine(absl::string_view line) {
  std::string out(line);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

std::string MarkdownLink(absl::string_view reference) {
  const bool web =
      absl::StartsWith(reference, "http://") || absl::StartsWith(reference, "https://");
  const bool plain = std::none_of(reference.begin(), reference.end(), [](char c) {
    return c == '<' || c == '>' || c == '|' || c == '`' || static_cast<unsigned char>(c) <= 0x20 ||
           c == 0x7f;
  });
  if (web && plain) return absl::StrCat("<", reference, ">");
  return MarkdownCell(reference);
}

}  // namespace meshproof::cli::report
