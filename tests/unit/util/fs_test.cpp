// util/fs: the atomic write install, `run --record` and the reports use.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"

using namespace hookwarden;
namespace stdfs = std::filesystem;

namespace {

class AtomicWrite : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (stdfs::temp_directory_path() / "hw-fs-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data());
        path_ = (dir_ / "settings.json").string();
    }
    void TearDown() override { stdfs::remove_all(dir_); }

    std::string slurp(const std::string& path) const {
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : stdfs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    struct stat stat_of(const std::string& path) const {
        struct stat st {};
        EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
        return st;
    }

    stdfs::path dir_;
    std::string path_;
};

}  // namespace

TEST_F(AtomicWrite, KeepsAnExisting0600ModeAndLeavesNoTemporary) {
    std::ofstream(path_) << "old";
    ASSERT_EQ(::chmod(path_.c_str(), 0600), 0);
    ASSERT_EQ(fs::write_file_atomic(path_, "new content"), "");
    EXPECT_EQ(slurp(path_), "new content");
    EXPECT_EQ(stat_of(path_).st_mode & 07777, 0600u);
    EXPECT_EQ(entries(), std::vector<std::string>{"settings.json"});
}

TEST_F(AtomicWrite, KeepsAModeTheUmaskWouldHaveNarrowed) {
    std::ofstream(path_) << "old";
    ASSERT_EQ(::chmod(path_.c_str(), 0664), 0);
    mode_t old_mask = ::umask(0077);
    std::string error = fs::write_file_atomic(path_, "new");
    ::umask(old_mask);
    ASSERT_EQ(error, "");
    EXPECT_EQ(stat_of(path_).st_mode & 07777, 0664u);
}

TEST_F(AtomicWrite, KeepsTheOwnerWhenRoot) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file another owner";
    std::ofstream(path_) << "old";
    ASSERT_EQ(::chown(path_.c_str(), 4242, 4343), 0);
    ASSERT_EQ(fs::write_file_atomic(path_, "new"), "");
    EXPECT_EQ(stat_of(path_).st_uid, 4242u);
    EXPECT_EQ(stat_of(path_).st_gid, 4343u);
}

TEST_F(AtomicWrite, CreatesANewFile) {
    mode_t old_mask = ::umask(0022);
    std::string error = fs::write_file_atomic(path_, "fresh");
    ::umask(old_mask);
    ASSERT_EQ(error, "");
    EXPECT_EQ(slurp(path_), "fresh");
    EXPECT_EQ(stat_of(path_).st_mode & 07777, 0644u);
    EXPECT_EQ(entries(), std::vector<std::string>{"settings.json"});
}

// A symlink planted at the temporary's name is neither followed nor replaced.
TEST_F(AtomicWrite, NeverWritesThroughAPlantedTemporary) {
    std::string victim = (dir_ / "victim").string();
    std::ofstream(victim) << "untouched";
    std::string planted = path_ + ".tmp." + std::to_string(::getpid()) + ".0";
    stdfs::create_symlink(victim, planted);
    ASSERT_EQ(fs::write_file_atomic(path_, "new"), "");
    EXPECT_EQ(slurp(victim), "untouched");
    EXPECT_EQ(slurp(path_), "new");
    EXPECT_TRUE(stdfs::is_symlink(planted));
}

// A rename over a device or pipe would replace it (as root, `-o /dev/null` once turned
// /dev/null into a regular file): a pipe is written into, a pipe nobody reads is an
// error rather than a hang, and a link to one is refused and left as it is.
TEST_F(AtomicWrite, APipeIsWrittenIntoNeverReplaced) {
    std::string fifo = (dir_ / "fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_NE(fs::write_file_atomic(fifo, "x").find("cannot open"), std::string::npos);  // no reader
    int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    EXPECT_EQ(fs::write_file_atomic(fifo, "through the pipe"), "");
    char buf[64] = {};
    EXPECT_EQ(::read(reader, buf, sizeof buf), 16);
    EXPECT_STREQ(buf, "through the pipe");
    ::close(reader);
    EXPECT_TRUE(S_ISFIFO(stat_of(fifo).st_mode));

    std::string link = (dir_ / "link").string();
    ASSERT_EQ(::symlink(fifo.c_str(), link.c_str()), 0);
    EXPECT_NE(fs::write_file_atomic(link, "x").find("symbolic link to a device or pipe"), std::string::npos);
    EXPECT_TRUE(S_ISLNK(stat_of(link).st_mode));
    EXPECT_EQ(entries(), (std::vector<std::string>{"fifo", "link"}));
}

TEST_F(AtomicWrite, AFailureNamesTheFileAndLeavesNothing) {
    std::string missing_dir = (dir_ / "no-such-dir" / "f").string();
    std::string error = fs::write_file_atomic(missing_dir, "x");
    EXPECT_NE(error.find("no-such-dir"), std::string::npos) << error;
    EXPECT_TRUE(entries().empty());
}

namespace {

// A file a user names is read only when it is a regular file of bounded size: /dev/zero
// used to exhaust memory (std::bad_alloc) and a FIFO without a writer to hang.
TEST_F(AtomicWrite, ReadRegularFileRefusesDevicesFifosAndHugeFiles) {
    std::string why;
    EXPECT_FALSE(fs::read_regular_file("/dev/zero", 1 << 20, why));
    EXPECT_EQ(why, "not a regular file");

    const std::string fifo = (dir_ / "policy.fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    why.clear();
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(fs::read_regular_file(fifo, 1 << 20, why));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1)) << "a FIFO must not block";
    EXPECT_EQ(why, "not a regular file");

    why.clear();
    EXPECT_FALSE(fs::read_regular_file(dir_.string(), 1 << 20, why));
    EXPECT_EQ(why, "not a regular file");

    std::ofstream(path_) << std::string(2048, 'x');
    why.clear();
    EXPECT_FALSE(fs::read_regular_file(path_, 1024, why));
    EXPECT_EQ(why, "larger than 1024 bytes");
    why.clear();
    auto text = fs::read_regular_file(path_, 4096, why);
    ASSERT_TRUE(text) << why;
    EXPECT_EQ(text->size(), 2048u);

    why.clear();
    EXPECT_FALSE(fs::read_regular_file((dir_ / "missing").string(), 1024, why));
    EXPECT_EQ(why, std::strerror(ENOENT));
}

}  // namespace
