#include "clients/cli/json_lines.h"

#include "clients/cli/proto_json.h"

namespace meshproof::cli {
namespace {

namespace rv1 = ::meshproof::result::v1;

// At most this many results per conversion: bounds the text held at once.
constexpr size_t kMaxBatch = 256;

}  // namespace

void AppendJsonLines(const std::vector<rv1::TestResult>& results, std::string* out) {
  for (const rv1::TestResult& result : results) {
    (void)AppendProtoJson(result, out);
    out->push_back('\n');
  }
}

JsonLineWriter::JsonLineWriter(FILE* out) : out_(out), thread_([this] { Run(); }) {}

JsonLineWriter::~JsonLineWriter() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  thread_.join();
}

void JsonLineWriter::Push(rv1::TestResult result) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(result));
  ++pushed_;
}

void JsonLineWriter::Flush() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &JsonLineWriter::Drained));
}

void JsonLineWriter::Run() {
  std::vector<rv1::TestResult> batch;
  std::string text;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &JsonLineWriter::HasWork));
      if (queue_.empty()) return;  // closing, nothing left
      if (queue_.size() <= kMaxBatch) {
        batch.swap(queue_);
      } else {
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.begin() + kMaxBatch));
        queue_.erase(queue_.begin(), queue_.begin() + kMaxBatch);
      }
    }
    text.clear();
    AppendJsonLines(batch, &text);
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fflush(out_);
    absl::MutexLock lock(&mu_);
    written_ += batch.size();
    batch.clear();
  }
}

}  // namespace meshproof::cli
