// Standard Webhooks signing against vectors computed outside this code (python3 hmac and
// base64, and the spec's own published example).
#include "sinks/signing.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sanctwatch::sinks::signing {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;

system_clock::time_point at(std::int64_t unix_seconds) {
  return system_clock::time_point{std::chrono::seconds{unix_seconds}};
}

// The example of the Standard Webhooks specification (and its reference libraries):
//   python3 -c 'import hmac,hashlib,base64; k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
//   print(base64.b64encode(hmac.new(k, b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\":
//   2432232314}", hashlib.sha256).digest()))'
constexpr std::string_view spec_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view spec_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t spec_ts = 1614265330;
constexpr std::string_view spec_body = R"({"test": 2432232314})";
constexpr std::string_view spec_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(signing, spec_example_signs_to_the_published_signature) {
  auto key = decode_secret(spec_secret);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 24u);
  EXPECT_EQ(sign(*key, spec_id, spec_ts, spec_body), spec_sig);
}

TEST(signing, raw_secret_is_used_as_bytes) {
  // python3: base64.b64encode(hmac.new(b"not-base64 secret!", b"a1f3.1700000000.{}",
  //          hashlib.sha256).digest())
  auto key = decode_secret("not-base64 secret!");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "not-base64 secret!");
  EXPECT_EQ(sign(*key, "a1f3", 1700000000, "{}"),
            "v1,4OC21+QebfCyOJSeLtrRALZTWPtc3FIgwE38fjDstJ8=");
}

TEST(signing, malformed_whsec_secret_fails_without_quoting_it) {
  for (std::string_view bad : {"whsec_", "whsec_***", "whsec_abcde", ""}) {
    auto key = decode_secret(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.err().code, "bad_secret");
    if (bad.size() > 6) {
      EXPECT_EQ(key.err().message.find(bad.substr(6)), std::string::npos);
    }
  }
}

TEST(signing, base64_round_trips_every_length) {
  std::string bytes;
  for (int n = 0; n < 40; ++n) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << n;
    bytes += static_cast<char>(n * 37 + 200);
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_FALSE(base64_decode("Zm9=").has_value());  // non-zero leftover bits
  EXPECT_FALSE(base64_decode("Zm 8=").has_value());
}

TEST(signing, rotation_sends_one_signature_per_key_and_either_key_verifies) {
  const std::string old_secret = std::string(spec_secret);
  const std::string new_secret = "whsec_" + base64_encode("a brand new key, 32 bytes long!!");
  const std::vector<std::string> keys = {*decode_secret(old_secret), *decode_secret(new_secret)};
  const auto h = headers(keys, spec_id, spec_ts, spec_body);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0], (std::pair<std::string, std::string>{"webhook-id", std::string(spec_id)}));
  EXPECT_EQ(h[1].second, "1614265330");
  EXPECT_EQ(h[2].second.substr(0, h[2].second.find(' ')), spec_sig);
  EXPECT_EQ(std::count(h[2].second.begin(), h[2].second.end(), ' '), 1);
  for (const auto& secret : {old_secret, new_secret})
    EXPECT_EQ(verify(secret, spec_id, "1614265330", h[2].second, spec_body, at(spec_ts)),
              verify_status::ok);
  EXPECT_EQ(verify("whsec_" + base64_encode("some other key"), spec_id, "1614265330", h[2].second,
                   spec_body, at(spec_ts)),
            verify_status::mismatch);
}

TEST(signing, verify_rejects_tampering_replays_and_garbage) {
  const std::string s(spec_secret), sig(spec_sig);
  EXPECT_EQ(verify(s, spec_id, "1614265330", sig, spec_body, at(spec_ts + 299)), verify_status::ok);
  EXPECT_EQ(verify(s, spec_id, "1614265330", sig, R"({"test": 2432232315})", at(spec_ts)),
            verify_status::mismatch);
  EXPECT_EQ(verify(s, "msg_other", "1614265330", sig, spec_body, at(spec_ts)),
            verify_status::mismatch);
  EXPECT_EQ(verify(s, spec_id, "1614265331", sig, spec_body, at(spec_ts)), verify_status::mismatch);
  EXPECT_EQ(verify(s, spec_id, "1614265330", sig, spec_body, at(spec_ts + 301)),
            verify_status::too_old);
  EXPECT_EQ(verify(s, spec_id, "1614265330", sig, spec_body, at(spec_ts - 301)),
            verify_status::too_new);
  EXPECT_EQ(verify(s, spec_id, "16142x", sig, spec_body, at(spec_ts)),
            verify_status::bad_timestamp);
  EXPECT_EQ(verify(s, spec_id, "1614265330", "v2,abc", spec_body, at(spec_ts)),
            verify_status::no_signature);
  EXPECT_EQ(verify(s, spec_id, "1614265330", "v1a,x " + sig, spec_body, at(spec_ts)),
            verify_status::ok);
  EXPECT_EQ(verify("whsec_!!", spec_id, "1614265330", sig, spec_body, at(spec_ts)),
            verify_status::bad_secret);
}

}  // namespace
}  // namespace sanctwatch::sinks::signing
