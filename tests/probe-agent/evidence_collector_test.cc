// The log-window logic with a fake clock and fake log sources: only lines after the
// noted position count, polling stops as soon as min_lines are there (after a settle
// when max_lines is set), the whole window is waited when nothing comes, and config
// evidence checks names in Envoy admin output.
#include "services/probe-agent/evidence_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/common/time_util.h"
#include "tests/testing/fake_clock.h"

namespace meshproof::agent {
namespace {

namespace sv1 = ::meshproof::scenario::v1;
namespace rv1 = ::meshproof::result::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Lines appear at given instants of the fake clock.
struct TimedLog {
  std::vector<std::pair<absl::Time, std::string>> lines;
  absl::Status error;
  const Clock* clock;
  std::vector<std::string> Visible() const {
    std::vector<std::string> out;
    for (const auto& [at, line] : lines) {
      if (at <= clock->Now()) out.push_back(line);
    }
    return out;
  }
};

class TimedSource : public LogSource {
 public:
  explicit TimedSource(TimedLog* log) : log_(log) {}
  absl::StatusOr<uint64_t> Position() override {
    if (!log_->error.ok()) return log_->error;
    return log_->Visible().size();
  }
  absl::StatusOr<std::vector<std::string>> LinesSince(uint64_t p) override {
    if (!log_->error.ok()) return log_->error;
    auto all = log_->Visible();
    return std::vector<std::string>(all.begin() + static_cast<long>(std::min<uint64_t>(p, all.size())), all.end());
  }
  std::string Describe() const override { return "timed log"; }

 private:
  TimedLog* log_;
};

class AdminProber : public Prober {
 public:
  std::string body;
  absl::StatusOr<rv1::ProbeOutcome> Run(const sv1::Probe&, const sv1::Defaults&, const CancelledFn&) override {
    return rv1::ProbeOutcome();
  }
  absl::StatusOr<std::string> Fetch(const sv1::HttpProbe& request, size_t) override {
    urls.push_back(request.url());
    if (body.empty()) return absl::UnavailableError("connection refused");
    return body;
  }
  std::vector<std::string> urls;
};

class EvidenceCollectorTest : public ::testing::Test {
 protected:
  EvidenceCollectorTest()
      : collector_(&prober_, &clock_, [this](absl::Duration d) { clock_.Advance(d); ++sleeps_; },
                   [this](const sv1::LogSource&) -> absl::StatusOr<std::unique_ptr<LogSource>> {
                     return std::make_unique<TimedSource>(&log_);
                   }) {
    log_.clock = &clock_;
  }

  sv1::Test LogTest(uint32_t min_lines, uint32_t max_lines, absl::Duration window) {
    sv1::Test test;
    sv1::EvidenceSpec* spec = test.add_evidence();
    spec->set_name("gw");
    spec->mutable_log()->mutable_source()->mutable_file()->set_path("/l");
    spec->mutable_log()->set_pattern(R"(outbound\|443\|\|external\.test)");
    spec->mutable_log()->set_min_lines(min_lines);
    spec->mutable_log()->set_max_lines(max_lines);
    *spec->mutable_log()->mutable_window() = ToProtoDuration(window);
    return test;
  }

  void LineAt(absl::Duration after, std::string line) { log_.lines.push_back({start_ + after, std::move(line)}); }

  testing::FakeClock clock_;
  const absl::Time start_ = clock_.Now();
  TimedLog log_;
  AdminProber prober_;
  int sleeps_ = 0;
  EvidenceCollector collector_;
};

TEST_F(EvidenceCollectorTest, StopsAsSoonAsTheLineIsThereAndIgnoresOlderLines) {
  LineAt(absl::ZeroDuration(), "old outbound|443||external.test");
  const sv1::Test test = LogTest(1, 0, absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(120), "new outbound|443||external.test");
  LineAt(absl::Milliseconds(120), "other line");
  auto evidence = collector_.Finish();
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_TRUE(evidence[0].required());
  EXPECT_EQ(evidence[0].kind(), rv1::Evidence::KIND_LOG);
  EXPECT_THAT(evidence[0].lines(), ElementsAre("new outbound|443||external.test"));
  // Polls every 50 ms: the line visible at 120 ms is seen at the 150 ms poll.
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(150));
}

TEST_F(EvidenceCollectorTest, WaitsTheWholeWindowAndSaysWhatWasMissing) {
  const sv1::Test test = LogTest(1, 0, absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(10), "unrelated");
  LineAt(absl::Seconds(3), "too late outbound|443||external.test");
  auto evidence = collector_.Finish();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_EQ(evidence[0].matched(), 0u);
  EXPECT_EQ(clock_.Now() - start_, absl::Seconds(2));
  EXPECT_EQ(evidence[0].message(),
            "no new line matching /outbound\\|443\\|\\|external\\.test/ in timed log within 2s (wanted at least 1)");
}

TEST_F(EvidenceCollectorTest, WithMaxLinesItSettlesAndSeesASecondLine) {
  const sv1::Test test = LogTest(1, 1, absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(40), "first outbound|443||external.test");
  LineAt(absl::Milliseconds(180), "second outbound|443||external.test");
  auto evidence = collector_.Finish();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_EQ(evidence[0].matched(), 2u);
  EXPECT_THAT(evidence[0].message(), HasSubstr("2 new lines matching"));
  EXPECT_THAT(evidence[0].message(), HasSubstr("wanted at most 1"));
  // Stopped once the bound was exceeded, long before the window's end.
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(200));
}

TEST_F(EvidenceCollectorTest, WithMaxLinesOneLineSatisfiesAfterTheSettle) {
  const sv1::Test test = LogTest(1, 1, absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::ZeroDuration(), "only outbound|443||external.test");
  auto evidence = collector_.Finish();
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(200));
}

TEST_F(EvidenceCollectorTest, MinLinesWaitsForEnough) {
  const sv1::Test test = LogTest(2, 0, absl::Seconds(1));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(10), "a outbound|443||external.test");
  auto evidence = collector_.Finish();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_THAT(evidence[0].message(), HasSubstr("only 1 new line matching"));
  EXPECT_THAT(evidence[0].message(), HasSubstr("wanted at least 2"));
}

TEST_F(EvidenceCollectorTest, WindowComesFromDefaultsWhenTheSpecHasNone) {
  sv1::Test test = LogTest(1, 0, absl::ZeroDuration());
  test.mutable_evidence(0)->mutable_log()->clear_window();
  sv1::Defaults defaults;
  *defaults.mutable_evidence_window() = ToProtoDuration(absl::Milliseconds(500));
  collector_.Begin(test, defaults);
  auto evidence = collector_.Finish();
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(500));
  EXPECT_THAT(evidence[0].message(), HasSubstr("within 500ms"));
}

TEST_F(EvidenceCollectorTest, AnUnreadableSourceIsMissingEvidenceWithTheReason) {
  log_.error = absl::UnavailableError("cannot read /l: No such file or directory");
  const sv1::Test test = LogTest(1, 0, absl::Seconds(1));
  collector_.Begin(test, sv1::Defaults());
  auto evidence = collector_.Finish();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_EQ(evidence[0].message(), "cannot read /l: No such file or directory");
}

TEST_F(EvidenceCollectorTest, OptionalEvidenceIsMarkedNotRequired) {
  sv1::Test test = LogTest(1, 0, absl::Seconds(1));
  test.mutable_evidence(0)->set_optional(true);
  collector_.Begin(test, sv1::Defaults());
  EXPECT_FALSE(collector_.Finish()[0].required());
}

TEST_F(EvidenceCollectorTest, CancellationStopsPolling) {
  const sv1::Test test = LogTest(1, 0, absl::Seconds(30));
  collector_.Begin(test, sv1::Defaults());
  auto evidence = collector_.Finish([this] { return clock_.Now() - start_ >= absl::Milliseconds(100); });
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(100));
}

TEST_F(EvidenceCollectorTest, ConfigEvidenceChecksPresentAndAbsentNames) {
  prober_.body =
      "outbound|443||external.test::observability_name::outbound|443||external.test\n"
      "outbound|443||external.test::default_priority::max_connections::4294967295\n"
      "BlackHoleCluster::observability_name::BlackHoleCluster\n";
  sv1::Test test;
  sv1::EvidenceSpec* spec = test.add_evidence();
  spec->set_name("egress-cluster");
  spec->mutable_config()->set_admin_url("http://127.0.0.1:15000/");
  spec->mutable_config()->set_resource(sv1::ENVOY_RESOURCE_CLUSTERS);
  spec->mutable_config()->add_present("outbound|443||external.test");
  collector_.Begin(test, sv1::Defaults());
  auto evidence = collector_.Finish();
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_EQ(evidence[0].kind(), rv1::Evidence::KIND_CONFIG);
  EXPECT_THAT(prober_.urls, ElementsAre("http://127.0.0.1:15000/clusters"));

  spec->mutable_config()->add_present("outbound|443||nope.test");
  spec->mutable_config()->add_absent("BlackHoleCluster");
  collector_.Begin(test, sv1::Defaults());
  evidence = collector_.Finish();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_THAT(evidence[0].message(), HasSubstr("not in http://127.0.0.1:15000/clusters: outbound|443||nope.test"));

  prober_.body.clear();
  collector_.Begin(test, sv1::Defaults());
  evidence = collector_.Finish();
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_EQ(evidence[0].message(), "connection refused");
}

}  // namespace
}  // namespace meshproof::agent
