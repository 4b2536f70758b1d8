// The flow-control decisions of an agent session's read-ahead queue: reading pauses at
// the bound, batches keep order and size, and reading resumes exactly once per pause,
// when a batch made room.
#include "services/scheduler/inbound_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace meshproof::scheduler::testing {
namespace {

v1::AgentMessage Heartbeat(int n) {
  v1::AgentMessage m;
  m.mutable_heartbeat()->add_active_assignments("a" + std::to_string(n));
  return m;
}

TEST(InboundQueueTest, ReadingPausesAtTheBoundAndResumesOnceABatchMadeRoom) {
  InboundQueue queue(/*max_queued=*/8, /*max_batch=*/3);
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(queue.Push(Heartbeat(i))) << i;
  EXPECT_FALSE(queue.paused());
  EXPECT_FALSE(queue.Push(Heartbeat(7)));  // the eighth fills it: no read in flight now
  EXPECT_TRUE(queue.paused());
  EXPECT_FALSE(queue.ResumeAfterBatch());  // still full: stay paused

  EXPECT_EQ(queue.TakeBatch().size(), 3u);
  EXPECT_TRUE(queue.ResumeAfterBatch());
  EXPECT_FALSE(queue.paused());
  EXPECT_FALSE(queue.ResumeAfterBatch());  // once per pause: a second read would overlap
}

TEST(InboundQueueTest, ANotPausedQueueNeverAsksForASecondRead) {
  InboundQueue queue(8, 3);
  ASSERT_TRUE(queue.Push(Heartbeat(0)));
  EXPECT_EQ(queue.TakeBatch().size(), 1u);
  // The read started after Push is still in flight: no resume.
  EXPECT_FALSE(queue.ResumeAfterBatch());
}

TEST(InboundQueueTest, BatchesKeepArrivalOrderAndTheirBound) {
  InboundQueue queue(100, 4);
  for (int i = 0; i < 10; ++i) queue.Push(Heartbeat(i));
  std::vector<std::string> seen;
  for (std::vector<v1::AgentMessage> batch = queue.TakeBatch(); !batch.empty();
       batch = queue.TakeBatch()) {
    EXPECT_LE(batch.size(), 4u);
    for (const v1::AgentMessage& m : batch) seen.push_back(m.heartbeat().active_assignments(0));
  }
  ASSERT_EQ(seen.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(seen[i], "a" + std::to_string(i));
  EXPECT_EQ(queue.size(), 0u);
}

TEST(InboundQueueTest, AFloodNeverQueuesMoreThanTheBound) {
  // An agent that sends faster than the Scheduler commits: reads happen only while the
  // queue says so, so what waits never exceeds the bound.
  InboundQueue queue(4096, 512);
  bool reading = true;
  size_t most = 0;
  int sent = 0;
  for (int round = 0; round < 50; ++round) {
    while (reading && sent < 100000) reading = queue.Push(Heartbeat(sent++));
    most = std::max(most, queue.size());
    queue.TakeBatch();
    if (queue.ResumeAfterBatch()) reading = true;
  }
  EXPECT_EQ(most, 4096u);
  EXPECT_GT(sent, 4096 + 49 * 512 - 1);  // every batch's room was refilled
}

}  // namespace
}  // namespace meshproof::scheduler::testing
