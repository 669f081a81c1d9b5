#include "conformance/isolation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

namespace int8rt::conformance {
namespace {

TEST(Isolation, SerializeRoundTrip) {
  const Outcome in{Verdict::kSkip, "op \"Foo\": a: b\nc", "", {"Conv", "com.x:Gelu", ""}};
  Outcome out;
  ASSERT_TRUE(deserialize(serialize(in), out));
  EXPECT_EQ(out.verdict, Verdict::kSkip);
  EXPECT_EQ(out.reason, in.reason);
  EXPECT_EQ(out.detail, "");
  EXPECT_EQ(out.ops, in.ops);
}

TEST(Isolation, DeserializeRejectsTruncatedOrTrailingBytes) {
  const std::string bytes = serialize({Verdict::kFail, "reason", "detail", {"Relu"}});
  Outcome out;
  EXPECT_FALSE(deserialize(bytes.substr(0, bytes.size() - 1), out));
  EXPECT_FALSE(deserialize(bytes + "x", out));
  EXPECT_FALSE(deserialize("", out));
  EXPECT_FALSE(deserialize("1:7", out));
}

TEST(Isolation, ReturnsTheChildsOutcome) {
  const Outcome out = run_isolated(
      [] {
        return Outcome{Verdict::kSkip, "why", "full", {"A"}};
      },
      10);
  EXPECT_EQ(out.verdict, Verdict::kSkip);
  EXPECT_EQ(out.reason, "why");
  EXPECT_EQ(out.detail, "full");
  EXPECT_EQ(out.ops, std::vector<std::string>{"A"});
}

TEST(Isolation, ACrashFailsTheTestOnly) {
  const Outcome out = run_isolated(
      [] {
        std::raise(SIGSEGV);
        return Outcome::pass();
      },
      10);
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_NE(out.reason.find("crashed: signal 11"), std::string::npos) << out.reason;
}

TEST(Isolation, AHangTimesOut) {
  const Outcome out = run_isolated(
      [] {
        for (;;)
          ::pause();
        return Outcome::pass();
      },
      1);
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_EQ(out.reason, "timed out after 1 s");
}

TEST(Isolation, AnEarlyExitFails) {
  const Outcome out = run_isolated([]() -> Outcome { ::_exit(5); }, 10);
  EXPECT_EQ(out.verdict, Verdict::kFail);
  EXPECT_EQ(out.reason, "test process exited with status 5");
}

}  // namespace
}  // namespace int8rt::conformance
