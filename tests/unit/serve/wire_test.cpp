// The daemon's wire format: what one side writes the other reads back, and a short,
// overlong or lying message is refused rather than read past its end.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include "serve/wire.h"

using namespace hookwarden::serve;

namespace {

wire::Hello sample() {
    wire::Hello h;
    h.version = "1.2.3";
    h.process_start_ns = 123456789012345;
    h.umask = 027;
    h.cwd = "/work/dir with space";
    h.argv = {"hookwarden", "run", "--", "sh", "-c", std::string("x\0y", 3)};
    h.env = {"A=1", std::string("ODD=\001\377\t", 7), "EMPTY="};
    h.rlimits = {{7, 200, 300}, {4, 0, 0}, {0, ~0ULL, ~0ULL}};
    return h;
}

TEST(Wire, AHelloReadsBackByteForByte) {
    std::string error;
    auto back = wire::decode_hello(wire::encode(sample()), error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->version, "1.2.3");
    EXPECT_EQ(back->process_start_ns, 123456789012345);
    EXPECT_EQ(back->umask, 027u);
    EXPECT_EQ(back->cwd, "/work/dir with space");
    EXPECT_EQ(back->argv, sample().argv);
    EXPECT_EQ(back->env, sample().env);
    ASSERT_EQ(back->rlimits.size(), 3u);
    EXPECT_EQ(back->rlimits[0].resource, 7u);
    EXPECT_EQ(back->rlimits[0].soft, 200u);
    EXPECT_EQ(back->rlimits[0].hard, 300u);
    EXPECT_EQ(back->rlimits[2].soft, ~0ULL);
}

// A client of protocol 1 (no rlimits) is told it is another version, not malformed.
TEST(Wire, AnotherProtocolIsAVersionMismatch) {
    wire::Writer w(wire::Kind::hello);
    w.u32(1).str("0.0.9").i64(0).u32(022).str("/").list({"hookwarden"}).list({});
    std::string error;
    EXPECT_FALSE(wire::decode_hello(w.bytes(), error));
    EXPECT_NE(error.find("version mismatch: client hookwarden 0.0.9 (protocol 1)"), std::string::npos) << error;
}

TEST(Wire, MoreRlimitsThanAKernelHasAreRefused) {
    wire::Writer w(wire::Kind::hello);
    w.u32(wire::kProtocol).str("v").i64(0).u32(022).str("/").list({"hookwarden"}).list({}).u32(65);
    for (int i = 0; i < 65; ++i) w.u32(0).i64(1).i64(1);
    std::string error;
    EXPECT_FALSE(wire::decode_hello(w.bytes(), error));
    EXPECT_NE(error.find("malformed"), std::string::npos) << error;
}

TEST(Wire, EveryTruncationOfAHelloIsRefused) {
    const std::string bytes = wire::encode(sample());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        std::string error;
        EXPECT_FALSE(wire::decode_hello(bytes.substr(0, n), error)) << n;
    }
    std::string error;
    EXPECT_FALSE(wire::decode_hello(bytes + "x", error));
    EXPECT_NE(error.find("malformed"), std::string::npos);
}

TEST(Wire, ACountLargerThanTheMessageIsRefused) {
    wire::Writer w(wire::Kind::hello);
    w.u32(wire::kProtocol).str("v").i64(0).u32(022).str("/").u32(0x7fffffff);
    std::string error;
    EXPECT_FALSE(wire::decode_hello(w.bytes(), error));
    wire::Writer relative(wire::Kind::hello);
    relative.u32(wire::kProtocol).str("v").i64(0).u32(022).str("rel").list({"hookwarden"}).list({}).u32(0);
    EXPECT_FALSE(wire::decode_hello(relative.bytes(), error));
    EXPECT_NE(error.find("absolute"), std::string::npos);
}

TEST(Wire, OtherKindsAreNotHellos) {
    std::string error;
    EXPECT_FALSE(wire::decode_hello(wire::Writer(wire::Kind::go).bytes(), error));
    EXPECT_FALSE(wire::decode_hello("", error));
}

TEST(Wire, ArmedReadsBack) {
    hookwarden::RunRecord lost;
    lost.hook = "guard";
    lost.outcome = hookwarden::Outcome::internal_error;
    lost.errors = {"the worker ended"};
    wire::Armed a{2, "{\"decision\":\"block\"}", "blocked\n", 12000, lost};
    auto back = wire::decode_armed(wire::encode(a));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->exit_code, 2);
    EXPECT_EQ(back->stdout_data, a.stdout_data);
    EXPECT_EQ(back->stderr_data, a.stderr_data);
    EXPECT_EQ(back->wait_ms, 12000);
    ASSERT_TRUE(back->record);
    EXPECT_EQ(back->record->hook, "guard");
    EXPECT_EQ(back->record->outcome, hookwarden::Outcome::internal_error);
    EXPECT_EQ(back->record->errors, lost.errors);
    a.record.reset();  // a dispatch's: none
    EXPECT_FALSE(wire::decode_armed(wire::encode(a))->record);
    EXPECT_FALSE(wire::decode_armed(wire::encode(a).substr(0, 5)));
}

// Through a real socket pair: the fds arrive, an oversized message is flagged truncated.
TEST(Wire, MessagesCarryFdsAndOversizeIsFlagged) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
    int sndbuf = 1 << 20;
    ::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    ASSERT_EQ(wire::send(pair[0], wire::encode(sample()), {0, 1, 2}), 0);
    wire::Received got = wire::receive(pair[1]);
    EXPECT_FALSE(got.truncated);
    EXPECT_EQ(got.fds.size(), 3u);
    EXPECT_EQ(got.bytes, wire::encode(sample()));
    const std::string big(wire::kMaxMessage + 10, 'H');
    if (wire::send(pair[0], big) == 0) {
        wire::Received over = wire::receive(pair[1]);
        EXPECT_TRUE(over.truncated);
    }
    ::close(pair[0]);
    EXPECT_TRUE(wire::receive(pair[1]).eof);
    ::close(pair[1]);
}

// The daemon hands a job to a ready worker whose "waiting" it has not read yet, then
// closes its end: the kernel reports that close as ECONNRESET ahead of the queued job.
// The worker must still get the job, with its fds, and then the end of file. (It used
// to take the reset for the daemon letting it go, and the client's run was lost.)
TEST(Wire, AMessageQueuedBeforeThePeerClosedWithOursUnreadIsStillRead) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair), 0);
    const int daemon = pair[0], worker = pair[1];
    ASSERT_EQ(wire::send(worker, wire::Writer(wire::Kind::waiting).bytes()), 0);
    ASSERT_EQ(wire::send(daemon, wire::encode(sample()), {0, 1, 2}), 0);
    ::close(daemon);  // "waiting" unread
    wire::Received job = wire::receive(worker);
    EXPECT_EQ(job.error, 0);
    EXPECT_FALSE(job.eof);
    EXPECT_EQ(job.bytes, wire::encode(sample()));
    EXPECT_EQ(job.fds.size(), 3u);
    wire::Received after = wire::receive(worker);
    EXPECT_TRUE(after.eof);
    EXPECT_TRUE(after.bytes.empty());
    ::close(worker);
}

}  // namespace
