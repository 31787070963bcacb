// `hookwarden policy check|init` (src/cmd/policy.cpp) on real files: exit codes and
// what they write.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "../scratch_files.h"
#include "cmd/policy.h"
#include "policy/policy.h"

namespace fs = std::filesystem;
using namespace hookwarden;
using namespace hookwarden::cmd;
using namespace hwunit;
using hookwarden::policy::load_file;
using hookwarden::policy::starter_policy_json;

namespace {

const fs::path kSource = HOOKWARDEN_SOURCE_DIR;

}  // namespace

TEST(PolicyCommand, CheckExitCodes) {
    std::ostringstream out, err;
    EXPECT_EQ(to_int(policy_check((kSource / "policies/default.json").string(), out, err)), 0) << err.str();
    EXPECT_NE(out.str().find("OK"), std::string::npos);

    std::ostringstream out2, err2;
    std::string bad = (kSource / "tests/data/policies/bad/11-zero-timeout.json").string();
    EXPECT_EQ(to_int(policy_check(bad, out2, err2)), 1);
    EXPECT_NE(err2.str().find(bad + ":8:32: $.hooks.guard-bash.limits.timeout_ms:"), std::string::npos) << err2.str();

    std::ostringstream out3, err3;
    EXPECT_EQ(to_int(policy_check("/nonexistent/policy.json", out3, err3)), 2);
}

TEST(PolicyCommand, InitWritesValidPolicyAndRefusesToOverwrite) {
    fs::path root = make_temp_dir();
    std::string target = (root / "proj/.hookwarden/policy.json").string();
    std::ostringstream out, err;
    EXPECT_EQ(to_int(policy_init(target, false, out, err)), 0) << err.str();
    EXPECT_EQ(read(target), starter_policy_json());
    EXPECT_TRUE(load_file(target).policy);

    write(target, "mine");
    EXPECT_EQ(to_int(policy_init(target, false, out, err)), 2);
    EXPECT_EQ(read(target), "mine");
    EXPECT_EQ(to_int(policy_init(target, true, out, err)), 0);
    EXPECT_EQ(read(target), starter_policy_json());

    ScopedCwd cwd(root);
    EXPECT_EQ(to_int(policy_init("", false, out, err)), 0);
    EXPECT_TRUE(fs::exists(root / ".hookwarden/policy.json"));
    fs::remove_all(root);
}
