// The state directory's files against links and owners: another local user (or a hook,
// in the directory it inherits) must not make hookwarden write elsewhere.
#include <gtest/gtest.h>

#include <dirent.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "store/alert_notice.h"
#include "store/handed_over.h"
#include "store/handoff.h"
#include "store/state_dir.h"
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

int entries_in(const std::string& dir) {
    int n = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.' || e->d_name[1] == 't') ++n;  // ".tmp"-style names count too
        ::closedir(d);
    }
    return n;
}

// A directory above the state directory that someone else can write (or owns) lets them
// swap the whole state directory: refused, naming that directory.
TEST(StateDirParents, AParentOthersCanWriteIsRefusedAndNamed) {
    TempDir tmp;
    const std::string shared = tmp / "shared";
    const std::string dir = shared + "/state";
    ASSERT_EQ(::mkdir(shared.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    EXPECT_EQ(store::refuse_state_dir(dir), "");
    ASSERT_EQ(::chmod(shared.c_str(), 0777), 0);
    const std::string refused = store::refuse_state_dir(dir);
    EXPECT_NE(refused.find("directory '" + shared + "' above the state directory"), std::string::npos) << refused;
    EXPECT_NE(refused.find("writable by group or others"), std::string::npos) << refused;
    std::string error;
    EXPECT_EQ(store::Store::open(dir, error), nullptr);
    EXPECT_NE(error.find(shared), std::string::npos) << error;
    ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
    EXPECT_EQ(store::refuse_state_dir(dir), "") << "sticky (like /tmp): others cannot rename what is not theirs";
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the parent to another user";
    ASSERT_EQ(::chmod(shared.c_str(), 0755), 0);
    ASSERT_EQ(::chown(shared.c_str(), 65534, 65534), 0);
    EXPECT_NE(store::refuse_state_dir(dir).find("'" + shared + "' above the state directory '" + dir + "' belongs to uid 65534"),
              std::string::npos)
        << store::refuse_state_dir(dir);
}

TEST(StateDirParents, AStateDirectoryThatIsALinkIsRefused) {
    TempDir tmp;
    const std::string real = tmp / "real";
    ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
    ASSERT_EQ(::symlink(real.c_str(), (tmp / "state").c_str()), 0);
    EXPECT_NE(store::refuse_state_dir(tmp / "state").find("is a symbolic link"), std::string::npos);
}

// After the check, a link swapped in for pending/ (or alerts/) pointing elsewhere: the
// marker and the notice are opened relative to the verified directory, never through it.
TEST(StateDirFiles, ALinkSwappedInForASubdirectoryAfterTheCheckIsNotFollowed) {
    TempDir tmp;
    const std::string dir = tmp / "state";
    const std::string elsewhere = tmp / "elsewhere";
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(elsewhere.c_str(), 0700), 0);
    ASSERT_EQ(store::refuse_state_dir(dir), "");
    ASSERT_EQ(::symlink(elsewhere.c_str(), (dir + "/" + store::kPendingDir).c_str()), 0);
    ASSERT_EQ(::symlink(elsewhere.c_str(), (dir + "/" + store::kAlertsDir).c_str()), 0);
    EXPECT_NE(store::mark_pending(store::pending_marker(dir, "guard", ::getpid())), "") << "written through the link";
    EXPECT_NE(store::post_notice(dir, "guard", "alert"), "");
    EXPECT_EQ(entries_in(elsewhere), 0) << "a file landed in the link's target";
}

// After the check, the state directory's parent is renamed and a fresh directory put at
// the old name: what the run writes goes on into the directory that was checked.
TEST(StateDirFiles, ARenamedParentCannotRedirectWritesAfterTheCheck) {
    TempDir tmp;
    const std::string parent = tmp / "p";
    const std::string dir = parent + "/state";
    ASSERT_EQ(::mkdir(parent.c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(store::refuse_state_dir(dir), "");
    ASSERT_EQ(::rename(parent.c_str(), (tmp / "moved").c_str()), 0);
    ASSERT_EQ(::mkdir(parent.c_str(), 0700), 0);
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    EXPECT_EQ(store::mark_pending(store::pending_marker(dir, "guard", ::getpid())), "");
    EXPECT_EQ(store::post_notice(dir, "guard", "alert"), "");
    EXPECT_EQ(entries_in(dir), 0) << "written into the directory swapped in after the check";
    EXPECT_EQ(entries_in(tmp / "moved/state/pending"), 1);
    EXPECT_EQ(entries_in(tmp / "moved/state/alerts"), 1);
}

}  // namespace
