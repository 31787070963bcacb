// util/fd: the owner closes its descriptor exactly once.
#include <gtest/gtest.h>

#include <fcntl.h>

#include "util/fd.h"

using Fd = hookwarden::UniqueFd;

namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

int open_null() { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

TEST(Fd, ClosesWhenItGoesOutOfScope) {
    int raw = -1;
    {
        Fd fd(open_null());
        raw = fd.get();
        ASSERT_TRUE(fd);
        EXPECT_TRUE(is_open(raw));
    }
    EXPECT_FALSE(is_open(raw));
}

TEST(Fd, MovingTransfersOwnership) {
    Fd first(open_null());
    int raw = first.get();
    Fd second(std::move(first));
    EXPECT_FALSE(first);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
    EXPECT_EQ(second.get(), raw);
    Fd third;
    third = std::move(second);
    EXPECT_EQ(third.get(), raw);
    EXPECT_TRUE(is_open(raw));
    third = Fd(open_null());
    EXPECT_FALSE(is_open(raw)) << "assigning over an owner closes what it held";
}

TEST(Fd, ReleaseGivesUpWithoutClosing) {
    Fd fd(open_null());
    int raw = fd.release();
    EXPECT_FALSE(fd);
    EXPECT_TRUE(is_open(raw));
    ::close(raw);
}

TEST(Fd, CloseReportsAndForgets) {
    Fd fd(open_null());
    int raw = fd.get();
    EXPECT_EQ(fd.close(), 0);
    EXPECT_FALSE(fd);
    EXPECT_FALSE(is_open(raw));
    EXPECT_EQ(fd.close(), 0) << "closing nothing is no error";
}
