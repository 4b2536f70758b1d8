// Prints test results as JSON, one object per line, in the order they are given, from a
// thread of its own: the results waiting when the thread comes round are converted
// (proto_json.h) and written together; a result that arrives alone is printed alone, at
// once.
#ifndef MESHPROOF_CLIENTS_CLI_JSON_LINES_H_
#define MESHPROOF_CLIENTS_CLI_JSON_LINES_H_

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "meshproof/result/v1/result.pb.h"

namespace meshproof::cli {

// Converts `results` to JSON lines (each ending in '\n', field names as in the proto),
// exactly what MessageToJsonString prints for each one. Appends to `out`.
void AppendJsonLines(const std::vector<meshproof::result::v1::TestResult>& results,
                     std::string* out);

class JsonLineWriter {
 public:
  explicit JsonLineWriter(FILE* out);
  // Writes everything queued, then stops the thread.
  ~JsonLineWriter();
  JsonLineWriter(const JsonLineWriter&) = delete;
  JsonLineWriter& operator=(const JsonLineWriter&) = delete;

  // Queues `result` to be printed after those queued before it.
  void Push(meshproof::result::v1::TestResult result);
  // Returns once everything queued so far has been written and flushed.
  void Flush();

 private:
  void Run();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || closing_; }
  bool Drained() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return written_ == pushed_; }

  FILE* const out_;
  absl::Mutex mu_;
  std::vector<meshproof::result::v1::TestResult> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t pushed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t written_ ABSL_GUARDED_BY(mu_) = 0;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace meshproof::cli

#endif  // MESHPROOF_CLIENTS_CLI_JSON_LINES_H_
