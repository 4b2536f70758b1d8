// RunEventHub's subscriptions, which drive the WatchRun reactors: a subscriber is told of
// each event published for its run (not other runs'), takes exactly the events past its
// cursor, is told of shutdown, and hears nothing after it unsubscribes.
#include "services/scheduler/run_events.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace meshproof::scheduler {
namespace {

class CountingListener final : public RunEventListener {
 public:
  void OnRunEvents() override { ++told; }
  int told = 0;
};

v1::RunEvent StateEvent(v1::RunState state) {
  v1::RunEvent event;
  event.mutable_run()->set_state(state);
  return event;
}

TEST(RunEventHubTest, ASubscriberIsToldOfItsRunsEventsAndTakesThosePastItsCursor) {
  RunEventHub hub;
  hub.Publish("r1", StateEvent(v1::RUN_STATE_QUEUED));
  auto listener = std::make_shared<CountingListener>();
  uint64_t cursor = hub.Subscribe("r1", listener);
  EXPECT_EQ(cursor, 1u);

  hub.Publish("r2", StateEvent(v1::RUN_STATE_RUNNING));
  EXPECT_EQ(listener->told, 0);
  hub.Publish("r1", StateEvent(v1::RUN_STATE_RUNNING));
  hub.Publish("r1", StateEvent(v1::RUN_STATE_PASSED));
  EXPECT_EQ(listener->told, 2);

  std::vector<v1::RunEvent> events = hub.Take("r1", &cursor);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].run().state(), v1::RUN_STATE_RUNNING);
  EXPECT_EQ(events[1].run().state(), v1::RUN_STATE_PASSED);
  EXPECT_TRUE(hub.Take("r1", &cursor).empty());
}

TEST(RunEventHubTest, ShutdownTellsEverySubscriberAndUnsubscribedOnesHearNothing) {
  RunEventHub hub;
  auto stays = std::make_shared<CountingListener>();
  auto leaves = std::make_shared<CountingListener>();
  hub.Subscribe("r1", stays);
  hub.Subscribe("r1", leaves);
  hub.Unsubscribe("r1", leaves.get());

  hub.Publish("r1", StateEvent(v1::RUN_STATE_RUNNING));
  EXPECT_EQ(stays->told, 1);
  EXPECT_EQ(leaves->told, 0);

  EXPECT_FALSE(hub.shut_down());
  hub.Shutdown();
  EXPECT_TRUE(hub.shut_down());
  EXPECT_EQ(stays->told, 2);
  EXPECT_EQ(leaves->told, 0);
}

// Events are held only for a run's subscribers: nothing without one, everything past the
// first subscription while one stays, nothing once the last leaves. Cursors keep counting
// across, so a later subscriber starts after every event ever published.
TEST(RunEventHubTest, EventsAreHeldOnlyWhileTheRunHasASubscriber) {
  RunEventHub hub;
  for (int i = 0; i < 3; ++i) hub.Publish("r1", StateEvent(v1::RUN_STATE_RUNNING));
  EXPECT_EQ(hub.HeldEvents("r1"), 0u);
  EXPECT_EQ(hub.Cursor("r1"), 3u);

  auto first = std::make_shared<CountingListener>();
  auto second = std::make_shared<CountingListener>();
  uint64_t first_cursor = hub.Subscribe("r1", first);
  EXPECT_EQ(first_cursor, 3u);
  hub.Publish("r1", StateEvent(v1::RUN_STATE_RUNNING));
  uint64_t second_cursor = hub.Subscribe("r1", second);
  EXPECT_EQ(second_cursor, 4u);
  hub.Publish("r1", StateEvent(v1::RUN_STATE_PASSED));
  EXPECT_EQ(hub.HeldEvents("r1"), 2u);
  EXPECT_EQ(hub.Take("r1", &first_cursor).size(), 2u);
  std::vector<v1::RunEvent> late = hub.Take("r1", &second_cursor);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].run().state(), v1::RUN_STATE_PASSED);

  hub.Unsubscribe("r1", first.get());
  EXPECT_EQ(hub.HeldEvents("r1"), 2u);  // the second still watches
  hub.Unsubscribe("r1", second.get());
  EXPECT_EQ(hub.HeldEvents("r1"), 0u);
  hub.Publish("r1", StateEvent(v1::RUN_STATE_PASSED));
  EXPECT_EQ(hub.HeldEvents("r1"), 0u);
  EXPECT_EQ(hub.Cursor("r1"), 6u);
}

}  // namespace
}  // namespace meshproof::scheduler
