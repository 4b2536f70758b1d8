// The metrics registry and the text exposition format 0.0.4: what Prometheus parses.
#include "services/common/metrics/registry.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/metrics/text_format.h"

namespace meshproof::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TextFormatTest, FormatsSpecialAndShortestValues) {
  EXPECT_EQ(FormatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(FormatValue(0.005), "0.005");
  EXPECT_EQ(FormatValue(3), "3");
  EXPECT_EQ(FormatValue(-2.5), "-2.5");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
}

TEST(TextFormatTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  // HELP text keeps its double quotes.
  EXPECT_EQ(EscapeHelp("say \"hi\"\\\nbye"), "say \"hi\"\\\\\\nbye");
}

TEST(RegistryTest, RendersCounterWithHelpTypeAndEscapedLabels) {
  Registry registry;
  registry.AddCounter("x_total", "things\ndone \\ here", {"kind", "path"})
      .WithLabels({"a\"b", "c:\\d\n"})
      .Increment(2);
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("# HELP x_total things\\ndone \\\\ here\n"
                              "# TYPE x_total counter\n"
                              "x_total{kind=\"a\\\"b\",path=\"c:\\\\d\\n\"} 2\n"));
}

TEST(RegistryTest, RendersSeriesWithoutLabelsWithoutBraces) {
  Registry registry;
  registry.AddGauge("depth", "queue depth").Get().Set(7);
  EXPECT_THAT(registry.Render(), HasSubstr("\ndepth 7\n"));
  EXPECT_THAT(registry.Render(), Not(HasSubstr("depth{")));
}

TEST(RegistryTest, GaugeGoesDownCounterDoesNot) {
  Registry registry;
  Gauge& gauge = registry.AddGauge("g", "g").Get();
  gauge.Set(5);
  gauge.Add(-2);
  EXPECT_EQ(gauge.Value(), 3);
  Counter& counter = registry.AddCounter("c_total", "c").Get();
  counter.Increment(4);
  counter.Increment(-1);
  EXPECT_EQ(counter.Value(), 4);
}

TEST(RegistryTest, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  Histogram& h =
      registry.AddHistogram("lat_seconds", "latency", {"kind"}, {0.1, 1}).WithLabels({"read"});
  h.Observe(0.05);
  h.Observe(0.1);  // on a bound: counted in that bucket (le means <=)
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_THAT(registry.Render(), HasSubstr("# TYPE lat_seconds histogram\n"
                                           "lat_seconds_bucket{kind=\"read\",le=\"0.1\"} 2\n"
                                           "lat_seconds_bucket{kind=\"read\",le=\"1\"} 3\n"
                                           "lat_seconds_bucket{kind=\"read\",le=\"+Inf\"} 4\n"
                                           "lat_seconds_sum{kind=\"read\"} 7.65\n"
                                           "lat_seconds_count{kind=\"read\"} 4\n"));
}

TEST(RegistryTest, HistogramWithoutLabelsPutsLeAlone) {
  Registry registry;
  registry.AddHistogram("h", "h", {}, {1}).Get().Observe(2);
  EXPECT_THAT(registry.Render(), HasSubstr("h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
                                           "h_sum 2\nh_count 1\n"));
}

TEST(RegistryTest, FamiliesAreContiguousAndInNameOrder) {
  Registry registry;
  auto& b = registry.AddCounter("b_total", "b", {"x"});
  registry.AddGauge("a", "a").Get().Set(1);
  b.WithLabels({"2"}).Increment();
  b.WithLabels({"1"}).Increment();
  const std::string text = registry.Render();
  const size_t a = text.find("# HELP a ");
  const size_t b_help = text.find("# HELP b_total ");
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b_help, std::string::npos);
  EXPECT_LT(a, b_help);
  EXPECT_THAT(text, HasSubstr("b_total{x=\"1\"} 1\nb_total{x=\"2\"} 1\n"));
}

TEST(RegistryTest, LabelSetsPastTheBoundFoldIntoOverflowSeriesAndAreCounted) {
  Registry registry;
  auto& family = registry.AddCounter("req_total", "r", {"path"}, 2);
  family.WithLabels({"/a"}).Increment();
  family.WithLabels({"/b"}).Increment();
  family.WithLabels({"/c"}).Increment();
  family.WithLabels({"/d"}).Increment();
  family.WithLabels({"/a"}).Increment();  // an existing set still has its own series
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("req_total{path=\"/a\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("req_total{path=\"_overflow\"} 2\n"));
  EXPECT_THAT(text, Not(HasSubstr("/c")));
  EXPECT_THAT(text, HasSubstr("meshproof_metrics_series_overflow_total{metric=\"req_total\"} 2\n"));
}

TEST(RegistryTest, CollectorsRunAtEveryScrapeAndAreBounded) {
  Registry registry;
  int depth = 1;
  registry.AddCollector([&](CollectorSink& sink) {
    const FamilyInfo info{"queue_depth", "runs queued", MetricType::kGauge, {"team"}, 2};
    sink.Gauge(info, {"a"}, depth);
    sink.Gauge(info, {"b"}, depth * 10);
    sink.Gauge(info, {"c"}, 99);  // past the bound of 2: dropped and counted
  });
  EXPECT_THAT(registry.Render(), HasSubstr("# TYPE queue_depth gauge\nqueue_depth{team=\"a\"} 1\n"
                                           "queue_depth{team=\"b\"} 10\n"));
  depth = 3;
  const std::string text = registry.Render();
  EXPECT_THAT(text, HasSubstr("queue_depth{team=\"a\"} 3\n"));
  EXPECT_THAT(text, Not(HasSubstr("team=\"c\"")));
  EXPECT_THAT(text,
              HasSubstr("meshproof_metrics_series_overflow_total{metric=\"queue_depth\"} 2\n"));
}

TEST(RegistryTest, CollectorHistogramRendersLikeAnInstrument) {
  Registry registry;
  registry.AddCollector([](CollectorSink& sink) {
    HistogramData data{{1, 2}, {1, 1}, 0.5, 2};
    sink.Histogram({"age_seconds", "age", MetricType::kHistogram, {}}, {}, data);
  });
  EXPECT_THAT(registry.Render(), HasSubstr("age_seconds_bucket{le=\"1\"} 1\n"
                                           "age_seconds_bucket{le=\"2\"} 1\n"
                                           "age_seconds_bucket{le=\"+Inf\"} 2\n"));
}

TEST(RegistryTest, ConcurrentIncrementsAreAllCounted) {
  Registry registry;
  auto& family = registry.AddCounter("n_total", "n", {"t"});
  auto& h = registry.AddHistogram("d", "d", {}, {1}).Get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        family.WithLabels({"x"}).Increment();
        h.Observe(0.5);
        if (i % 1000 == 0) registry.Render();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(family.WithLabels({"x"}).Value(), 40000);
  EXPECT_EQ(h.Snapshot().count, 40000u);
}

TEST(RegistryDeathTest, BadDeclarationsAreBugs) {
  EXPECT_DEATH(Registry().AddGauge("1bad", "x"), "bad metric name");
  EXPECT_DEATH(Registry().AddGauge("ok", "x", {"__reserved"}), "bad label name");
  EXPECT_DEATH(Registry().AddHistogram("h", "x", {"le"}, {1}), "bad label name");
  EXPECT_DEATH(Registry().AddHistogram("h", "x", {}, {2, 1}), "bounds must increase");
  EXPECT_DEATH(
      {
        Registry r;
        r.AddGauge("g", "x");
        r.AddCounter("g", "x");
      },
      "declared twice");
  EXPECT_DEATH(Registry().AddGauge("g", "x", {"a"}).WithLabels({}), "wrong number");
}

}  // namespace
}  // namespace meshproof::metrics
