// Notifications through the scheduler (fake clock, fake agents) into the webhook outbox,
// and the sender with a fake HTTP poster: which state changes queue which events, that
// an event is queued once however often it is raised, that a delivered row is never sent
// again, retries with backoff while the receiver fails, and giving up (refusal, max age,
// host off the allowlist).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/common/time_util.h"
#include "services/scheduler/webhook_sender.h"
#include "services/scheduler/webhook_signing.h"
#include "tests/scheduler/scheduler_fixtures.h"
#include "tests/testing/sqlite_query.h"
#include "tests/testing/status_matchers.h"

namespace meshproof::scheduler::testing {
namespace {

namespace rv1 = meshproof::result::v1;
using ::meshproof::testing::QueryInt;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Posted {
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;
};

// Answers each POST with the next scripted result (the last one repeats).
class FakePoster final : public HttpPoster {
 public:
  absl::StatusOr<int> Post(const std::string& url,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::string& body, absl::Duration /*timeout*/) override {
    absl::MutexLock lock(&mu_);
    posted_.push_back({url, {headers.begin(), headers.end()}, body});
    if (answers_.empty()) return 200;
    absl::StatusOr<int> answer = answers_.front();
    if (answers_.size() > 1) answers_.erase(answers_.begin());
    return answer;
  }
  void Script(std::vector<absl::StatusOr<int>> answers) {
    absl::MutexLock lock(&mu_);
    answers_ = std::move(answers);
  }
  std::vector<Posted> posted() {
    absl::MutexLock lock(&mu_);
    return posted_;
  }

 private:
  absl::Mutex mu_;
  std::vector<absl::StatusOr<int>> answers_;
  std::vector<Posted> posted_;
};

v1::AgentMessage Report(const v1::Assignment& a, uint64_t seq, const std::string& test,
                        rv1::TestVerdict verdict) {
  v1::AgentMessage m;
  m.mutable_result()->set_assignment_id(a.assignment_id());
  m.mutable_result()->set_run_id(a.run_id());
  m.mutable_result()->set_attempt(a.attempt());
  m.mutable_result()->set_sequence(seq);
  *m.mutable_result()->mutable_result() = Result("plain", test, verdict);
  return m;
}

class WebhookOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WebhookConfig all;
    all.name = "platform-json";
    all.team = "platform";
    all.url = "http://127.0.0.1:9/hook";
    all.secret_file = "unused-here";
    WebhookConfig other;
    other.name = "search-only";
    other.team = "search";
    other.url = "http://127.0.0.1:9/other";
    WebhookConfig slack;
    slack.name = "ops-slack";
    slack.team = "*";
    slack.url = "http://127.0.0.1:9/slack";
    slack.format = WebhookFormat::kSlack;
    slack.events = {std::string(kEventAgentLost)};
    h.config.webhooks = {all, other, slack};
    ASSERT_TRUE(h.Open().ok());
    MP_ASSERT_OK(h.Submit(kPlainScenario).status());
    MP_ASSERT_OK_AND_ASSIGN(db, Database::Open(h.dir.File("scheduler.db"), DatabaseOptions()));
  }

  // Runs "plain" to the end on a fresh agent with these verdicts; returns the run id.
  std::string RunWith(rv1::TestVerdict t1, rv1::TestVerdict t2) {
    RecordingSink sink;
    const std::string session = h.Connect(AgentInfo("a1"), &sink);
    absl::StatusOr<v1::Run> run = h.Start("plain", {{"PORT", "1"}});
    EXPECT_TRUE(run.ok()) << run.status();
    const v1::Assignment a = Assignments(sink.Take()).at(0);
    h.scheduler->OnAgentMessage(session, Report(a, 1, "t1", t1));
    h.scheduler->OnAgentMessage(session, Report(a, 2, "t2", t2));
    v1::AgentMessage done;
    done.mutable_done()->set_assignment_id(a.assignment_id());
    done.mutable_done()->set_run_id(a.run_id());
    done.mutable_done()->set_sequence(2);
    done.mutable_done()->mutable_outcome()->set_verdict(
        t1 == rv1::TEST_VERDICT_PASS && t2 == rv1::TEST_VERDICT_PASS ? rv1::RUN_VERDICT_PASSED
                                                                     : rv1::RUN_VERDICT_FAILED);
    h.scheduler->OnAgentMessage(session, done);
    h.scheduler->AgentDisconnected(session);
    return run->run_id();
  }

  std::vector<std::string> Queued() {
    absl::StatusOr<Statement> stmt =
        db->Prepare("SELECT webhook || ' ' || event_id FROM webhook_outbox ORDER BY id");
    EXPECT_TRUE(stmt.ok());
    std::vector<std::string> out;
    while (stmt.ok() && *stmt->Step()) out.push_back(stmt->Text(0));
    return out;
  }

  std::unique_ptr<WebhookSender> Sender(WebhookSenderOptions options = {}) {
    absl::StatusOr<std::unique_ptr<Database>> own =
        Database::Open(h.dir.File("scheduler.db"), DatabaseOptions());
    EXPECT_TRUE(own.ok());
    std::map<std::string, WebhookTarget> targets = {
        {"platform-json", {"http://127.0.0.1:9/hook", "s3cret"}},
        {"search-only", {"http://127.0.0.1:9/other", "x"}},
        {"ops-slack", {"http://127.0.0.1:9/slack", ""}}};
    return std::make_unique<WebhookSender>(std::move(*own), targets, &poster, &h.clock, options);
  }

  SchedulerHarness h;
  std::unique_ptr<Database> db;
  FakePoster poster;
};

TEST_F(WebhookOutboxTest, RegressionAndFixAreQueuedForTheTeamOnly) {
  const std::string first = RunWith(rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_FAIL);
  EXPECT_THAT(Queued(), ElementsAre());  // nothing to compare with yet
  const std::string second = RunWith(rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_PASS);
  EXPECT_THAT(Queued(), ElementsAre("platform-json run.regressed:" + second,
                                    "platform-json run.fixed:" + second));
  const std::string third = RunWith(rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_PASS);
  EXPECT_EQ(Queued().size(), 2u);  // same verdicts as last time: no change, no event
}

TEST_F(WebhookOutboxTest, AwaitingApprovalIsQueuedOnce) {
  MP_ASSERT_OK(h.Submit(kGatedScenario).status());
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("demo"));
  ASSERT_EQ(run.state(), v1::RUN_STATE_AWAITING_APPROVAL);
  EXPECT_THAT(Queued(), ElementsAre("platform-json run.awaiting_approval:" + run.run_id()));
}

TEST_F(WebhookOutboxTest, ALostAgentIsQueuedForTheTeamAndTheOperatorsSlack) {
  RecordingSink sink;
  const std::string session = h.Connect(AgentInfo("a1"), &sink);
  MP_ASSERT_OK_AND_ASSIGN(v1::Run run, h.Start("plain", {{"PORT", "1"}}));
  ASSERT_THAT(Assignments(sink.Take()), ::testing::SizeIs(1));
  h.scheduler->AgentDisconnected(session);
  h.clock.Advance(absl::Seconds(29));
  h.scheduler->Tick();
  EXPECT_THAT(Queued(), ElementsAre());  // within the lease the agent may come back
  h.clock.Advance(absl::Seconds(2));
  h.scheduler->Tick();
  EXPECT_THAT(Queued(), ElementsAre("platform-json agent.lost:" + run.run_id() + "#1",
                                    "ops-slack agent.lost:" + run.run_id() + "#1"));
}

v1::CreateScheduleRequest EveryTenMinutes() {
  v1::CreateScheduleRequest req;
  req.set_schedule_id("every");
  req.set_scenario("plain");
  *req.mutable_interval() = ToProtoDuration(absl::Minutes(10));
  req.set_concurrency_policy(v1::CONCURRENCY_POLICY_ALLOW);
  return req;  // no vars: ${PORT} is undefined, so every fire's run request is refused
}

TEST_F(WebhookOutboxTest, EachRefusedFireIsQueuedOncePerFireTime) {
  MP_ASSERT_OK_AND_ASSIGN(v1::Schedule s, h.scheduler->CreateSchedule(EveryTenMinutes()));
  const absl::Time first = FromProtoTimestamp(s.next_fire_times(0));
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  h.clock.Advance(absl::Minutes(10));
  h.scheduler->Tick();
  const std::string id1 = absl::StrCat("schedule.not_fired:every@", absl::ToUnixMicros(first));
  const std::string id2 =
      absl::StrCat("schedule.not_fired:every@", absl::ToUnixMicros(first + absl::Minutes(10)));
  EXPECT_THAT(Queued(), ElementsAre("platform-json " + id1, "platform-json " + id2));
  std::unique_ptr<WebhookSender> sender = Sender();
  MP_ASSERT_OK(sender->SendOnce().status());
  ASSERT_EQ(poster.posted().size(), 2u);
  EXPECT_THAT(poster.posted()[0].body, HasSubstr("PORT"));
  EXPECT_THAT(poster.posted()[0].body, HasSubstr("\"schedule\":{\"schedule_id\":\"every\""));
}

TEST_F(WebhookOutboxTest, AFireTheDatabaseRefusesIsQueuedOnceThoughRetriedEveryTick) {
  v1::CreateScheduleRequest req = EveryTenMinutes();
  (*req.mutable_vars())["PORT"] = "1";
  MP_ASSERT_OK(h.scheduler->CreateSchedule(req).status());
  // Another connection makes every new run fail to insert, as a broken disk would.
  MP_ASSERT_OK(db->Exec(
      "CREATE TRIGGER refuse_runs BEFORE INSERT ON runs BEGIN SELECT RAISE(ABORT, 'refused'); "
      "END;"));
  h.clock.Advance(absl::Minutes(10));
  for (int i = 0; i < 5; ++i) {
    h.scheduler->Tick();
    h.clock.Advance(absl::Seconds(1));
  }
  std::vector<std::string> queued = Queued();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_THAT(queued[0], HasSubstr("platform-json schedule.not_fired:every@"));
  // The internal error's text (SQL, table names) does not leave the scheduler.
  std::unique_ptr<WebhookSender> sender = Sender();
  MP_ASSERT_OK(sender->SendOnce().status());
  ASSERT_EQ(poster.posted().size(), 1u);
  EXPECT_THAT(poster.posted()[0].body, HasSubstr("internal error"));
  EXPECT_THAT(poster.posted()[0].body, ::testing::Not(HasSubstr("refused")));
}

TEST_F(WebhookOutboxTest, TheSameEventIsQueuedOnceAndDeliveredOnce) {
  RunWith(rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_PASS);
  const std::string run = RunWith(rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_PASS);
  WebhookOutbox outbox(db.get());
  WebhookEvent again;
  again.event_id = "run.regressed:" + run;
  again.kind = std::string(kEventRunRegressed);
  again.team = "platform";
  MP_ASSERT_OK_AND_ASSIGN(int added, outbox.Enqueue(again, h.config.webhooks, h.clock.Now()));
  EXPECT_EQ(added, 0);
  EXPECT_EQ(Queued().size(), 1u);

  std::unique_ptr<WebhookSender> sender = Sender();
  MP_ASSERT_OK_AND_ASSIGN(int sent, sender->SendOnce());
  EXPECT_EQ(sent, 1);
  MP_ASSERT_OK_AND_ASSIGN(sent, sender->SendOnce());
  EXPECT_EQ(sent, 0);
  std::vector<Posted> posted = poster.posted();
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_EQ(posted[0].url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(posted[0].headers.at("X-Meshproof-Event-Id"), "run.regressed:" + run);
  EXPECT_EQ(posted[0].headers.at("X-Meshproof-Event"), "run.regressed");
  EXPECT_EQ(posted[0].headers.at("X-Meshproof-Timestamp"),
            absl::StrCat(absl::ToUnixSeconds(h.clock.Now())));
  EXPECT_TRUE(VerifyWebhookSignature("s3cret", posted[0].body,
                                     posted[0].headers.at("X-Meshproof-Signature")));
  EXPECT_THAT(posted[0].body, HasSubstr("\"test\":\"t1\",\"before\":\"PASS\",\"now\":\"FAIL\""));
  EXPECT_EQ(QueryInt(db.get(), "SELECT state FROM webhook_outbox"), 1);
}

TEST_F(WebhookOutboxTest, FailuresAreRetriedWithBackoffUntilDelivered) {
  RunWith(rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_PASS);
  RunWith(rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_PASS);
  poster.Script({absl::UnavailableError("connection refused"), 503, 200});
  WebhookSenderOptions options;
  options.backoff_initial = absl::Seconds(10);
  options.backoff_max = absl::Seconds(100);
  std::unique_ptr<WebhookSender> sender = Sender(options);
  MP_ASSERT_OK_AND_ASSIGN(int sent, sender->SendOnce());
  EXPECT_EQ(sent, 0);
  // The first retry waits between 5 and 10 s (half of it is jitter).
  EXPECT_EQ(QueryInt(db.get(), "SELECT tries FROM webhook_outbox"), 1);
  const int64_t wait1 = QueryInt(db.get(), "SELECT next_attempt_us FROM webhook_outbox") -
                        absl::ToUnixMicros(h.clock.Now());
  EXPECT_GE(wait1, 5'000'000);
  EXPECT_LE(wait1, 10'000'000);
  MP_ASSERT_OK_AND_ASSIGN(sent, sender->SendOnce());  // not due yet: nothing posted
  EXPECT_EQ(poster.posted().size(), 1u);
  h.clock.Advance(absl::Seconds(10));
  MP_ASSERT_OK_AND_ASSIGN(sent, sender->SendOnce());
  EXPECT_EQ(sent, 0);
  const int64_t wait2 = QueryInt(db.get(), "SELECT next_attempt_us FROM webhook_outbox") -
                        absl::ToUnixMicros(h.clock.Now());
  EXPECT_GE(wait2, 10'000'000);
  EXPECT_LE(wait2, 20'000'000);
  h.clock.Advance(absl::Seconds(20));
  MP_ASSERT_OK_AND_ASSIGN(sent, sender->SendOnce());
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(poster.posted().size(), 3u);
  // The same bytes and the same signature on every try.
  EXPECT_EQ(poster.posted()[0].body, poster.posted()[2].body);
  EXPECT_EQ(poster.posted()[0].headers.at("X-Meshproof-Signature"),
            poster.posted()[2].headers.at("X-Meshproof-Signature"));
  h.clock.Advance(absl::Hours(1));
  MP_ASSERT_OK_AND_ASSIGN(sent, sender->SendOnce());
  EXPECT_EQ(poster.posted().size(), 3u);
}

TEST_F(WebhookOutboxTest, RefusalsAndOldEventsAreGivenUp) {
  RunWith(rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_PASS);
  RunWith(rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_FAIL);  // one regression event
  RunWith(rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_PASS);  // one fix event
  poster.Script({404, absl::UnavailableError("connection refused")});
  WebhookSenderOptions options;
  options.max_age = absl::Minutes(5);
  std::unique_ptr<WebhookSender> sender = Sender(options);
  MP_ASSERT_OK(sender->SendOnce().status());
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT COUNT(*) FROM webhook_outbox WHERE state = 2"
                     " AND last_error = 'refused: HTTP 404'"),
            1);
  EXPECT_EQ(QueryInt(db.get(), "SELECT COUNT(*) FROM webhook_outbox WHERE state = 0"), 1);
  h.clock.Advance(absl::Minutes(6));
  MP_ASSERT_OK(sender->SendOnce().status());
  EXPECT_EQ(QueryInt(db.get(), "SELECT COUNT(*) FROM webhook_outbox WHERE state = 2"), 2);
  EXPECT_EQ(poster.posted().size(), 2u);  // the old one was not posted again
}

TEST_F(WebhookOutboxTest, AHostOffTheAllowlistIsNeverContacted) {
  RunWith(rv1::TEST_VERDICT_PASS, rv1::TEST_VERDICT_PASS);
  RunWith(rv1::TEST_VERDICT_FAIL, rv1::TEST_VERDICT_PASS);
  WebhookSenderOptions options;
  options.allowed_hosts = {"hooks.example.com"};
  std::unique_ptr<WebhookSender> sender = Sender(options);
  MP_ASSERT_OK(sender->SendOnce().status());
  EXPECT_EQ(poster.posted().size(), 0u);
  EXPECT_EQ(QueryInt(db.get(),
                     "SELECT COUNT(*) FROM webhook_outbox WHERE state = 2 AND"
                     " last_error LIKE '%webhook_allowed_hosts%'"),
            1);
}

}  // namespace
}  // namespace meshproof::scheduler::testing
