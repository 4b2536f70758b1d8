// The log-window logic with a fake clock and fake log sources: only lines after the
// noted position count, and only those that belong to this call (their start time, and
// when asked their client address); polling stops as soon as min_lines are there (after
// a settle when max_lines is set), the whole window is waited when nothing comes; what
// could not be observed is marked so, never merely missing; config evidence checks
// names in Envoy admin output.
#include "services/probe-agent/evidence_collector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
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
  std::string gap;
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
    return std::vector<std::string>(
        all.begin() + static_cast<long>(std::min<uint64_t>(p, all.size())), all.end());
  }
  std::string Describe() const override { return "timed log"; }
  std::string Gap() const override { return log_->gap; }

 private:
  TimedLog* log_;
};

class AdminProber : public Prober {
 public:
  std::string body;
  absl::StatusOr<rv1::ProbeOutcome> Run(const sv1::Probe&, const sv1::Defaults&,
                                        const CancelledFn&) override {
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
      : collector_(
            &prober_, &clock_,
            [this](absl::Duration d) {
              clock_.Advance(d);
              ++sleeps_;
            },
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

  // A line that appears `after` the start, stamped (Envoy style) with that instant.
  void LineAt(absl::Duration after, std::string line) {
    StartedLineAt(after, after, std::move(line));
  }
  // A line that appears `after` the start but whose connection started at `started`.
  void StartedLineAt(absl::Duration after, absl::Duration started, std::string line) {
    log_.lines.push_back({start_ + after, absl::StrCat("[", Stamp(start_ + started), "] ", line)});
  }
  static std::string Stamp(absl::Time t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
  }

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
  auto evidence = collector_.Finish(nullptr);
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_TRUE(evidence[0].required());
  EXPECT_EQ(evidence[0].kind(), rv1::Evidence::KIND_LOG);
  EXPECT_THAT(evidence[0].lines(), ElementsAre(HasSubstr("] new outbound|443||external.test")));
  // Polls every 50 ms: the line visible at 120 ms is seen at the 150 ms poll.
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(150));
}

TEST_F(EvidenceCollectorTest, WaitsTheWholeWindowAndSaysWhatWasMissing) {
  const sv1::Test test = LogTest(1, 0, absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(10), "unrelated");
  LineAt(absl::Seconds(3), "too late outbound|443||external.test");
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_EQ(evidence[0].matched(), 0u);
  EXPECT_EQ(clock_.Now() - start_, absl::Seconds(2));
  EXPECT_EQ(evidence[0].message(),
            "no new line for this call matching /outbound\\|443\\|\\|external\\.test/ in timed log "
            "within 2s "
            "(wanted at least 1)");
  EXPECT_FALSE(evidence[0].unobservable());
}

TEST_F(EvidenceCollectorTest, WithMaxLinesItSettlesAndSeesASecondLine) {
  const sv1::Test test = LogTest(1, 1, absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(40), "first outbound|443||external.test");
  LineAt(absl::Milliseconds(180), "second outbound|443||external.test");
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_EQ(evidence[0].matched(), 2u);
  EXPECT_THAT(evidence[0].message(), HasSubstr("2 new lines of this call matching"));
  EXPECT_THAT(evidence[0].message(), HasSubstr("wanted at most 1"));
  // Stopped once the bound was exceeded, long before the window's end.
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(200));
}

TEST_F(EvidenceCollectorTest, WithMaxLinesOneLineSatisfiesAfterTheSettle) {
  const sv1::Test test = LogTest(1, 1, absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::ZeroDuration(), "only outbound|443||external.test");
  auto evidence = collector_.Finish(nullptr);
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(200));
}

TEST_F(EvidenceCollectorTest, MinLinesWaitsForEnough) {
  const sv1::Test test = LogTest(2, 0, absl::Seconds(1));
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(10), "a outbound|443||external.test");
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_THAT(evidence[0].message(), HasSubstr("only 1 new line for this call matching"));
  EXPECT_THAT(evidence[0].message(), HasSubstr("wanted at least 2"));
}

TEST_F(EvidenceCollectorTest, WindowComesFromDefaultsWhenTheSpecHasNone) {
  sv1::Test test = LogTest(1, 0, absl::ZeroDuration());
  test.mutable_evidence(0)->mutable_log()->clear_window();
  sv1::Defaults defaults;
  *defaults.mutable_evidence_window() = ToProtoDuration(absl::Milliseconds(500));
  collector_.Begin(test, defaults);
  auto evidence = collector_.Finish(nullptr);
  EXPECT_EQ(clock_.Now() - start_, absl::Milliseconds(500));
  EXPECT_THAT(evidence[0].message(), HasSubstr("within 500ms"));
}

TEST_F(EvidenceCollectorTest, AnUnreadableSourceIsUnobservableWithTheReason) {
  log_.error = absl::UnavailableError("cannot read /l: No such file or directory");
  const sv1::Test test = LogTest(1, 0, absl::Seconds(1));
  collector_.Begin(test, sv1::Defaults());
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_TRUE(evidence[0].unobservable());
  EXPECT_EQ(evidence[0].message(),
            "could not read the log: cannot read /l: No such file or directory");
}

TEST_F(EvidenceCollectorTest, ALineOfAnEarlierCallWrittenLateDoesNotCount) {
  const sv1::Test test = LogTest(1, 0, absl::Seconds(1));
  collector_.Begin(test, sv1::Defaults());
  // Written 100 ms into this call's window, for a connection that started 1.5 s before
  // it (beyond the default 1 s skew).
  StartedLineAt(absl::Milliseconds(100), absl::Milliseconds(-1500),
                "earlier outbound|443||external.test");
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_FALSE(evidence[0].unobservable());
  EXPECT_EQ(evidence[0].matched(), 0u);
  EXPECT_EQ(evidence[0].rejected(), 1u);
  EXPECT_THAT(evidence[0].message(), HasSubstr("no new line for this call"));
  EXPECT_THAT(evidence[0].message(), HasSubstr("not counted: 1 started before the call (skew 1s)"));
}

TEST_F(EvidenceCollectorTest, TheDeclaredSkewWidensTheWindow) {
  sv1::Test test = LogTest(1, 0, absl::Seconds(1));
  *test.mutable_evidence(0)->mutable_log()->mutable_skew() = ToProtoDuration(absl::Seconds(2));
  collector_.Begin(test, sv1::Defaults());
  StartedLineAt(absl::Milliseconds(100), absl::Milliseconds(-1500),
                "skewed outbound|443||external.test");
  EXPECT_TRUE(collector_.Finish(nullptr)[0].satisfied());
}

TEST_F(EvidenceCollectorTest, ALineStartedAfterTheCallDoesNotCount) {
  const sv1::Test test = LogTest(1, 0, absl::Seconds(3));
  collector_.Begin(test, sv1::Defaults());
  // The probe returns at once; a connection opened 2.5 s later is another call's.
  StartedLineAt(absl::Milliseconds(2600), absl::Milliseconds(2500),
                "later outbound|443||external.test");
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_THAT(evidence[0].message(), HasSubstr("1 started after the call"));
}

TEST_F(EvidenceCollectorTest, WholeSecondTimesCountForTheWholeSecond) {
  sv1::Test test = LogTest(1, 0, absl::Seconds(1));
  *test.mutable_evidence(0)->mutable_log()->mutable_skew() =
      ToProtoDuration(absl::Milliseconds(10));
  clock_.Advance(absl::Milliseconds(900));  // the call starts at .900 of its second
  collector_.Begin(test, sv1::Defaults());
  const std::string second = absl::FormatTime("%Y-%m-%dT%H:%M:%S+00:00", start_,
                                              absl::UTCTimeZone());  // nginx's $time_iso8601
  log_.lines.push_back(
      {start_ + absl::Milliseconds(950), "[" + second + "] outbound|443||external.test"});
  EXPECT_TRUE(collector_.Finish(nullptr)[0].satisfied());
}

TEST_F(EvidenceCollectorTest, LinesWithoutAReadableTimeAreUnobservableNotMissing) {
  const sv1::Test test = LogTest(1, 0, absl::Milliseconds(200));
  collector_.Begin(test, sv1::Defaults());
  log_.lines.push_back(
      {start_ + absl::Milliseconds(10), "no time here outbound|443||external.test"});
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_TRUE(evidence[0].unobservable());
  EXPECT_THAT(evidence[0].message(),
              HasSubstr("could not be tied to this call: 1 carry no readable start time"));
}

TEST_F(EvidenceCollectorTest, TimeFormatNoneCountsLinesByPositionAlone) {
  sv1::Test test = LogTest(1, 0, absl::Milliseconds(200));
  test.mutable_evidence(0)->mutable_log()->mutable_time()->set_format("none");
  collector_.Begin(test, sv1::Defaults());
  log_.lines.push_back(
      {start_ + absl::Milliseconds(10), "no time here outbound|443||external.test"});
  EXPECT_TRUE(collector_.Finish(nullptr)[0].satisfied());
}

TEST_F(EvidenceCollectorTest, CorrelationCountsOnlyTheLineWithThisCallsClientAddress) {
  sv1::Test test = LogTest(1, 0, absl::Milliseconds(300));
  test.mutable_evidence(0)->mutable_log()->set_correlate(sv1::LOG_CORRELATION_CLIENT_ADDRESS);
  rv1::ProbeOutcome outcome;
  outcome.mutable_http()->set_local_address("127.0.0.1:40001");
  // Envoy's TCP format ends with UPSTREAM_LOCAL DOWNSTREAM_LOCAL DOWNSTREAM_REMOTE SNI ROUTE.
  const std::string other =
      R"("- - -" 0 - - - "-" 1 2 3 - "-" "-" "-" "-" "127.0.0.1:9443" )"
      R"(outbound|443||external.test - 127.0.0.1:8443 127.0.0.1:40000 external.test -)";
  const std::string mine =
      R"("- - -" 0 - - - "-" 1 2 3 - "-" "-" "-" "-" "127.0.0.1:9443" )"
      R"(outbound|443||external.test - 127.0.0.1:8443 127.0.0.1:40001 external.test -)";
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(10), other);
  auto evidence = collector_.Finish(&outcome);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_FALSE(evidence[0].unobservable());
  EXPECT_THAT(evidence[0].message(),
              HasSubstr("1 name another client address than 127.0.0.1:40001"));

  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(400), other);
  LineAt(absl::Milliseconds(420), mine);
  evidence = collector_.Finish(&outcome);
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_THAT(evidence[0].lines(), ElementsAre(HasSubstr("127.0.0.1:40001")));
}

TEST_F(EvidenceCollectorTest, CorrelationByIpAcceptsAnotherPortOfTheSameHost) {
  sv1::Test test = LogTest(1, 0, absl::Milliseconds(300));
  test.mutable_evidence(0)->mutable_log()->set_correlate(sv1::LOG_CORRELATION_CLIENT_IP);
  rv1::ProbeOutcome outcome;
  outcome.mutable_http()->set_local_address("10.1.2.3:40001");
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(10),
         "outbound|443||external.test - 10.9.9.9:8443 10.1.2.4:40001 external.test -");
  LineAt(absl::Milliseconds(20),
         "outbound|443||external.test - 10.9.9.9:8443 10.1.2.3:51234 external.test -");
  auto evidence = collector_.Finish(&outcome);
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_EQ(evidence[0].matched(), 1u);
  EXPECT_EQ(evidence[0].rejected(), 1u);
}

TEST_F(EvidenceCollectorTest, CorrelationWithoutAConnectionCountsNothing) {
  sv1::Test test = LogTest(1, 0, absl::Milliseconds(100));
  test.mutable_evidence(0)->mutable_log()->set_correlate(sv1::LOG_CORRELATION_CLIENT_ADDRESS);
  collector_.Begin(test, sv1::Defaults());
  LineAt(absl::Milliseconds(10),
         "outbound|443||external.test - 127.0.0.1:8443 127.0.0.1:40001 external.test -");
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_FALSE(evidence[0].unobservable());
  EXPECT_THAT(evidence[0].message(), HasSubstr("it made no connection"));
}

TEST_F(EvidenceCollectorTest, ALogThatMayHaveLostLinesIsUnobservableWhenTheLineIsMissing) {
  const sv1::Test test = LogTest(1, 0, absl::Milliseconds(200));
  collector_.Begin(test, sv1::Defaults());
  log_.gap = "egress.log was truncated while it was read";
  auto evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_TRUE(evidence[0].unobservable());
  EXPECT_THAT(evidence[0].message(),
              HasSubstr("may be missing from what was read: egress.log was truncated"));
  // ... but a line of this call found in spite of the rotation is proof.
  collector_.Begin(test, sv1::Defaults());
  LineAt(clock_.Now() - start_ + absl::Milliseconds(10), "found outbound|443||external.test");
  EXPECT_TRUE(collector_.Finish(nullptr)[0].satisfied());
}

TEST_F(EvidenceCollectorTest, OptionalEvidenceIsMarkedNotRequired) {
  sv1::Test test = LogTest(1, 0, absl::Seconds(1));
  test.mutable_evidence(0)->set_optional(true);
  collector_.Begin(test, sv1::Defaults());
  EXPECT_FALSE(collector_.Finish(nullptr)[0].required());
}

TEST_F(EvidenceCollectorTest, CancellationStopsPolling) {
  const sv1::Test test = LogTest(1, 0, absl::Seconds(30));
  collector_.Begin(test, sv1::Defaults());
  auto evidence = collector_.Finish(
      nullptr, [this] { return clock_.Now() - start_ >= absl::Milliseconds(100); });
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
  auto evidence = collector_.Finish(nullptr);
  EXPECT_TRUE(evidence[0].satisfied()) << evidence[0].message();
  EXPECT_EQ(evidence[0].kind(), rv1::Evidence::KIND_CONFIG);
  EXPECT_THAT(prober_.urls, ElementsAre("http://127.0.0.1:15000/clusters"));

  spec->mutable_config()->add_present("outbound|443||nope.test");
  spec->mutable_config()->add_absent("BlackHoleCluster");
  collector_.Begin(test, sv1::Defaults());
  evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_THAT(evidence[0].message(),
              HasSubstr("not in http://127.0.0.1:15000/clusters: outbound|443||nope.test"));

  EXPECT_FALSE(evidence[0].unobservable());

  prober_.body.clear();
  collector_.Begin(test, sv1::Defaults());
  evidence = collector_.Finish(nullptr);
  EXPECT_FALSE(evidence[0].satisfied());
  EXPECT_TRUE(evidence[0].unobservable());
  EXPECT_EQ(evidence[0].message(), "could not read the proxy configuration: connection refused");
}

}  // namespace
}  // namespace meshproof::agent
