#include "clients/cli/json_lines.h"

#include <google/protobuf/util/json_util.h>

#include "meshproof/store/v1/store.pb.h"

namespace meshproof::cli {
namespace {

namespace rv1 = ::meshproof::result::v1;

// At most this many results per conversion: bounds the text held at once.
constexpr size_t kMaxBatch = 256;

google::protobuf::util::JsonPrintOptions PrintOptions() {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  return options;
}

// Appends each element of the JSON array that starts at `array` (the '[') as a line.
// The elements are objects printed by protobuf: a comma outside every string and at
// depth 1 separates two of them.
void SplitArray(const std::string& json, size_t array, std::string* out) {
  int depth = 0;
  bool in_string = false;
  size_t start = array + 1;
  for (size_t i = array; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) {  // the array's own ']'
        out->append(json, start, i - start);
        out->push_back('\n');
        return;
      }
    } else if (c == ',' && depth == 1) {
      out->append(json, start, i - start);
      out->push_back('\n');
      start = i + 1;
    }
  }
}

}  // namespace

void AppendJsonLines(const std::vector<rv1::TestResult>& results, std::string* out) {
  static const google::protobuf::util::JsonPrintOptions kOptions = PrintOptions();
  if (results.size() == 1) {
    std::string line;
    (void)google::protobuf::util::MessageToJsonString(results.front(), &line, kOptions);
    out->append(line);
    out->push_back('\n');
    return;
  }
  // A message whose only field is a list of results prints as {"results":[r1,r2,...]},
  // each element exactly as the result would print alone.
  store::v1::RunDetail batch;
  batch.mutable_results()->Reserve(static_cast<int>(results.size()));
  for (const rv1::TestResult& result : results) *batch.add_results() = result;
  std::string json;
  const size_t array = google::protobuf::util::MessageToJsonString(batch, &json, kOptions).ok()
                           ? json.find('[')
                           : std::string::npos;
  if (array != std::string::npos) {
    SplitArray(json, array, out);
    return;
  }
  // A result protobuf cannot print must not take the others with it: one by one, as
  // before batching.
  for (const rv1::TestResult& result : results) {
    std::string line;
    (void)google::protobuf::util::MessageToJsonString(result, &line, kOptions);
    out->append(line);
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
