#include "service/metrics.hpp"

#include <gtest/gtest.h>

#include <asio.hpp>
#include <thread>

#include "http/fetch.hpp"

namespace sanctwatch::service {

TEST(metrics, renders_prometheus_text) {
  metrics m;
  m.set_feeds(2);
  m.poll("ofac", "ok", 0.2, 3, 1700000000);
  m.poll("ofac", "not_modified", 0.04, 0, 1700000900);
  m.poll("bad\"feed", "error", 31, 0, 1700000900);
  m.alert("sanctions.threat");
  m.alert("sanctions.threat");
  m.delivery("hook", "retry");
  m.set_outbox_pending(5);
  m.reloaded(true);
  const std::string out = m.render();
  for (const char* line :
       {"sanctwatch_feeds 2\n", "sanctwatch_polls_total{feed=\"ofac\",result=\"ok\"} 1\n",
        "sanctwatch_polls_total{feed=\"bad\\\"feed\",result=\"error\"} 1\n",
        "sanctwatch_items_total{feed=\"ofac\"} 3\n",
        "sanctwatch_last_success_timestamp_seconds{feed=\"ofac\"} 1700000900\n",
        "sanctwatch_alerts_total{rule=\"sanctions.threat\"} 2\n",
        "sanctwatch_deliveries_total{sink=\"hook\",result=\"retry\"} 1\n",
        "sanctwatch_outbox_pending 5\n", "sanctwatch_reloads_total{result=\"ok\"} 1\n",
        "sanctwatch_fetch_duration_seconds_bucket{le=\"0.05\"} 1\n",
        "sanctwatch_fetch_duration_seconds_bucket{le=\"0.25\"} 2\n",
        "sanctwatch_fetch_duration_seconds_bucket{le=\"30\"} 2\n",
        "sanctwatch_fetch_duration_seconds_bucket{le=\"+Inf\"} 3\n",
        "sanctwatch_fetch_duration_seconds_count 3\n", "# TYPE sanctwatch_polls_total counter\n"})
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n--- in ---\n" << out;
  EXPECT_EQ(out.find("last_success_timestamp_seconds{feed=\"bad"), std::string::npos);
}

TEST(metrics_server, serves_metrics_and_healthz_on_loopback) {
  asio::io_context io;
  metrics m;
  m.alert("r1");
  metrics_server server(io, "127.0.0.1:0", m);
  const std::string base = "http://" + server.address();
  auto guard = asio::make_work_guard(io);
  std::thread t([&] { io.run(); });
  auto r = http::fetch(base + "/metrics");
  auto h = http::fetch(base + "/healthz");
  auto missing = http::fetch(base + "/nope");
  guard.reset();
  io.stop();
  t.join();
  ASSERT_TRUE(r) << r.err().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r->body.find("sanctwatch_alerts_total{rule=\"r1\"} 1"), std::string::npos);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->body, "ok\n");
  EXPECT_FALSE(missing);  // 404 is an error for fetch
}

TEST(metrics_server, bad_addresses_are_clear_errors) {
  asio::io_context io;
  metrics m;
  EXPECT_THROW(metrics_server(io, "localhost:9464", m), std::runtime_error);
  EXPECT_THROW(metrics_server(io, "127.0.0.1:99999", m), std::runtime_error);
  metrics_server first(io, "127.0.0.1:0", m);
  try {
    metrics_server second(io, first.address(), m);
    FAIL() << "bound twice";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(first.address()), std::string::npos) << e.what();
  }
}

}  // namespace sanctwatch::service
