#include "clients/cli/run_watch.h"

#include <sys/ioctl.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cli/command_support.h"
#include "clients/cli/exit_codes.h"
#include "clients/cli/report/report_text.h"
#include "services/common/reconnect_backoff.h"
#include "services/common/results/verdict_words.h"

namespace meshproof::cli {
namespace {

namespace rv1 = ::meshproof::result::v1;

struct Progress {
  int results = 0, passed = 0, failed = 0, other = 0;
  schedv1::Run run;
  bool line_open = false;  // a live line is on screen without its newline
};

// Columns `s` takes on a terminal: one per UTF-8 character (the line is ASCII but for "—").
size_t DisplayWidth(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

// The live line, narrower than `columns` (when known) so it never wraps: without the run
// id first (the "started run" line above names it), then cut at a character boundary.
std::string ProgressLine(const Progress& p, int columns) {
  const std::string counts =
      absl::StrCat(RunStateWord(p.run.state()), ": ", p.results,
                   p.results == 1 ? " result" : " results", " — ", p.passed, " passed, ", p.failed,
                   " failed", p.other > 0 ? absl::StrCat(", ", p.other, " other") : "");
  std::string line = absl::StrCat("run ", p.run.run_id(), " ", counts);
  if (columns <= 0) return line;
  // The last column stays free: a character there puts some terminals in a pending wrap.
  const size_t fits = static_cast<size_t>(columns) - 1;
  if (DisplayWidth(line) <= fits) return line;
  line = counts;
  size_t width = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xc0) == 0x80) continue;
    if (++width > fits) {
      line.resize(i);
      break;
    }
  }
  return line;
}

void ClearLine(Progress* p, std::FILE* out) {
  if (p->line_open) std::fputs("\r\033[K", out);
  p->line_open = false;
}

void ShowResult(const rv1::TestResult& r, const WatchOptions& options, Progress* p,
                std::FILE* out) {
  ++p->results;
  if (r.verdict() == rv1::TEST_VERDICT_PASS) {
    ++p->passed;
  } else if (r.verdict() == rv1::TEST_VERDICT_FAIL || r.verdict() == rv1::TEST_VERDICT_ERROR) {
    ++p->failed;
  } else {
    ++p->other;
  }
  if (options.quiet) return;
  const bool noteworthy = r.verdict() != rv1::TEST_VERDICT_PASS;
  // On a terminal only what needs attention scrolls by; the live line carries the counts.
  if (!options.live || noteworthy) {
    ClearLine(p, out);
    std::fprintf(out, "%-8s %s  expected %s, got %s%s\n",
                 results::TestVerdictWord(r.verdict()).c_str(), r.test().c_str(),
                 r.expected_summary().empty() ? "-" : r.expected_summary().c_str(),
                 r.actual_summary().empty() ? "-" : r.actual_summary().c_str(),
                 r.passed_on_retry() ? " (on retry)"
                 : r.flaky()         ? " (flaky)"
                                     : "");
    if (noteworthy && !r.reason().empty()) std::fprintf(out, "         %s\n", r.reason().c_str());
  }
}

void ShowState(const schedv1::Run& run, const WatchOptions& options, Progress* p, std::FILE* out) {
  const bool changed = run.state() != p->run.state();
  p->run = run;
  if (options.quiet || !changed) return;
  if (options.live) return;  // the live line shows the state
  std::fprintf(out, "run %s: %s%s%s\n", run.run_id().c_str(), RunStateWord(run.state()).c_str(),
               run.agent_id().empty() ? "" : absl::StrCat(" on ", run.agent_id()).c_str(),
               run.reason().empty() ? "" : absl::StrCat(" — ", run.reason()).c_str());
  if (run.state() == schedv1::RUN_STATE_AWAITING_APPROVAL) {
    std::fprintf(out, "  waiting for approval: meshproof run approve %s --reason '...'\n",
                 run.run_id().c_str());
  }
}

// One result's identity within a run: a later attempt of the run reruns the same tests.
std::string ResultKey(const schedv1::Run& run, const rv1::TestResult& r) {
  return absl::StrCat(run.attempt(), "\x1f", r.scenario(), "\x1f", r.test(), "\x1f",
                      static_cast<int>(r.phase()));
}

}  // namespace

int TerminalColumns(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

int WatchUntilDone(const SchedulerClient& client, const std::string& run_id,
                   const WatchOptions& options, std::FILE* out, schedv1::Run* final_run) {
  Progress progress;
  progress.run.set_run_id(run_id);
  // Results already shown. Each new stream starts with the run and the results so far,
  // so after a reconnect only results not in here are new.
  std::set<std::string> shown;
  const absl::Time deadline = absl::Now() + options.timeout;
  // A short first retry (a graceful restart is back within a second or two), capped so a
  // long outage costs few calls, jittered so many watchers do not return in lockstep.
  ReconnectBackoff backoff(absl::Milliseconds(200), absl::Seconds(3), BackoffSeed());
  absl::Status status;
  while (true) {
    bool received = false;
    status = client.WatchRun(run_id, deadline - absl::Now(), [&](const schedv1::RunEvent& event) {
      received = true;
      if (event.has_run()) ShowState(event.run(), options, &progress, out);
      if (event.has_result() && shown.insert(ResultKey(progress.run, event.result())).second) {
        ShowResult(event.result(), options, &progress, out);
      }
      if (options.live && !options.quiet) {
        ClearLine(&progress, out);
        std::fputs(ProgressLine(progress, options.columns).c_str(), out);
        progress.line_open = true;
      }
      std::fflush(out);
    });
    if (IsFinalState(progress.run.state())) break;
    if (status.ok()) {
      // The stream ended cleanly before the run did: ask for the truth, which may be final.
      schedv1::GetRunRequest request;
      request.set_run_id(run_id);
      absl::StatusOr<schedv1::Run> latest = client.GetRun(request);
      if (latest.ok() && IsFinalState(latest->state())) {
        progress.run = *latest;
        break;
      }
    }
    // The stream ended before the run did: the scheduler restarted ("watch again") or went
    // away. A scheduler stopping gracefully can also end the stream CANCELLED (gRPC
    // cancels the calls it drains; this client never cancels its own). Anything else (not
    // found, refused) is final.
    if (!status.ok() && !absl::IsUnavailable(status) && !absl::IsCancelled(status)) break;
    if (received) backoff.Reset();
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    absl::SleepFor(std::min(backoff.Next(), left));
    if (absl::Now() >= deadline) break;
  }
  ClearLine(&progress, out);
  if (!status.ok() && !IsFinalState(progress.run.state())) {
    *final_run = progress.run;
    if (absl::IsDeadlineExceeded(status) || absl::IsUnavailable(status) ||
        absl::IsCancelled(status)) {
      return PrintError(absl::UnavailableError(
          absl::StrCat("run ", run_id, " had not finished when the watch's deadline passed (",
                       status.message(), "); follow it again with: meshproof run watch ", run_id)));
    }
    return PrintError(status);
  }
  schedv1::Run run = progress.run;
  if (!IsFinalState(run.state())) {
    // The stream ended early and the deadline passed: ask once for the truth.
    schedv1::GetRunRequest request;
    request.set_run_id(run_id);
    auto latest = client.GetRun(request);
    if (!latest.ok()) return PrintError(latest.status());
    run = *latest;
  }
  *final_run = run;
  if (!IsFinalState(run.state())) {
    return PrintError(absl::UnavailableError(absl::StrCat(
        "the scheduler ended the watch before run ", run_id, " finished (",
        RunStateWord(run.state()), "); follow it again with: meshproof run watch ", run_id)));
  }
  if (!options.quiet) {
    std::fprintf(out, "run %s %s: %s%s%s\n", run_id.c_str(), RunStateWord(run.state()).c_str(),
                 report::DescribeCounts(run.counts()).c_str(), run.reason().empty() ? "" : " — ",
                 run.reason().c_str());
    if (run.state() == schedv1::RUN_STATE_INCONCLUSIVE) {
      std::fprintf(out, "preflight failed: the results say nothing about the mesh\n");
    }
    std::fflush(out);
  }
  return ExitCodeForRunState(run.state());
}

}  // namespace meshproof::cli
