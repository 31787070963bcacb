// The state directory's files against links and owners: another local user (or a hook,
// in the directory it inherits) must not make hookwarden write elsewhere.
#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "store/handed_over.h"
#include "store/handoff.h"
#include "store/store.h"
#include "support.h"
#include "util/fs.h"

using namespace hookwarden;
using hwtest::TempDir;

namespace {

mode_t mode_of(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST(StateDirFiles, ASymlinkedDatabaseIsRefusedNotWrittenThrough) {
    TempDir tmp;
    const std::string target = tmp / "elsewhere";
    std::ofstream(target) << "precious\n";
    ASSERT_EQ(::symlink(target.c_str(), (tmp / store::kDatabaseName).c_str()), 0);
    std::string error;
    auto s = store::Store::open(tmp.path(), error);
    EXPECT_EQ(s, nullptr);
    EXPECT_NE(error.find("symbolic link"), std::string::npos) << error;
    EXPECT_EQ(fs::read_file(target).value_or(""), "precious\n");
    // A link at the WAL's name is refused the same way.
    TempDir other;
    ASSERT_EQ(::symlink(target.c_str(), (other / (std::string(store::kDatabaseName) + "-wal")).c_str()), 0);
    EXPECT_EQ(store::Store::open(other.path(), error), nullptr);
    EXPECT_EQ(fs::read_file(target).value_or(""), "precious\n");
}

TEST(StateDirFiles, TheDatabaseIsCreatedPrivate) {
    TempDir tmp;
    const mode_t old = ::umask(022);
    auto s = hwtest::open_ok(tmp.path());
    ::umask(old);
    EXPECT_EQ(mode_of(tmp / store::kDatabaseName), 0600u);
}

TEST(StateDirFiles, TheGuardianLogIsNotWrittenThroughALink) {
    TempDir tmp;
    const std::string target = tmp / "elsewhere";
    std::ofstream(target) << "precious\n";
    ASSERT_EQ(::symlink(target.c_str(), (tmp / store::kGuardianLog).c_str()), 0);
    store::commit_handed_over(store::HandedOverCommit{tmp.path(), "h", {}, {}, {}, std::nullopt}, "not a record");
    EXPECT_EQ(fs::read_file(target).value_or(""), "precious\n");
}

TEST(StateDirFiles, ADirectoryOthersCanWriteOrOwnIsRefused) {
    TempDir tmp;
    const std::string dir = tmp / "state";
    EXPECT_EQ(store::refuse_state_dir(dir), "") << "a missing one is made, 0700";
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    EXPECT_EQ(store::refuse_state_dir(dir), "");
    ASSERT_EQ(::chmod(dir.c_str(), 0777), 0);
    std::string error;
    EXPECT_EQ(store::Store::open(dir, error), nullptr);
    EXPECT_NE(error.find("writable by group or others"), std::string::npos) << error;
    ASSERT_EQ(::chmod(dir.c_str(), 01777), 0);
    EXPECT_EQ(store::refuse_state_dir(dir), "") << "sticky: others cannot replace our files";
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the directory to another user";
    ASSERT_EQ(::chmod(dir.c_str(), 0700), 0);
    ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
    EXPECT_EQ(store::Store::open(dir, error), nullptr);
    EXPECT_NE(error.find("belongs to uid 65534"), std::string::npos) << error;
    EXPECT_FALSE(fs::read_file(dir + "/" + store::kDatabaseName)) << "nothing was written there";
}

}  // namespace
