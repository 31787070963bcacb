// `hookwarden install` / `uninstall` (src/install/install.h): round trips over the
// settings files of tests/data/settings, idempotency, dry runs, backups, malformed input,
// and that a wrapped command runs the very argv the original ran.
#include <gtest/gtest.h>

#include "../scratch_files.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "install/install.h"
#include "policy/policy.h"
#include "util/hook_name.h"
#include "util/shell_words.h"
#include "util/text_diff.h"

namespace fs = std::filesystem;
using namespace hookwarden;
using namespace hookwarden::install;
using hookwarden::shell::split_simple;
using hookwarden::text::unified_diff;
using ojson = nlohmann::ordered_json;

using hwunit::ScopedEnv;

namespace {

const fs::path kData = fs::path(HOOKWARDEN_SOURCE_DIR) / "tests" / "data" / "settings";
// install writes the absolute path of the hookwarden it is told to call.
const std::string kHw = HOOKWARDEN_BINARY;
const std::string kRun = kHw + " run --agent claude";

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

fs::path temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "hw-install-XXXXXX").string();
    return fs::path(::mkdtemp(pattern.data()));
}


struct Result {
    int rc;
    std::string out, err;
};

// One project directory with .claude/settings.json holding a data file.
class Project {
public:
    explicit Project(const std::string& data_file) : dir_(temp_dir()) {
        spit(settings(), slurp(kData / data_file));
    }
    Project(const std::string& name, const std::string& text) : dir_(temp_dir()) {
        (void)name;
        spit(settings(), text);
    }
    ~Project() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    Project(const Project&) = delete;
    Project& operator=(const Project&) = delete;

    fs::path dir() const { return dir_; }
    fs::path settings() const { return dir_ / ".claude" / "settings.json"; }
    fs::path policy() const { return dir_ / ".hookwarden" / "policy.json"; }
    fs::path state() const { return dir_ / ".hookwarden" / "install-state.json"; }

    Options options(bool dispatch = false, bool dry_run = false) const {
        Options o;
        o.project_dir = dir_.string();
        o.hookwarden_path = kHw;
        o.dispatch = dispatch;
        o.dry_run = dry_run;
        return o;
    }
    Result install(bool dispatch = false, bool dry_run = false) const {
        std::ostringstream out, err;
        int rc = install_command(options(dispatch, dry_run), out, err);
        return {rc, out.str(), err.str()};
    }
    Result uninstall(bool dry_run = false) const {
        std::ostringstream out, err;
        int rc = uninstall_command(options(false, dry_run), out, err);
        return {rc, out.str(), err.str()};
    }
    std::vector<fs::path> backups() const {
        std::vector<fs::path> found;
        for (const auto& e : fs::directory_iterator(settings().parent_path()))
            if (e.path().filename().string().find(".hookwarden-backup-") != std::string::npos) found.push_back(e.path());
        return found;
    }

private:
    fs::path dir_;
};

std::vector<std::string> data_files() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(kData))
        if (e.path().extension() == ".json") names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

ojson parse(const std::string& text) { return ojson::parse(text); }

std::vector<std::string> commands_of(const ojson& settings) {
    std::vector<std::string> out;
    if (!settings.contains("hooks")) return out;
    for (const auto& [event, groups] : settings["hooks"].items())
        for (const auto& g : groups)
            for (const auto& h : g["hooks"])
                if (h["type"] == "command") out.push_back(h["command"]);
    return out;
}

// Runs `sh -c command` and returns its stdout.
std::string sh_output(const std::string& command, const fs::path& cwd) {
    std::string full = "cd '" + cwd.string() + "' && sh -c " + shell::quote(command) + " 2>&1";
    FILE* p = ::popen(full.c_str(), "r");
    std::string out;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
    return out;
}

}  // namespace

// ---------------------------------------------------------------- building blocks

TEST(InstallNames, DerivedFromTheScript) {
    EXPECT_EQ(naming::derive_name_from_shell("uv run .claude/hooks/pre_tool_use.py"), "pre_tool_use");
    EXPECT_EQ(naming::derive_name_from_shell("uv run --script .claude/hooks/subagent_stop.py --notify"), "subagent_stop");
    EXPECT_EQ(naming::derive_name_from_shell("${CLAUDE_PLUGIN_ROOT}/hooks/validate-bash.sh"), "validate-bash");
    EXPECT_EQ(naming::derive_name_from_shell("\"$CLAUDE_PROJECT_DIR\"/.claude/hooks/format.sh"), "format");
    EXPECT_EQ(naming::derive_name_from_shell("node \"${CLAUDE_PLUGIN_ROOT}/scripts/session-start.js\""), "session-start");
    EXPECT_EQ(naming::derive_name_from_shell("FOO=1 BAR=\"two words\" ./.claude/hooks/guard.py"), "guard");
    EXPECT_EQ(naming::derive_name_from_shell("cd \"$CLAUDE_PROJECT_DIR\" && npm run lint --silent"), "CLAUDE_PROJECT_DIR");
    EXPECT_EQ(naming::derive_name_from_shell("jq -r '.tool_input.command' >> ~/.claude/bash-command-log.txt"), "jq");
    EXPECT_EQ(naming::derive_name_from_shell("python3.12 hook.py"), "hook");
    EXPECT_EQ(naming::derive_name_from_shell("/usr/local/bin/post-bash-audit --read"), "post-bash-audit");
    EXPECT_EQ(naming::derive_name_from_shell("'weird name!.sh'"), "weird_name");
    EXPECT_EQ(naming::derive_name_from_shell(""), "hook");
    EXPECT_EQ(naming::derive_name_from_shell("sh -c 'echo checked >&2'"), "echo");
    EXPECT_EQ(naming::derive_name_from_shell("bash -c 'cd x && ./hooks/lint.sh'"), "lint");
}

TEST(InstallShell, SplitsOnlyPlainCommands) {
    EXPECT_EQ(split_simple("uv run .claude/hooks/pre_tool_use.py"),
              (std::vector<std::string>{"uv", "run", ".claude/hooks/pre_tool_use.py"}));
    EXPECT_EQ(split_simple("python3 g.py --mode 'strict mode' --label \"it's fine\""),
              (std::vector<std::string>{"python3", "g.py", "--mode", "strict mode", "--label", "it's fine"}));
    EXPECT_EQ(split_simple("a\\ b c"), (std::vector<std::string>{"a b", "c"}));
    for (const char* unsafe : {"a && b", "a | b", "a > f", "FOO=1 a", "a $HOME", "a \"$HOME\"", "~/x", "a *.py",
                               "cd x", "a 'unclosed", "a # comment", "a `b`", "${CLAUDE_PLUGIN_ROOT}/x.sh", "a; b",
                               "a\nb", "exec a"})
        EXPECT_FALSE(split_simple(unsafe).has_value()) << unsafe;
}

TEST(InstallShell, Quote) {
    EXPECT_EQ(shell::quote("hookwarden"), "hookwarden");
    EXPECT_EQ(shell::quote("/usr/bin/hookwarden"), "/usr/bin/hookwarden");
    EXPECT_EQ(shell::quote("a b"), "'a b'");
    EXPECT_EQ(shell::quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell::quote(""), "''");
}

TEST(InstallWrap, SimpleCommandsStayReadable) {
    EXPECT_EQ(wrap_command("hookwarden", "pre_tool_use", "uv run .claude/hooks/pre_tool_use.py"),
              "hookwarden run --name pre_tool_use -- uv run .claude/hooks/pre_tool_use.py");
    EXPECT_EQ(wrap_command("hookwarden", "validate-bash", "${CLAUDE_PLUGIN_ROOT}/hooks/validate-bash.sh"),
              "hookwarden run --name validate-bash -- ${CLAUDE_PLUGIN_ROOT}/hooks/validate-bash.sh");
    EXPECT_EQ(wrap_command("hookwarden", "x", "`which x` y"), "hookwarden run --name x -- sh -c '`which x` y'");
    EXPECT_EQ(wrap_command("hookwarden", "x", "a && b 'c'"), "hookwarden run --name x -- sh -c 'a && b '\\''c'\\'''");
    // An original that is itself `sh -c '...'` takes the shell form, so the two never mix up.
    EXPECT_EQ(wrap_command("hookwarden", "x", "sh -c 'echo hi'"),
              "hookwarden run --name x -- sh -c 'sh -c '\\''echo hi'\\'''");
    EXPECT_EQ(wrap_command("/opt/hook warden/hookwarden", "x", "true"),
              "'/opt/hook warden/hookwarden' run --name x -- true");
}

TEST(InstallWrap, UnwrapIsTheExactInverse) {
    const std::vector<std::string> originals = {
        "uv run .claude/hooks/pre_tool_use.py",
        "sh -c 'echo hi'",
        "sh -c 'it'\\''s'",
        "sh -c \"echo hi\"",
        "a && b || c; d | e > f 2>&1 < g &",
        "FOO=1 BAR=\"two words\" ./x.py",
        "echo 'it'\\''s a \"quote\" test' $HOME",
        "  leading and trailing spaces  ",
        "line one\nline two",
        "'unbalanced",
        "trailing backslash\\",
        "${CLAUDE_PLUGIN_ROOT}/hooks/x.sh --flag=\"$(date)\"",
        "printf '%s\\n' ü 'é'",
        "-x starts with a dash",
        "cd /tmp",
        "exec foo",
        "'sh' -c 'x'",
        "x -- y",
        "hookwarden",
    };
    for (const auto& original : originals) {
        for (const std::string hw : {"hookwarden", "/usr/bin/hookwarden", "/opt/my tools/hookwarden"}) {
            std::string wrapped = wrap_command(hw, "name-1", original);
            EXPECT_TRUE(is_hookwarden_command(wrapped)) << wrapped;
            auto back = unwrap_command(wrapped);
            ASSERT_TRUE(back.has_value()) << wrapped;
            EXPECT_EQ(back->original, original) << wrapped;
            EXPECT_EQ(back->name, "name-1");
        }
    }
    EXPECT_FALSE(unwrap_command("hookwarden run -- foo").has_value());  // hand-written: not ours to undo
    EXPECT_FALSE(unwrap_command("hookwarden  run --name x -- foo").has_value());
    EXPECT_FALSE(unwrap_command("uv run x.py").has_value());
    EXPECT_TRUE(is_hookwarden_command("hookwarden run -- foo"));
    EXPECT_TRUE(is_hookwarden_command("/usr/bin/hookwarden dispatch"));
    EXPECT_FALSE(is_hookwarden_command("hookwarden-lint run"));
}

// The wrapped command, run by a shell as Claude Code runs it, reaches `hookwarden run`
// with the argv the original command had. A stand-in `hookwarden` execs what follows "--".
TEST(InstallWrap, WrappedCommandRunsTheSameArgv) {
    fs::path dir = temp_dir();
    fs::path fake = dir / "hookwarden";
    spit(fake, "#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n");
    fs::permissions(fake, fs::perms::owner_all);
    ScopedEnv env("HW_TEST_VAR", std::string("value with  spaces"));
    const std::vector<std::string> originals = {
        "printf '<%s>' a 'b c' \"d  e\" f\\ g",
        "printf '<%s>' \"$HW_TEST_VAR\" $HW_TEST_VAR",
        "FOO=bar sh -c 'printf \"<%s>\" \"$FOO\"'",
        "printf '<%s>' one && printf '<%s>' two",
        "printf '<%s>' x | tr x y",
        "sh -c 'printf \"<%s>\" \"it'\\''s\"'",
        "echo 'it'\\''s a \"quote\" test'",
        "cd / && pwd",
        "printf '<%s>' 'multi\nline'",
        "false || printf '<%s>' fallback",
        "$HW_TEST_PRINTF '<%s>' a",
        "~/../../../../../../usr/bin/printf '<%s>' tilde",
    };
    ScopedEnv printf_env("HW_TEST_PRINTF", std::string("printf"));
    for (const auto& original : originals) {
        std::string wrapped = wrap_command(fake.string(), "t", original);
        EXPECT_EQ(sh_output(wrapped, dir), sh_output(original, dir)) << original << "\n  wrapped: " << wrapped;
    }
    fs::remove_all(dir);
}

TEST(InstallDiff, UnifiedHunks) {
    EXPECT_EQ(unified_diff("a\n", "a\n", "x", "y"), "");
    std::string d = unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", "a/f", "b/f");
    EXPECT_EQ(d, "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    EXPECT_EQ(unified_diff("", "x\n", "/dev/null", "b/p"), "--- /dev/null\n+++ b/p\n@@ -0,0 +1,1 @@\n+x\n");
}

TEST(InstallPaths, Scopes) {
    ScopedEnv home("HOME", std::string("/home/u"));
    ScopedEnv xdg("XDG_CONFIG_HOME", std::nullopt);
    Options o;
    o.project_dir = "/p";
    EXPECT_EQ(settings_path_for(o), "/p/.claude/settings.json");
    EXPECT_EQ(policy_path_for(o), "/p/.hookwarden/policy.json");
    o.scope = "local";
    EXPECT_EQ(settings_path_for(o), "/p/.claude/settings.local.json");
    o.scope = "user";
    EXPECT_EQ(settings_path_for(o), "/home/u/.claude/settings.json");
    EXPECT_EQ(policy_path_for(o), "/home/u/.config/hookwarden/policy.json");
    ScopedEnv xdg2("XDG_CONFIG_HOME", std::string("/cfg"));
    EXPECT_EQ(policy_path_for(o), "/cfg/hookwarden/policy.json");
    o.settings_path = "/elsewhere/s.json";
    EXPECT_EQ(settings_path_for(o), "/elsewhere/s.json");
}

// ---------------------------------------------------------------- round trips

class RoundTrip : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(RoundTrip, InstallUninstall) {
    const auto& [file, dispatch] = GetParam();
    Project p(file);
    const std::string original = slurp(p.settings());
    const ojson original_value = parse(original);

    Result first = p.install(dispatch);
    ASSERT_EQ(first.rc, 0) << first.err;
    const std::string installed = slurp(p.settings());
    ASSERT_NE(installed, original) << first.out;
    ojson installed_value = parse(installed);

    // Every other key and the key order are kept; only hooks changed.
    std::vector<std::string> keys_before, keys_after;
    for (const auto& [k, v] : original_value.items()) keys_before.push_back(k);
    for (const auto& [k, v] : installed_value.items()) keys_after.push_back(k);
    EXPECT_EQ(keys_after, keys_before);
    for (const auto& [k, v] : original_value.items())
        if (k != "hooks") {
            EXPECT_EQ(installed_value[k], v) << k;
        }
    // Every command hook now runs under hookwarden; non-command hooks are untouched.
    for (const auto& c : commands_of(installed_value)) EXPECT_TRUE(is_hookwarden_command(c)) << c;

    // The policy validates and knows every hook that install moved or wrapped.
    ASSERT_TRUE(fs::exists(p.policy()));
    auto loaded = policy::load_string(slurp(p.policy()), p.policy().string());
    for (const auto& e : loaded.errors) ADD_FAILURE() << e.to_string();
    ASSERT_TRUE(loaded.policy.has_value());
    std::size_t command_hooks = commands_of(original_value).size();
    EXPECT_EQ(loaded.policy->hooks.size(), command_hooks);
    if (!dispatch)
        for (const auto& c : commands_of(installed_value)) {
            auto u = unwrap_command(c);
            ASSERT_TRUE(u.has_value()) << c;
            EXPECT_NE(policy::find_hook(*loaded.policy, u->name), nullptr) << u->name;
        }

    // A backup of the original bytes.
    auto backups = p.backups();
    ASSERT_EQ(backups.size(), 1u);
    EXPECT_EQ(slurp(backups[0]), original);

    // Installing again changes nothing: byte-identical settings, policy and state.
    const std::string policy_text = slurp(p.policy()), state_text = slurp(p.state());
    Result second = p.install(dispatch);
    EXPECT_EQ(second.rc, 0) << second.err;
    EXPECT_NE(second.out.find("nothing to do"), std::string::npos) << second.out;
    EXPECT_EQ(slurp(p.settings()), installed);
    EXPECT_EQ(slurp(p.policy()), policy_text);
    EXPECT_EQ(slurp(p.state()), state_text);
    EXPECT_EQ(p.backups().size(), 1u);

    // Uninstall gives the original back: the bytes, since nobody touched the file.
    Result undo = p.uninstall();
    ASSERT_EQ(undo.rc, 0) << undo.err;
    EXPECT_EQ(slurp(p.settings()), original);
    EXPECT_EQ(parse(slurp(p.settings())), original_value);
    EXPECT_TRUE(fs::exists(p.policy()));  // the user's tuning is kept

    // ...and again is a no-op.
    Result again = p.uninstall();
    EXPECT_EQ(again.rc, 0) << again.err;
    EXPECT_NE(again.out.find("nothing to uninstall"), std::string::npos);
    EXPECT_EQ(slurp(p.settings()), original);
}

// Without the shortcut of the saved bytes (the file was reformatted since install),
// uninstall undoes each change and still gives the original JSON value back.
TEST_P(RoundTrip, UninstallAfterTheFileWasReformatted) {
    const auto& [file, dispatch] = GetParam();
    Project p(file);
    const ojson original_value = parse(slurp(p.settings()));
    ASSERT_EQ(p.install(dispatch).rc, 0);
    spit(p.settings(), parse(slurp(p.settings())).dump(3) + "\n");
    Result undo = p.uninstall();
    ASSERT_EQ(undo.rc, 0) << undo.err;
    EXPECT_EQ(parse(slurp(p.settings())), original_value) << slurp(p.settings());
}

// Without the install state (say a teammate's checkout), wrap mode still uninstalls exactly.
TEST_P(RoundTrip, UninstallWithoutState) {
    const auto& [file, dispatch] = GetParam();
    if (dispatch) GTEST_SKIP() << "dispatch mode keeps the replaced hooks only in the install state";
    Project p(file);
    const ojson original_value = parse(slurp(p.settings()));
    ASSERT_EQ(p.install().rc, 0);
    fs::remove(p.state());
    Result undo = p.uninstall();
    ASSERT_EQ(undo.rc, 0) << undo.err;
    EXPECT_EQ(parse(slurp(p.settings())), original_value);
    EXPECT_EQ(slurp(p.settings()), slurp(kData / file)) << "the backup's bytes come back";
}

TEST_P(RoundTrip, DryRunChangesNothing) {
    const auto& [file, dispatch] = GetParam();
    Project p(file);
    const std::string original = slurp(p.settings());
    auto mtime = fs::last_write_time(p.settings());
    Result dry = p.install(dispatch, true);
    ASSERT_EQ(dry.rc, 0) << dry.err;
    EXPECT_NE(dry.out.find("--- a/"), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find("+++ b/"), std::string::npos);
    EXPECT_NE(dry.out.find("\n+"), std::string::npos);
    EXPECT_NE(dry.out.find("--- /dev/null"), std::string::npos) << "the new policy is shown too";
    EXPECT_EQ(slurp(p.settings()), original);
    EXPECT_EQ(fs::last_write_time(p.settings()), mtime);
    EXPECT_FALSE(fs::exists(p.policy()));
    EXPECT_FALSE(fs::exists(p.state()));
    EXPECT_TRUE(p.backups().empty());

    // Dry-run uninstall after a real install: nothing changes either.
    ASSERT_EQ(p.install(dispatch).rc, 0);
    const std::string installed = slurp(p.settings());
    auto installed_mtime = fs::last_write_time(p.settings());
    Result dry_undo = p.uninstall(true);
    EXPECT_EQ(dry_undo.rc, 0);
    EXPECT_NE(dry_undo.out.find("+++ b/"), std::string::npos);
    EXPECT_EQ(slurp(p.settings()), installed);
    EXPECT_EQ(fs::last_write_time(p.settings()), installed_mtime);
}

INSTANTIATE_TEST_SUITE_P(Settings, RoundTrip, ::testing::Combine(::testing::ValuesIn(data_files()), ::testing::Bool()),
                         [](const auto& param_info) {
                             std::string n = std::get<0>(param_info.param);
                             n = n.substr(0, n.size() - 5);
                             for (auto& c : n)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n + (std::get<1>(param_info.param) ? "_dispatch" : "_wrap");
                         });

// ---------------------------------------------------------------- details

TEST(Install, HooksMasteryWrapsEachScript) {
    Project p("hooks-mastery.json");
    ASSERT_EQ(p.install().rc, 0);
    ojson s = parse(slurp(p.settings()));
    EXPECT_EQ(s["hooks"]["PreToolUse"][0]["hooks"][0]["command"],
              kRun + " --name pre_tool_use -- uv run .claude/hooks/pre_tool_use.py");
    EXPECT_EQ(s["hooks"]["UserPromptSubmit"][0]["hooks"][0]["command"],
              kRun + " --name user_prompt_submit -- uv run .claude/hooks/user_prompt_submit.py --log-only "
              "--store-last-prompt --name-agent");
    EXPECT_EQ(s["statusLine"]["command"], "uv run .claude/status_lines/status_line_v3.py");  // not a hook
    ojson pol = parse(slurp(p.policy()));
    EXPECT_EQ(pol["hooks"]["pre_tool_use"]["command"], ojson::parse(R"(["uv","run",".claude/hooks/pre_tool_use.py"])"));
    EXPECT_EQ(pol["hooks"]["pre_tool_use"]["event"], "PreToolUse");
    EXPECT_FALSE(pol["hooks"]["pre_tool_use"].contains("matcher"));  // "" matches everything
    EXPECT_TRUE(pol["events"].contains("PreCompact"));  // per-event defaults for every event used
    EXPECT_TRUE(pol["events"].contains("SessionStart"));
    EXPECT_EQ(slurp(p.settings()).find("\t"), std::string::npos);  // two-space indentation kept
}

TEST(Install, UniqueNamesAndTimeoutsCarryOver) {
    Project p("several-matchers.json");
    ASSERT_EQ(p.install().rc, 0);
    ojson s = parse(slurp(p.settings()));
    ojson pol = parse(slurp(p.policy()));
    const ojson& pre = s["hooks"]["PreToolUse"];
    EXPECT_EQ(unwrap_command(pre[0]["hooks"][0]["command"])->name, "guard");
    EXPECT_EQ(unwrap_command(pre[0]["hooks"][1]["command"])->name, "guard-2");
    EXPECT_EQ(unwrap_command(pre[1]["hooks"][0]["command"])->name, "guard-3");
    EXPECT_EQ(unwrap_command(s["hooks"]["PostToolUse"][1]["hooks"][0]["command"])->name, "post-bash-audit-2");
    // Claude's timeout stays; hookwarden's is below it so that hookwarden answers first.
    EXPECT_EQ(pre[0]["hooks"][0]["timeout"], 2);
    EXPECT_EQ(pol["hooks"]["guard"]["limits"]["timeout_ms"], 1500);
    EXPECT_EQ(pol["hooks"]["guard"]["matcher"], "Bash");
    EXPECT_EQ(pol["hooks"]["guard"]["command"],
              ojson::parse(R"(["python3", ".claude/hooks/guard.py", "--mode", "strict mode", "--label", "it's fine"])"));
    EXPECT_EQ(pol["hooks"]["guard-2"]["command"],
              ojson::parse(R"(["sh", "-c", "FOO=1 BAR=\"two words\" ./.claude/hooks/guard.py"])"));
    // No timeout: Claude Code's 600 s default is what the hook had; the PreToolUse SLA is a budget.
    EXPECT_EQ(pol["hooks"]["guard-2"]["limits"]["timeout_ms"], 599500);
    EXPECT_EQ(pol["hooks"]["guard-2"]["budgets"]["p95_ms"], 2000);
    EXPECT_EQ(pol["hooks"]["allow-mcp"]["limits"]["timeout_ms"], 500);  // 1 s in Claude
    EXPECT_EQ(pol["hooks"]["allow-mcp"]["matcher"], "mcp__.*__write.*");
    // The prompt hook is reported and left where it was.
    EXPECT_EQ(s["hooks"]["Stop"][0]["hooks"][0], parse(slurp(kData / "several-matchers.json"))["hooks"]["Stop"][0]["hooks"][0]);
}

TEST(Install, SubSecondTimeout) {
    Project p("project-style.json");
    ASSERT_EQ(p.install().rc, 0);
    ojson pol = parse(slurp(p.policy()));
    EXPECT_EQ(pol["hooks"]["inject_context"]["limits"]["timeout_ms"], 250);
    EXPECT_EQ(pol["hooks"]["inject_context"]["limits"]["kill_grace_ms"], 100);
    EXPECT_EQ(pol["hooks"]["format"]["limits"]["timeout_ms"], 29500);
}

TEST(Install, NonCommandHooksAreReportedAndKept) {
    Project p("mixed-types.json");
    const ojson before = parse(slurp(p.settings()));
    Result r = p.install();
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find("$.hooks.Stop[0].hooks[0]: type \"agent\" is not a command hook"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("$.hooks.PostToolUse[0].hooks[0]: type \"http\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("settings.json:6:"), std::string::npos) << r.err;
    ojson s = parse(slurp(p.settings()));
    EXPECT_EQ(s["hooks"]["Stop"], before["hooks"]["Stop"]);
    EXPECT_EQ(s["hooks"]["PostToolUse"][0]["hooks"][0], before["hooks"]["PostToolUse"][0]["hooks"][0]);
}

TEST(Install, DispatchModeOneEntryPerEvent) {
    Project p("several-matchers.json");
    ASSERT_EQ(p.install(true).rc, 0);
    ojson s = parse(slurp(p.settings()));
    ASSERT_EQ(s["hooks"]["PreToolUse"].size(), 1u);
    EXPECT_EQ(s["hooks"]["PreToolUse"][0], ojson::parse((R"({"hooks":[{"type":"command","command":")" + kHw + R"( dispatch --agent claude"}]})")));
    // Stop keeps its prompt hook beside the dispatch entry.
    ASSERT_EQ(s["hooks"]["Stop"].size(), 2u);
    EXPECT_EQ(s["hooks"]["Stop"][1]["hooks"].size(), 1u);
    EXPECT_EQ(s["hooks"]["Stop"][1]["hooks"][0]["type"], "prompt");
    ojson pol = parse(slurp(p.policy()));
    EXPECT_EQ(pol["hooks"].size(), 9u);
}

TEST(Install, WrapThenDispatchThenUninstall) {
    Project p("hooks-mastery.json");
    const std::string original = slurp(p.settings());
    ASSERT_EQ(p.install().rc, 0);
    ASSERT_EQ(p.install(true).rc, 0);
    ojson s = parse(slurp(p.settings()));
    EXPECT_EQ(s["hooks"]["Stop"][0]["hooks"][0]["command"], kHw + " dispatch --agent claude");
    EXPECT_EQ(parse(slurp(p.policy()))["hooks"].size(), 8u);  // the wrapped hooks' entries moved over as they were
    Result undo = p.uninstall();
    ASSERT_EQ(undo.rc, 0) << undo.err;
    EXPECT_EQ(slurp(p.settings()), original);
}

TEST(Install, HooksAddedLaterAreWrappedAndUninstalled) {
    Project p("hooks-mastery.json");
    ojson original = parse(slurp(p.settings()));
    ASSERT_EQ(p.install().rc, 0);
    ojson s = parse(slurp(p.settings()));
    ojson extra = ojson::parse(R"({"matcher": "Bash", "hooks": [{"type": "command", "command": "./new-hook.sh"}]})");
    s["hooks"]["PreToolUse"].push_back(extra);
    spit(p.settings(), s.dump(2) + "\n");
    Result again = p.install();
    ASSERT_EQ(again.rc, 0) << again.err;
    EXPECT_EQ(parse(slurp(p.settings()))["hooks"]["PreToolUse"][1]["hooks"][0]["command"],
              kRun + " --name new-hook -- ./new-hook.sh");
    ASSERT_EQ(p.uninstall().rc, 0);
    original["hooks"]["PreToolUse"].push_back(extra);
    EXPECT_EQ(parse(slurp(p.settings())), original);
}

TEST(Install, HandWrittenHookwardenCommandsAreLeftAlone) {
    Project p("hand", R"({"hooks": {"Stop": [{"hooks": [
        {"type": "command", "command": "hookwarden run --timeout 100 -- ./mine.sh"},
        {"type": "command", "command": "./other.sh"}]}]}}
)");
    ASSERT_EQ(p.install().rc, 0);
    ojson s = parse(slurp(p.settings()));
    EXPECT_EQ(s["hooks"]["Stop"][0]["hooks"][0]["command"], "hookwarden run --timeout 100 -- ./mine.sh");
    ASSERT_EQ(p.uninstall().rc, 0);
    s = parse(slurp(p.settings()));
    EXPECT_EQ(s["hooks"]["Stop"][0]["hooks"][0]["command"], "hookwarden run --timeout 100 -- ./mine.sh");
    EXPECT_EQ(s["hooks"]["Stop"][0]["hooks"][1]["command"], "./other.sh");
}

TEST(Install, ExistingPolicyGainsEntriesAndKeepsItsOwn) {
    Project p("compact.json");
    spit(p.policy(), R"({"version": 1, "hooks": {"stop": {"event": "PreToolUse", "command": ["x"]}}})");
    ASSERT_EQ(p.install().rc, 0);
    ojson pol = parse(slurp(p.policy()));
    EXPECT_EQ(pol["hooks"]["stop"]["command"], ojson::parse(R"(["x"])"));
    EXPECT_EQ(pol["hooks"]["stop-2"]["event"], "Stop");
    EXPECT_FALSE(pol.contains("defaults"));
    // Compact input stays compact, without a trailing newline.
    std::string text = slurp(p.settings());
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
}

TEST(Install, BackupsAreNeverOverwritten) {
    Project p("compact.json");
    ASSERT_EQ(p.install().rc, 0);
    ASSERT_EQ(p.uninstall().rc, 0);
    ASSERT_EQ(p.install().rc, 0);
    auto backups = p.backups();
    EXPECT_EQ(backups.size(), 3u);
    std::set<std::string> contents;
    for (const auto& b : backups) contents.insert(slurp(b));
    EXPECT_EQ(contents.size(), 2u);  // original, installed
}

TEST(Install, KeepsModeAndSymlink) {
    Project p("compact.json");
    fs::path real = p.dir() / "dotfiles" / "settings.json";
    spit(real, slurp(p.settings()));
    fs::remove(p.settings());
    fs::create_symlink(real, p.settings());
    ::chmod(real.c_str(), 0600);
    ASSERT_EQ(p.install().rc, 0);
    EXPECT_TRUE(fs::is_symlink(p.settings()));
    EXPECT_NE(slurp(real).find("hookwarden run"), std::string::npos);
    struct stat st {};
    ASSERT_EQ(::stat(real.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(Install, UserScopeNamesItsPolicy) {
    fs::path home = temp_dir();
    ScopedEnv h("HOME", home.string());
    ScopedEnv x("XDG_CONFIG_HOME", std::nullopt);
    spit(home / ".claude" / "settings.json", slurp(kData / "user-style.json"));
    Options o;
    o.scope = "user";
    o.hookwarden_path = kHw;
    std::ostringstream out, err;
    ASSERT_EQ(install_command(o, out, err), 0) << err.str();
    ojson s = parse(slurp(home / ".claude" / "settings.json"));
    std::string policy = (home / ".config" / "hookwarden" / "policy.json").string();
    EXPECT_EQ(s["hooks"]["Stop"][0]["hooks"][0]["command"],
              kRun + " --policy " + policy + " --name stop-sound -- ~/.claude/hooks/stop-sound.sh");
    EXPECT_TRUE(fs::exists(policy));
    EXPECT_NE(slurp(home / ".claude" / "settings.json").find("\n    \"model\""), std::string::npos)
        << "four-space indentation kept";
    ASSERT_EQ(uninstall_command(o, out, err), 0);
    EXPECT_EQ(slurp(home / ".claude" / "settings.json"), slurp(kData / "user-style.json"));
    fs::remove_all(home);
}

// `run` finds the policy that `install --scope user` writes, whatever $XDG_CONFIG_HOME
// holds: both resolve it with util/paths, which ignores a relative value (XDG spec).
TEST(Install, UserScopePolicyIsWhereRunLooks) {
    fs::path home = temp_dir();
    fs::path elsewhere = temp_dir();  // the working directory, with no project policy above it
    ScopedEnv h("HOME", home.string());
    ScopedEnv x("XDG_CONFIG_HOME", std::string("relative-config"));
    ScopedEnv named("HOOKWARDEN_POLICY", std::nullopt);
    ScopedEnv project("CLAUDE_PROJECT_DIR", std::nullopt);
    spit(home / ".claude" / "settings.json", slurp(kData / "user-style.json"));
    const fs::path cwd = fs::current_path();
    fs::current_path(elsewhere);
    Options o;
    o.scope = "user";
    o.hookwarden_path = kHw;
    std::ostringstream out, err;
    int rc = install_command(o, out, err);
    std::optional<std::string> found = policy::discover("");
    fs::current_path(cwd);
    ASSERT_EQ(rc, 0) << err.str();
    ASSERT_TRUE(found.has_value()) << out.str();
    EXPECT_EQ(fs::path(*found), home / ".config" / "hookwarden" / "policy.json");
    EXPECT_TRUE(fs::exists(*found)) << out.str();
    EXPECT_FALSE(fs::exists(elsewhere / "relative-config")) << "nothing is written below the working directory";
    ojson s = parse(slurp(home / ".claude" / "settings.json"));
    EXPECT_NE(s["hooks"]["Stop"][0]["hooks"][0]["command"].get<std::string>().find("--policy " + *found),
              std::string::npos)
        << "the wrapped command names that same file";
    fs::remove_all(home);
    fs::remove_all(elsewhere);
}

TEST(Install, MissingFiles) {
    Project p("compact.json");
    fs::remove(p.settings());
    EXPECT_EQ(p.install().rc, 0);
    EXPECT_FALSE(fs::exists(p.policy()));
    Options o = p.options();
    o.settings_path = (p.dir() / "nope.json").string();
    std::ostringstream out, err;
    EXPECT_EQ(install_command(o, out, err), 2);
    EXPECT_NE(err.str().find("nope.json: no such settings file"), std::string::npos);
    o.agent = "nosuchagent";
    EXPECT_EQ(install_command(o, out, err), 2);
    EXPECT_NE(err.str().find("unknown agent 'nosuchagent' (supported: claude, codex, gemini, copilot, cursor)"),
              std::string::npos);
}

// ---------------------------------------------------------------- malformed settings

struct Malformed {
    const char* name;
    const char* text;
    const char* message;  // expected in stderr
};

class MalformedSettings : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedSettings, ReportedPreciselyAndLeftUntouched) {
    const Malformed& m = GetParam();
    for (bool uninstall : {false, true}) {
        Project p(m.name, m.text);
        auto mtime = fs::last_write_time(p.settings());
        Result r = uninstall ? p.uninstall() : p.install();
        EXPECT_EQ(r.rc, 2) << r.out;
        EXPECT_NE(r.err.find(m.message), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(p.settings().string() + ":"), std::string::npos) << r.err;
        EXPECT_EQ(slurp(p.settings()), m.text);
        EXPECT_EQ(fs::last_write_time(p.settings()), mtime);
        EXPECT_FALSE(fs::exists(p.policy()));
        EXPECT_TRUE(p.backups().empty());
    }
}

INSTANTIATE_TEST_SUITE_P(
    Install, MalformedSettings,
    ::testing::Values(
        Malformed{"syntax", "{\n  \"hooks\": {\n    \"Stop\": [,]\n  }\n}\n", "settings.json:3:14: $: invalid JSON"},
        Malformed{"trailing_comma", "{\"hooks\": {},}\n", "settings.json:1:14: $: invalid JSON"},
        Malformed{"root_array", "[]\n", "settings.json:1:1: $: expected the settings object, got an array"},
        Malformed{"hooks_array", "{\n  \"hooks\": []\n}\n",
                  "settings.json:2:3: $.hooks: expected an object of event names"},
        Malformed{"event_object", "{\"hooks\": {\"Stop\": {\"hooks\": []}}}\n",
                  "$.hooks.Stop: expected an array of matcher groups"},
        Malformed{"group_without_hooks", "{\"hooks\": {\"Stop\": [{\"matcher\": \"\"}]}}\n",
                  "$.hooks.Stop[0]: missing \"hooks\": expected an array of hook objects"},
        Malformed{"hooks_not_array", "{\"hooks\": {\"Stop\": [{\"hooks\": {\"type\": \"command\"}}]}}\n",
                  "$.hooks.Stop[0].hooks: expected an array of hook objects, got an object"},
        Malformed{"matcher_number", "{\"hooks\": {\"PreToolUse\": [{\"matcher\": 3, \"hooks\": []}]}}\n",
                  "$.hooks.PreToolUse[0].matcher: expected a string, got a number"},
        Malformed{"no_type", "{\"hooks\": {\"Stop\": [{\"hooks\": [{\"command\": \"x\"}]}]}}\n",
                  "$.hooks.Stop[0].hooks[0].type: missing"},
        Malformed{"no_command", "{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\"}]}]}}\n",
                  "$.hooks.Stop[0].hooks[0].command: missing"},
        Malformed{"command_array", "{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": [\"x\"]}]}]}}\n",
                  "$.hooks.Stop[0].hooks[0].command: expected a string, got an array"},
        Malformed{"bad_timeout",
                  "{\"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"x\", \"timeout\": \"5\"}]}]}}\n",
                  "$.hooks.Stop[0].hooks[0].timeout: expected a positive number of seconds, got a string"}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Install, MalformedPolicyStopsInstall) {
    Project p("compact.json");
    spit(p.policy(), "{\"version\": 1,,}");
    const std::string before = slurp(p.settings());
    Result r = p.install();
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("policy.json:1:15: $: invalid JSON"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(p.settings()), before);
}
