// The full-text fetcher against a real HTTP server on loopback and a real SQLite file: one
// fetch per canonical URL, the per-host rate, the cache, cancellation; and which items want
// their page at all.
#include "service/full_text.hpp"

#include <gtest/gtest.h>

#include <asio.hpp>

#include "http/test_server.hpp"
#include "temp_dir.hpp"

namespace sanctwatch::service {
namespace {

using namespace std::chrono_literals;
using sanctwatch::test::http_reply;

const char* article_page =
    "<html><body><nav><a href=/>Home</a></nav><article><h1>Port fees</h1>"
    "<p>The harbour authority raised its fees for container ships on Friday, the first rise in "
    "six years, citing the cost of dredging the main channel.</p>"
    "<p>Shipping lines said they would pass the cost on to their customers.</p></article>"
    "<footer>Contact us</footer></body></html>";

ip_network loopback() {
  std::string why;
  return *parse_ip_network("127.0.0.0/8", why);
}

class full_text_test : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* p : {"/a", "/b", "/c"})
      server_.route(p, http_reply{.headers = {{"Content-Type", "text/html"}}, .body = article_page});
  }

  // Runs the loop until `n` answers are in (bounded).
  void run_until(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (answers_.size() < n && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(20ms);
    }
    ASSERT_GE(answers_.size(), n) << "answers did not come";
  }

  full_text_fetcher::done_fn collect() {
    return [this](const store::article_record& a) { answers_.push_back(a); };
  }

  sanctwatch::test::test_server server_;
  sanctwatch::testing::temp_dir dir_;
  asio::io_context io_;
  http::client client_{io_, {.allow_private = {loopback()}}};
  store::store db_{dir_.file("state.db")};
  timestamp now_ =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  full_text_fetcher fetcher_{client_, db_, [this] { return now_; }};
  std::vector<store::article_record> answers_;
};

}  // namespace

TEST_F(full_text_test, copies_of_one_link_share_one_fetch_and_later_ones_the_store) {
  fetcher_.get(server_.url("/a") + "?utm_source=x", "", collect());
  fetcher_.get(server_.url("/a") + "#top", "", collect());
  run_until(2);
  ASSERT_EQ(answers_.size(), 2u);
  for (const auto& a : answers_) {
    EXPECT_EQ(a.status, "ok");
    EXPECT_NE(a.text.find("harbour authority raised its fees"), std::string::npos) << a.text;
    EXPECT_EQ(a.text.find("Contact us"), std::string::npos) << a.text;
    EXPECT_EQ(a.title, "Port fees");
  }
  EXPECT_EQ(server_.count("/a"), 1u);
  fetcher_.get(server_.url("/a"), "", collect());
  run_until(3);
  EXPECT_EQ(answers_[2].status, "ok");
  EXPECT_EQ(answers_[2].text, answers_[0].text);
  EXPECT_EQ(server_.count("/a"), 1u);
  ASSERT_TRUE(db_.article(answers_[0].url));
  // Past full_text_max_age the text is dropped; the row stays, so there is no second fetch.
  db_.drop_article_text(now_ + 1s);
  EXPECT_TRUE(db_.article(answers_[0].url)->text.empty());
}

TEST_F(full_text_test, a_host_gets_at_most_rate_fetches_a_minute_and_the_rest_wait) {
  fetcher_.set_settings({.rate = 2});
  fetcher_.get(server_.url("/a"), "", collect());
  fetcher_.get(server_.url("/b"), "", collect());
  fetcher_.get(server_.url("/c"), "", collect());
  // Another host (a second name for the server) has its own budget.
  fetcher_.get(server_.url("/c", "localhost"), "", collect());
  run_until(3);
  io_.restart();
  io_.run_for(300ms);
  EXPECT_EQ(answers_.size(), 3u);
  EXPECT_EQ(fetcher_.queued(), 1u);
  EXPECT_EQ(server_.count("/a") + server_.count("/b") + server_.count("/c"), 3u);
  // Stopping: the waiting fetch answers "cancelled" and is not stored.
  fetcher_.cancel_all();
  run_until(4);
  EXPECT_EQ(answers_.back().status, "cancelled");
  EXPECT_EQ(fetcher_.queued(), 0u);
  EXPECT_FALSE(db_.article(answers_.back().url));
}

TEST_F(full_text_test, passing_failures_are_retried_after_an_hour_lasting_ones_never) {
  server_.route("/down", http_reply{.status = 503});
  server_.route("/gone", http_reply{.status = 404});
  fetcher_.get(server_.url("/down"), "", collect());
  fetcher_.get(server_.url("/gone"), "", collect());
  run_until(2);
  EXPECT_EQ(answers_[0].status, "HTTP 503");
  EXPECT_EQ(answers_[1].status, "HTTP 404");
  now_ += 2h;
  fetcher_.get(server_.url("/down"), "", collect());
  fetcher_.get(server_.url("/gone"), "", collect());
  run_until(4);
  EXPECT_EQ(server_.count("/down"), 2u);
  EXPECT_EQ(server_.count("/gone"), 1u);
}

TEST_F(full_text_test, a_long_queue_or_a_failing_host_lets_items_go_on_without_their_page) {
  // At most five minutes of the host's rate wait; the rest go on at once, unstored.
  fetcher_.set_settings({.rate = 1});
  for (int i = 0; i < 8; ++i) fetcher_.get(server_.url("/a") + "?p=" + std::to_string(i), "", collect());
  run_until(3);
  EXPECT_EQ(fetcher_.queued(), 5u);
  int skipped = 0;
  for (const auto& a : answers_)
    if (a.status.rfind("skipped: 5 pages already waiting for 127.0.0.1", 0) == 0) {
      ++skipped;
      EXPECT_FALSE(db_.article(a.url));
    }
  EXPECT_EQ(skipped, 2);
  fetcher_.cancel_all();
  run_until(8);
  answers_.clear();

  // A host that cannot be reached (nothing listens on port 1; another host name, with its own
  // rate): its queued pages and the next ones are skipped at once.
  const std::string dead = "http://localhost:1";
  fetcher_.get(dead + "/x", "", collect());
  fetcher_.get(dead + "/y", "", collect());
  run_until(2);
  ASSERT_EQ(answers_.size(), 2u);
  EXPECT_TRUE(answers_[0].status == "connect" || answers_[0].status.rfind("refused", 0) == 0)
      << answers_[0].status;
  EXPECT_EQ(answers_[1].status, "skipped: localhost failing (" + answers_[0].status + ")");
  fetcher_.get(dead + "/z", "", collect());
  run_until(3);
  ASSERT_EQ(answers_.size(), 3u);
  EXPECT_EQ(answers_[2].status, answers_[1].status);
}

TEST(full_text_wants, mode_length_age_and_link_decide) {
  const timestamp now{std::chrono::seconds{1'800'000'000}};
  full_text_settings s;
  item it;
  it.link = "https://news.example.org/a/1";
  it.title = "Short headline";
  it.summary = "One line.";
  EXPECT_TRUE(wants_full_text(config::full_text_mode::auto_, it, now, s));
  EXPECT_FALSE(wants_full_text(config::full_text_mode::never, it, now, s));
  std::string words;
  for (int i = 0; i < 150; ++i) words += "word ";
  it.content = words;
  EXPECT_EQ(own_words(it), 154u);
  EXPECT_FALSE(wants_full_text(config::full_text_mode::auto_, it, now, s));
  EXPECT_TRUE(wants_full_text(config::full_text_mode::always, it, now, s));
  it.content.clear();
  it.published = now - std::chrono::hours(24 * 8);
  EXPECT_FALSE(wants_full_text(config::full_text_mode::always, it, now, s));
  it.published = now - std::chrono::hours(24 * 6);
  EXPECT_TRUE(wants_full_text(config::full_text_mode::auto_, it, now, s));
  for (const char* link : {"", "urn:uuid:1", "/relative/path", "mailto:desk@example.org",
                           "ftp://example.org/x"}) {
    it.link = link;
    EXPECT_FALSE(wants_full_text(config::full_text_mode::always, it, now, s)) << link;
  }
}

TEST(full_text_wants, only_passing_failures_are_transient) {
  for (const char* s : {"timeout", "connect", "dns", "HTTP 503", "HTTP 500", "HTTP 429"})
    EXPECT_TRUE(transient_failure(s)) << s;
  for (const char* s : {"ok", "HTTP 404", "HTTP 410", "too large", "not HTML (application/pdf)",
                        "refused: a private address", "no article found"})
    EXPECT_FALSE(transient_failure(s)) << s;
}

}  // namespace sanctwatch::service
