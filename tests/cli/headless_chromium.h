// A headless Chromium driven over the DevTools protocol for browser checks of the HTML
// report: load a local page at a given viewport, collect console errors, JS exceptions
// and every request the page made, evaluate JavaScript, and take a PNG screenshot.
//
// Why the DevTools protocol over `--remote-debugging-pipe` rather than the one-shot
// `chromium --headless --screenshot --dump-dom` flags: the flags give no reliable
// signal for console errors (they are log lines whose format changes between
// versions), cannot tell which requests a page made, and each flag needs its own
// browser start. The pipe needs no port, no WebSocket and no library beyond the JSON
// support protobuf already has: messages are JSON objects separated by NUL bytes on
// fds 3 (to the browser) and 4 (from it).
#ifndef MESHPROOF_TESTS_CLI_HEADLESS_CHROMIUM_H_
#define MESHPROOF_TESTS_CLI_HEADLESS_CHROMIUM_H_

#include <google/protobuf/struct.pb.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace meshproof::cli::testing {

// Returns the Chromium binary to use: $MESHPROOF_CHROMIUM, else `chromium` or
// `chromium-browser` on PATH. NOT_FOUND (naming scripts/setup.sh) when there is none.
absl::StatusOr<std::string> FindChromium();

// What a page did while it loaded.
struct PageLoad {
  std::vector<std::string> errors;    // console errors, JS exceptions, error log entries
  std::vector<std::string> requests;  // URL of every request, the page itself included
};

// A viewport; `mobile` makes Chromium honour the viewport meta tag as a phone does.
struct Viewport {
  int width = 1280;
  int height = 800;
  bool mobile = false;
};

class HeadlessChromium {
 public:
  // Starts `binary` with a fresh profile under `profile_dir`; its stderr goes to
  // `log_path`. Returns UNAVAILABLE when it does not answer within `timeout`.
  static absl::StatusOr<std::unique_ptr<HeadlessChromium>> Start(
      const std::string& binary, const std::string& profile_dir, const std::string& log_path,
      absl::Duration timeout = absl::Seconds(20));
  ~HeadlessChromium();  // closes the browser; kills its process group if it lingers
  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Opens `url` in a new tab at `viewport` and waits for its load event.
  absl::StatusOr<PageLoad> Load(const std::string& url, const Viewport& viewport);
  // Evaluates `expression` in the page and returns its value (JSON-compatible).
  // INVALID_ARGUMENT with the exception text when it throws.
  absl::StatusOr<google::protobuf::Value> Evaluate(const std::string& expression);
  // Returns the PNG of the current viewport.
  absl::StatusOr<std::string> Screenshot();

 private:
  HeadlessChromium() = default;
  // Sends one command (to the page's session unless `browser_level`) and returns its
  // result, keeping the events that arrive meanwhile.
  absl::StatusOr<google::protobuf::Struct> Call(const std::string& method,
                                                const google::protobuf::Struct& params,
                                                bool browser_level = false);
  absl::StatusOr<google::protobuf::Struct> ReadMessage(absl::Time deadline);
  void NoteEvent(const google::protobuf::Struct& message);

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::string buffer_;
  int next_id_ = 0;
  std::string session_;
  absl::Duration timeout_ = absl::Seconds(20);
  bool load_fired_ = false;
  PageLoad load_;
};

}  // namespace meshproof::cli::testing

#endif  // MESHPROOF_TESTS_CLI_HEADLESS_CHROMIUM_H_
