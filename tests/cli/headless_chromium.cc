#include "tests/cli/headless_chromium.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace meshproof::cli::testing {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

Value Str(const std::string& s) {
  Value v;
  v.set_string_value(s);
  return v;
}
Value Num(double n) {
  Value v;
  v.set_number_value(n);
  return v;
}
Value Bool(bool b) {
  Value v;
  v.set_bool_value(b);
  return v;
}

Struct Params(std::initializer_list<std::pair<const std::string, Value>> fields) {
  Struct s;
  for (const auto& [key, value] : fields) (*s.mutable_fields())[key] = value;
  return s;
}

// Returns s.path.to.field, or a null Value when any step is missing.
const Value& Field(const Struct& s, std::initializer_list<const char*> path) {
  static const Value kNull;
  const Struct* at = &s;
  const Value* found = &kNull;
  for (const char* key : path) {
    if (at == nullptr) return kNull;
    auto it = at->fields().find(key);
    if (it == at->fields().end()) return kNull;
    found = &it->second;
    at = found->has_struct_value() ? &found->struct_value() : nullptr;
  }
  return *found;
}

bool IsExecutable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

}  // namespace

absl::StatusOr<std::string> FindChromium() {
  if (const char* env = std::getenv("MESHPROOF_CHROMIUM"); env != nullptr && *env != '\0') {
    if (IsExecutable(env)) return std::string(env);
    return absl::NotFoundError(absl::StrCat("MESHPROOF_CHROMIUM=", env, " is not an executable"));
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path == nullptr ? "/usr/bin:/bin" : path, ':', absl::SkipEmpty())) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      const std::string candidate = absl::StrCat(dir, "/", name);
      if (IsExecutable(candidate)) return candidate;
    }
  }
  return absl::NotFoundError(
      "no chromium on PATH: the HTML report's browser check needs Debian's chromium package "
      "(scripts/setup.sh installs it), or set MESHPROOF_CHROMIUM to a Chromium binary");
}

absl::StatusOr<std::unique_ptr<HeadlessChromium>> HeadlessChromium::Start(
    const std::string& binary, const std::string& profile_dir, const std::string& log_path,
    absl::Duration timeout) {
  // A browser that died mid-write must fail the test, not kill it with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  int to[2], from[2];
  if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = {
      binary,
      "--headless",
      // Tests run as root in containers, where Chromium's sandbox cannot start; the page
      // is our own file, so the sandbox protects nothing here.
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--user-data-dir=" + profile_dir,
      "--remote-debugging-pipe",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--mute-audio",
      "about:blank",
  };
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);  // its renderer and utility processes join this group: one kill ends them all
    // Move the pipe ends above 4 first, so placing them on 3 and 4 cannot clobber one another.
    const int in = fcntl(to[0], F_DUPFD_CLOEXEC, 10);
    const int out = fcntl(from[1], F_DUPFD_CLOEXEC, 10);
    if (in < 0 || out < 0 || dup2(in, 3) < 0 || dup2(out, 4) < 0) _exit(127);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (log_fd >= 0) {
      dup2(log_fd, STDOUT_FILENO);
      dup2(log_fd, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  if (log_fd >= 0) close(log_fd);
  if (null_fd >= 0) close(null_fd);

  std::unique_ptr<HeadlessChromium> browser(new HeadlessChromium());
  browser->pid_ = pid;
  browser->to_browser_ = to[1];
  browser->from_browser_ = from[0];
  browser->timeout_ = timeout;
  // The first answer proves the pipe works and the browser is up.
  auto version = browser->Call("Browser.getVersion", Struct(), /*browser_level=*/true);
  if (!version.ok()) {
    return absl::UnavailableError(absl::StrCat(
        binary, " did not answer over --remote-debugging-pipe: ", version.status().message(),
        " (its log: ", log_path, ")"));
  }
  return browser;
}

HeadlessChromium::~HeadlessChromium() {
  if (pid_ <= 0) return;
  timeout_ = absl::Seconds(3);
  (void)Call("Browser.close", Struct(), /*browser_level=*/true);
  close(to_browser_);
  close(from_browser_);
  // Wait for the browser to exit on its own; a bounded deadline, then the whole group goes.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  bool reaped = false;
  while (!reaped && absl::Now() < deadline) {
    reaped = waitpid(pid_, nullptr, WNOHANG) == pid_;
    if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid_, SIGKILL);  // leftover renderer or utility processes of this browser only
  if (!reaped) waitpid(pid_, nullptr, 0);
}

absl::StatusOr<Struct> HeadlessChromium::ReadMessage(absl::Time deadline) {
  for (;;) {
    const size_t end = buffer_.find('\0');
    if (end != std::string::npos) {
      Struct message;
      const auto status =
          google::protobuf::util::JsonStringToMessage(buffer_.substr(0, end), &message);
      buffer_.erase(0, end + 1);
      if (!status.ok())
        return absl::InternalError(absl::StrCat("bad DevTools message: ", status.ToString()));
      return message;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration())
      return absl::DeadlineExceededError("the browser did not answer in time");
    pollfd p{from_browser_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0 && errno != EINTR)
      return absl::InternalError(absl::StrCat("poll: ", std::strerror(errno)));
    if (ready <= 0) continue;
    char chunk[65536];
    const ssize_t n = read(from_browser_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return absl::UnavailableError("the browser closed its DevTools pipe (did it crash?)");
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void HeadlessChromium::NoteEvent(const Struct& message) {
  if (session_.empty() || Field(message, {"sessionId"}).string_value() != session_) return;
  const std::string& method = Field(message, {"method"}).string_value();
  if (method == "Page.loadEventFired") {
    load_fired_ = true;
  } else if (method == "Network.requestWillBeSent") {
    load_.requests.push_back(Field(message, {"params", "request", "url"}).string_value());
  } else if (method == "Runtime.consoleAPICalled") {
    const std::string& type = Field(message, {"params", "type"}).string_value();
    if (type != "error" && type != "assert") return;
    std::string text = absl::StrCat("console.", type, ":");
    for (const Value& arg : Field(message, {"params", "args"}).list_value().values()) {
      const Value& v = Field(arg.struct_value(), {"value"});
      absl::StrAppend(&text, " ",
                      v.has_string_value()
                          ? v.string_value()
                          : Field(arg.struct_value(), {"description"}).string_value());
    }
    load_.errors.push_back(text);
  } else if (method == "Runtime.exceptionThrown") {
    const std::string& description =
        Field(message, {"params", "exceptionDetails", "exception", "description"}).string_value();
    load_.errors.push_back(absl::StrCat(
        "exception: ", description.empty()
                           ? Field(message, {"params", "exceptionDetails", "text"}).string_value()
                           : description));
  } else if (method == "Log.entryAdded") {
    // Failed loads, blocked mixed content, CSP and other browser-side errors.
    if (Field(message, {"params", "entry", "level"}).string_value() != "error") return;
    load_.errors.push_back(
        absl::StrCat("log: ", Field(message, {"params", "entry", "text"}).string_value(), " (",
                     Field(message, {"params", "entry", "url"}).string_value(), ")"));
  }
}

absl::StatusOr<Struct> HeadlessChromium::Call(const std::string& method, const Struct& params,
                                              bool browser_level) {
  const int id = ++next_id_;
  Struct message = Params({{"id", Num(id)}, {"method", Str(method)}});
  *(*message.mutable_fields())["params"].mutable_struct_value() = params;
  if (!browser_level) (*message.mutable_fields())["sessionId"] = Str(session_);
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json).ok()) {
    return absl::InternalError("cannot encode a DevTools command");
  }
  json.push_back('\0');
  for (size_t done = 0; done < json.size();) {
    const ssize_t n = write(to_browser_, json.data() + done, json.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return absl::UnavailableError(absl::StrCat(method, ": the browser's pipe is closed"));
    done += static_cast<size_t>(n);
  }
  const absl::Time deadline = absl::Now() + timeout_;
  for (;;) {
    auto reply = ReadMessage(deadline);
    if (!reply.ok())
      return absl::Status(reply.status().code(),
                          absl::StrCat(method, ": ", reply.status().message()));
    const Value& reply_id = Field(*reply, {"id"});
    if (!reply_id.has_number_value() || static_cast<int>(reply_id.number_value()) != id) {
      NoteEvent(*reply);
      continue;
    }
    if (reply->fields().contains("error")) {
      return absl::InvalidArgumentError(
          absl::StrCat(method, ": ", Field(*reply, {"error", "message"}).string_value()));
    }
    return Field(*reply, {"result"}).struct_value();
  }
}

absl::StatusOr<PageLoad> HeadlessChromium::Load(const std::string& url, const Viewport& viewport) {
  // A fresh tab per page, so nothing of an earlier page's events leaks into this one.
  auto target =
      Call("Target.createTarget", Params({{"url", Str("about:blank")}}), /*browser_level=*/true);
  if (!target.ok()) return target.status();
  auto attached =
      Call("Target.attachToTarget",
           Params({{"targetId", Field(*target, {"targetId"})}, {"flatten", Bool(true)}}),
           /*browser_level=*/true);
  if (!attached.ok()) return attached.status();
  session_ = Field(*attached, {"sessionId"}).string_value();
  load_ = PageLoad();
  load_fired_ = false;
  for (const char* domain : {"Runtime.enable", "Log.enable", "Page.enable", "Network.enable"}) {
    if (auto enabled = Call(domain, Struct()); !enabled.ok()) return enabled.status();
  }
  auto metrics =
      Call("Emulation.setDeviceMetricsOverride", Params({{"width", Num(viewport.width)},
                                                         {"height", Num(viewport.height)},
                                                         {"deviceScaleFactor", Num(1)},
                                                         {"mobile", Bool(viewport.mobile)}}));
  if (!metrics.ok()) return metrics.status();
  auto navigated = Call("Page.navigate", Params({{"url", Str(url)}}));
  if (!navigated.ok()) return navigated.status();
  if (const std::string& error = Field(*navigated, {"errorText"}).string_value(); !error.empty()) {
    return absl::NotFoundError(absl::StrCat("cannot open ", url, ": ", error));
  }
  const absl::Time deadline = absl::Now() + timeout_;
  while (!load_fired_) {
    auto event = ReadMessage(deadline);
    if (!event.ok())
      return absl::Status(event.status().code(),
                          absl::StrCat("loading ", url, ": ", event.status().message()));
    NoteEvent(*event);
  }
  // One round trip after the load event, so errors reported around it have arrived.
  if (auto settled = Evaluate("document.readyState"); !settled.ok()) return settled.status();
  return load_;
}

absl::StatusOr<Value> HeadlessChromium::Evaluate(const std::string& expression) {
  auto result = Call("Runtime.evaluate",
                     Params({{"expression", Str(expression)}, {"returnByValue", Bool(true)}}));
  if (!result.ok()) return result.status();
  if (result->fields().contains("exceptionDetails")) {
    const std::string& description =
        Field(*result, {"exceptionDetails", "exception", "description"}).string_value();
    return absl::InvalidArgumentError(absl::StrCat(
        "the expression threw: ", description.empty()
                                      ? Field(*result, {"exceptionDetails", "text"}).string_value()
                                      : description));
  }
  return Field(*result, {"result", "value"});
}

absl::StatusOr<std::string> HeadlessChromium::Screenshot() {
  auto shot = Call("Page.captureScreenshot", Params({{"format", Str("png")}}));
  if (!shot.ok()) return shot.status();
  std::string png;
  if (!absl::Base64Unescape(Field(*shot, {"data"}).string_value(), &png)) {
    return absl::InternalError("the screenshot is not base64");
  }
  return png;
}

}  // namespace meshproof::cli::testing
