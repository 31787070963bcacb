// install/uninstall for each agent's settings format (install/agent_format.h), on real
// files in temporary directories: the wrapped commands, the limits carried over from the
// agent's timeout, the fail-closed switch, Claude Code's exec-form and async hooks,
// Codex's trust hashes, Copilot's directory of files, the hookwarden path check, and
// doctor's survey.
#include <gtest/gtest.h>

#include "../scratch_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "install/agent_format.h"
#include "install/codex_trust.h"
#include "install/install.h"
#include "install/survey.h"
#include "install/wrap.h"
#include "util/sha256.h"

namespace fs = std::filesystem;
using namespace hookwarden;
using namespace hookwarden::install;
using ojson = nlohmann::ordered_json;
using hwunit::ScopedEnv;

namespace {

const std::string kHw = HOOKWARDEN_BINARY;

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

struct Result {
    int rc;
    std::string out, err;
};

class Dir {
public:
    Dir() {
        std::string pattern = (fs::temp_directory_path() / "hw-agents-XXXXXX").string();
        dir_ = ::mkdtemp(pattern.data());
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    Dir(const Dir&) = delete;
    Dir& operator=(const Dir&) = delete;
    fs::path path() const { return dir_; }
    Options options(const std::string& agent) const {
        Options o;
        o.agent = agent;
        o.project_dir = dir_.string();
        o.hookwarden_path = kHw;
        return o;
    }
    Result install(Options o) const {
        std::ostringstream out, err;
        int rc = install_command(o, out, err);
        return {rc, out.str(), err.str()};
    }
    Result uninstall(Options o) const {
        std::ostringstream out, err;
        int rc = uninstall_command(o, out, err);
        return {rc, out.str(), err.str()};
    }
    ojson policy() const { return ojson::parse(slurp(dir_ / ".hookwarden" / "policy.json")); }

private:
    fs::path dir_;
};

ojson parse_file(const fs::path& p) { return ojson::parse(slurp(p)); }

// ---------------------------------------------------------------- the formats

TEST(AgentFormat, Rows) {
    EXPECT_EQ(format_of(Agent::gemini).timeout_unit_ms, 1);
    EXPECT_EQ(agent_default_timeout_ms(Agent::gemini, "BeforeTool"), 60000);
    EXPECT_EQ(format_of(Agent::copilot).command_key, "bash");
    EXPECT_EQ(format_of(Agent::copilot).timeout_key, "timeoutSec");
    EXPECT_EQ(format_of(Agent::cursor).fail_closed_key, "failClosed");
    EXPECT_EQ(format_of(Agent::claude).fail_closed_key, "onFailure");
    EXPECT_EQ(format_of(Agent::codex).fail_closed_key, "");
    EXPECT_EQ(agent_default_timeout_ms(Agent::claude, "PreToolUse"), 600000);
    EXPECT_EQ(agent_default_timeout_ms(Agent::claude, "SessionEnd"), 1500);
    EXPECT_EQ(agent_default_timeout_ms(Agent::claude, "UserPromptSubmit"), 30000);
    EXPECT_EQ(agent_default_timeout_ms(Agent::codex, "PreToolUse"), 600000);
    EXPECT_EQ(agent_default_timeout_ms(Agent::copilot, "preToolUse"), 30000);
    EXPECT_EQ(agent_effective_timeout_ms(Agent::codex, "SessionEnd", 10000), 3000);
    EXPECT_EQ(sla_ms(Agent::gemini, "AfterAgent"), 500);
    EXPECT_EQ(sla_ms(Agent::claude, "PreToolUse"), 2000);
    EXPECT_EQ(agent_effective_timeout_ms(Agent::codex, "Stop", 200), 1000);
    EXPECT_EQ(agent_effective_timeout_ms(Agent::claude, "SessionEnd", 5000), 1500);
    EXPECT_EQ(agent_effective_timeout_ms(Agent::gemini, "BeforeTool", 250), 250);
}

TEST(AgentFormat, SettingsFilesPerScope) {
    ScopedEnv codex_home("CODEX_HOME", std::nullopt);
    EXPECT_EQ(settings_files_for(Agent::codex, "project", "/p", "/h"), std::vector<std::string>{"/p/.codex/hooks.json"});
    EXPECT_EQ(settings_files_for(Agent::codex, "user", "/p", "/h"), std::vector<std::string>{"/h/.codex/hooks.json"});
    EXPECT_EQ(settings_files_for(Agent::gemini, "user", "/p", "/h"), std::vector<std::string>{"/h/.gemini/settings.json"});
    EXPECT_EQ(settings_files_for(Agent::cursor, "project", "/p", "/h"), std::vector<std::string>{"/p/.cursor/hooks.json"});
    EXPECT_TRUE(settings_files_for(Agent::gemini, "local", "/p", "/h").empty());
    EXPECT_TRUE(settings_files_for(Agent::copilot, "user", "/p", "/h").empty());
    ScopedEnv set("CODEX_HOME", std::string("/ch"));
    EXPECT_EQ(settings_files_for(Agent::codex, "user", "/p", "/h"), std::vector<std::string>{"/ch/hooks.json"});
}

TEST(AgentInstall, GeminiTimeoutsAreMilliseconds) {
    Dir d;
    const std::string text =
        R"({"hooks": {"BeforeTool": [{"matcher": "run_shell_command", "hooks": [{"name": "g", "type": "command", "command": "./g.sh", "timeout": 5000}, {"type": "command", "command": "./h.sh"}]}]}})";
    spit(d.path() / ".gemini/settings.json", text);
    Result r = d.install(d.options("gemini"));
    ASSERT_EQ(r.rc, 0) << r.err;
    ojson s = parse_file(d.path() / ".gemini/settings.json");
    const ojson& hooks = s["hooks"]["BeforeTool"][0]["hooks"];
    EXPECT_EQ(hooks[0]["timeout"], 5000);  // the agent's own timeout stays
    EXPECT_EQ(hooks[0]["name"], "g");
    auto first = parse_wrap(hooks[0]["command"]);
    auto second = parse_wrap(hooks[1]["command"]);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->prefix.agent, "gemini");
    EXPECT_EQ(first->original, "./g.sh");
    // 5000 ms less the margin; the second has Gemini's 60 s default. Either in the policy
    // (once it knows Gemini's events) or on the command line.
    auto limit_of = [&](const ParsedWrap& w) {
        if (w.prefix.timeout_ms) return *w.prefix.timeout_ms;
        return d.policy()["hooks"][w.name]["limits"]["timeout_ms"].get<std::int64_t>();
    };
    EXPECT_EQ(limit_of(*first), 4500);
    EXPECT_EQ(limit_of(*second), 59500);
    ASSERT_EQ(d.uninstall(d.options("gemini")).rc, 0);
    EXPECT_EQ(slurp(d.path() / ".gemini/settings.json"), text);
}

TEST(AgentInstall, CopilotWrapsEveryFileOfItsDirectoryAndOnlyBash) {
    Dir d;
    const std::string a = R"({"version": 1, "hooks": {"preToolUse": [{"type": "command", "bash": "./a.sh", "powershell": "./a.ps1", "timeoutSec": 10}]}})";
    const std::string b = R"({"version": 1, "hooks": {"sessionStart": [{"type": "command", "bash": "./b.sh"}]}})";
    spit(d.path() / ".github/hooks/a.json", a);
    spit(d.path() / ".github/hooks/b.json", b);
    Result r = d.install(d.options("copilot"));
    ASSERT_EQ(r.rc, 0) << r.err;
    ojson sa = parse_file(d.path() / ".github/hooks/a.json");
    EXPECT_EQ(sa["hooks"]["preToolUse"][0]["powershell"], "./a.ps1");
    EXPECT_EQ(sa["hooks"]["preToolUse"][0]["timeoutSec"], 10);
    auto wa = parse_wrap(sa["hooks"]["preToolUse"][0]["bash"]);
    ASSERT_TRUE(wa);
    EXPECT_EQ(wa->prefix.hookwarden, kHw);
    EXPECT_EQ(wa->prefix.agent, "copilot");
    EXPECT_TRUE(parse_wrap(parse_file(d.path() / ".github/hooks/b.json")["hooks"]["sessionStart"][0]["bash"]));
    ASSERT_EQ(d.uninstall(d.options("copilot")).rc, 0);
    EXPECT_EQ(slurp(d.path() / ".github/hooks/a.json"), a);
    EXPECT_EQ(slurp(d.path() / ".github/hooks/b.json"), b);
}

TEST(AgentInstall, CursorKeepsItsFailClosedHooksFailClosed) {
    Dir d;
    const std::string text =
        R"({"version": 1, "hooks": {"beforeShellExecution": [{"command": "./g.sh", "timeout": 10, "failClosed": true, "matcher": "rm"}]}})";
    spit(d.path() / ".cursor/hooks.json", text);
    Result r = d.install(d.options("cursor"));
    ASSERT_EQ(r.rc, 0) << r.err;
    ojson h = parse_file(d.path() / ".cursor/hooks.json")["hooks"]["beforeShellExecution"][0];
    EXPECT_EQ(h["failClosed"], true);
    EXPECT_EQ(h["matcher"], "rm");
    auto w = parse_wrap(h["command"]);
    ASSERT_TRUE(w);
    // The user's switch: its exit 1 blocked before and still does (no --exit-0-or-2); a
    // timeout in hookwarden blocks too.
    EXPECT_FALSE(w->prefix.exit_0_or_2);
    bool blocks = w->prefix.on_failure == "block" || d.policy()["hooks"][w->name]["on_failure"] == "block";
    EXPECT_TRUE(blocks) << h.dump();
    ASSERT_EQ(d.uninstall(d.options("cursor")).rc, 0);
    EXPECT_EQ(slurp(d.path() / ".cursor/hooks.json"), text);
}

TEST(AgentInstall, FlatFilesRefuseDispatch) {
    Dir d;
    spit(d.path() / ".cursor/hooks.json", R"({"version": 1, "hooks": {"stop": [{"command": "./s.sh"}]}})");
    Options o = d.options("cursor");
    o.dispatch = true;
    Result r = d.install(o);
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("no matcher groups"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------- behaviour kept (Claude Code)

const char* kClaude = R"({"hooks": {
  "PreToolUse": [{"matcher": "Bash", "hooks": [
    {"type": "command", "command": "./guard.sh"},
    {"type": "command", "args": ["./exec-form.sh", "two words"]},
    {"type": "command", "command": "./mine.sh", "onFailure": "block"},
    {"type": "command", "command": "./audit.sh", "async": true},
    {"type": "http", "url": "http://127.0.0.1:1/h"},
    {"type": "mcp_tool", "server": "s", "tool": "t"}]}],
  "Stop": [{"hooks": [{"type": "command", "command": "./stop.sh"}]}]
}}
)";

const char* kBlockingPolicy =
    R"({"version": 1, "events": {"PreToolUse": {"on_failure": "block"}, "Stop": {"on_failure": "block"}}})";

TEST(ClaudeInstall, FailClosedHooksGetClaudesSwitch) {
    Dir d;
    spit(d.path() / ".claude/settings.json", kClaude);
    spit(d.path() / ".hookwarden/policy.json", kBlockingPolicy);
    Result r = d.install(d.options("claude"));
    ASSERT_EQ(r.rc, 0) << r.err;
    ojson s = parse_file(d.path() / ".claude/settings.json");
    const ojson& pre = s["hooks"]["PreToolUse"][0]["hooks"];
    // The guard: fail-closed by the policy, so Claude Code's own switch is set, and hookwarden
    // answers 0 or 2 only.
    EXPECT_EQ(pre[0]["onFailure"], "block");
    EXPECT_TRUE(parse_wrap(pre[0]["command"])->prefix.exit_0_or_2);
    // The exec form: same, its argv after hookwarden's words.
    EXPECT_EQ(pre[1]["onFailure"], "block");
    auto args = parse_wrapped_args(pre[1]["args"].get<std::vector<std::string>>());
    ASSERT_TRUE(args);
    EXPECT_EQ(args->original, (std::vector<std::string>{"./exec-form.sh", "two words"}));
    EXPECT_TRUE(args->prefix.exit_0_or_2);
    EXPECT_EQ(pre[1]["args"][0], kHw);
    // The user's own switch stays, without --exit-0-or-2 (its exit 1 blocked before).
    EXPECT_EQ(pre[2]["onFailure"], "block");
    EXPECT_FALSE(parse_wrap(pre[2]["command"])->prefix.exit_0_or_2);
    // Async: nobody waits for it, so no switch, and its policy entry says allow.
    EXPECT_FALSE(pre[3].contains("onFailure"));
    EXPECT_EQ(d.policy()["hooks"][parse_wrap(pre[3]["command"])->name]["on_failure"], "allow");
    // http and mcp_tool are left alone, and listed.
    EXPECT_EQ(pre[4]["url"], "http://127.0.0.1:1/h");
    EXPECT_EQ(pre[5]["tool"], "t");
    EXPECT_NE(r.err.find("type \"mcp_tool\" is not a command hook"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("type \"http\" is not a command hook"), std::string::npos) << r.err;
    // Claude Code ignores onFailure on Stop hooks: not set there.
    EXPECT_FALSE(s["hooks"]["Stop"][0]["hooks"][0].contains("onFailure"));
    EXPECT_NE(r.out.find("onFailure: \"block\""), std::string::npos) << r.out;
}

TEST(ClaudeInstall, UninstallTakesTheSwitchOffWithOrWithoutState) {
    for (bool keep_state : {true, false}) {
        Dir d;
        spit(d.path() / ".claude/settings.json", kClaude);
        spit(d.path() / ".hookwarden/policy.json", kBlockingPolicy);
        ASSERT_EQ(d.install(d.options("claude")).rc, 0);
        if (!keep_state) fs::remove(d.path() / ".hookwarden/install-state.json");
        for (const auto& e : fs::directory_iterator(d.path() / ".claude"))
            if (!keep_state && e.path().filename() != "settings.json") fs::remove(e.path());
        Result r = d.uninstall(d.options("claude"));
        ASSERT_EQ(r.rc, 0) << r.err;
        EXPECT_EQ(parse_file(d.path() / ".claude/settings.json"), ojson::parse(kClaude)) << "state kept: " << keep_state;
        if (keep_state) {
            EXPECT_EQ(slurp(d.path() / ".claude/settings.json"), kClaude);
        }
    }
}

TEST(ClaudeInstall, LimitsStartFromClaudesTimeout) {
    Dir d;
    spit(d.path() / ".claude/settings.json", R"({"hooks": {
      "PreToolUse": [{"hooks": [{"type": "command", "command": "./slow-guard.sh"}]}],
      "SessionEnd": [{"hooks": [{"type": "command", "command": "./bye.sh"}]}],
      "Stop": [{"hooks": [{"type": "command", "command": "./stop.sh", "timeout": 0.4}]}]}})");
    ASSERT_EQ(d.install(d.options("claude")).rc, 0);
    ojson pol = d.policy();
    EXPECT_EQ(pol["hooks"]["slow-guard"]["limits"]["timeout_ms"], 599500);  // Claude Code's 600 s default
    EXPECT_EQ(pol["hooks"]["slow-guard"]["budgets"]["p95_ms"], 2000);       // the SLA, reported not killed
    EXPECT_EQ(pol["hooks"]["bye"]["limits"]["timeout_ms"], 1000);           // SessionEnd's 1.5 s budget
    EXPECT_EQ(pol["hooks"]["stop"]["limits"]["timeout_ms"], 200);
    EXPECT_EQ(pol["hooks"]["stop"]["limits"]["kill_grace_ms"], 80);
    EXPECT_EQ(pol["hooks"]["stop"]["budgets"]["p95_ms"], 200);
    // A new policy's per-event SLAs are budgets too.
    EXPECT_EQ(pol["events"]["PreToolUse"], ojson::parse(R"({"budgets": {"p95_ms": 2000}})"));
}

TEST(ClaudeInstall, EnforceSlasMakesThemKills) {
    Dir d;
    spit(d.path() / ".claude/settings.json", R"({"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": "./g.sh"}]}]}})");
    Options o = d.options("claude");
    o.enforce_slas = true;
    o.dry_run = true;
    Result dry = d.install(o);
    EXPECT_NE(dry.out.find("limit 2000 ms (the event's SLA, --enforce-slas"), std::string::npos) << dry.out;
    o.dry_run = false;
    ASSERT_EQ(d.install(o).rc, 0);
    EXPECT_EQ(d.policy()["hooks"]["g"]["limits"]["timeout_ms"], 2000);
    EXPECT_EQ(d.policy()["events"]["PreToolUse"]["limits"]["timeout_ms"], 2000);
}

TEST(ClaudeInstall, HookwardenPathIsCheckedAndAbsolute) {
    Dir d;
    spit(d.path() / ".claude/settings.json", R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "./s.sh"}]}]}})");
    Options o = d.options("claude");
    o.hookwarden_path = "no-such-hookwarden-anywhere";
    Result r = d.install(o);
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("no-such-hookwarden-anywhere: not found in $PATH"), std::string::npos) << r.err;
    o.hookwarden_path = (d.path() / ".claude/settings.json").string();  // exists, not executable
    r = d.install(o);
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("not an executable file"), std::string::npos) << r.err;
    ScopedEnv path("PATH", fs::path(kHw).parent_path().string());
    o.hookwarden_path = "hookwarden";  // found in $PATH, written absolute
    r = d.install(o);
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(parse_wrap(parse_file(d.path() / ".claude/settings.json")["hooks"]["Stop"][0]["hooks"][0]["command"])
                  ->prefix.hookwarden,
              kHw);
}

// An earlier install wrote `hookwarden run ...` by bare name: exit 127 where the agent's
// PATH lacks it. Installing again makes those wrappers call the absolute path.
TEST(ClaudeInstall, BareNameWrappersAreUpgraded) {
    Dir d;
    const std::string original = R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "./s.sh && true"}]}]}})";
    const std::string old = R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "hookwarden run --name s -- sh -c './s.sh && true'"}]}]}})";
    spit(d.path() / ".claude/settings.json", old);
    Result r = d.install(d.options("claude"));
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.out.find("1 of them wrapped before"), std::string::npos) << r.out;
    std::string command = parse_file(d.path() / ".claude/settings.json")["hooks"]["Stop"][0]["hooks"][0]["command"];
    EXPECT_EQ(command, kHw + " run --agent claude --name s -- sh -c './s.sh && true'");
    EXPECT_EQ(d.policy()["hooks"]["s"]["limits"]["timeout_ms"], 599500);
    EXPECT_NE(d.install(d.options("claude")).out.find("nothing to do"), std::string::npos);
    ASSERT_EQ(d.uninstall(d.options("claude")).rc, 0);
    EXPECT_EQ(parse_file(d.path() / ".claude/settings.json"), ojson::parse(original));
}

// ---------------------------------------------------------------- Codex trust

// The canonical identities below are written out by hand and their SHA-256 computed
// independently (Python's hashlib), so these vectors check the JSON canonicalisation
// and the hash, not install against itself.
TEST(CodexTrust, HashOfTheNormalizedIdentity) {
    ojson group = ojson::parse(R"({"matcher": "Bash", "hooks": [{"type": "command", "command": "./g.sh", "timeout": 30}]})");
    EXPECT_EQ(codex::hook_hash("PreToolUse", group, group["hooks"][0]),
              "sha256:1d9d81906a6c7584e49659f45ff051f2e7e2f953a364bb7758f7b3728e966367");
    // Stop has no matcher; the default timeout is 600; statusMessage is hashed; UTF-8 raw.
    ojson stop = ojson::parse(
        R"({"matcher": "ignored", "hooks": [{"type": "command", "command": "café \"x\"", "statusMessage": "m"}]})");
    EXPECT_EQ(codex::hook_hash("Stop", stop, stop["hooks"][0]),
              "sha256:24ddcfbe91368352254839efac2f1912733943f1b8bcd24d2b4aafa2ef40bd38");
    EXPECT_EQ(codex::hook_key("/h/hooks.json", "UserPromptSubmit", 1, 2), "/h/hooks.json:user_prompt_submit:1:2");
}

TEST(CodexTrust, ReadsAndReplacesTheTrustedHash) {
    const std::string text = "model = \"x\"\n\n[hooks.state.\"/a:pre_tool_use:0:0\"]\nenabled = true\ntrusted_hash = "
                             "\"sha256:old\"\n\n[other]\ntrusted_hash = \"not this\"\n";
    EXPECT_EQ(codex::trusted_hash(text, "/a:pre_tool_use:0:0"), "sha256:old");
    EXPECT_FALSE(codex::trusted_hash(text, "/a:stop:0:0"));
    auto next = codex::with_trusted_hash(text, "/a:pre_tool_use:0:0", "sha256:new");
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, "model = \"x\"\n\n[hooks.state.\"/a:pre_tool_use:0:0\"]\nenabled = true\ntrusted_hash = "
                     "\"sha256:new\"\n\n[other]\ntrusted_hash = \"not this\"\n");
}

class CodexProject : public ::testing::Test {
protected:
    void SetUp() override {
        hooks_ = (d_.path() / ".codex/hooks.json").string();
        config_ = (d_.path() / "codex-home/config.toml").string();
        spit(hooks_, kHooks);
        home_.emplace("CODEX_HOME", (d_.path() / "codex-home").string());
    }
    void trust(const std::string& hash) {
        spit(config_, "model = \"m\"\n\n[hooks.state.\"" + hooks_ + ":pre_tool_use:0:0\"]\ntrusted_hash = \"" + hash + "\"\n");
    }
    static constexpr const char* kHooks =
        R"({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./g.sh", "timeout": 30}]}]}})";
    Dir d_;
    std::string hooks_, config_;
    std::optional<ScopedEnv> home_;
};

TEST_F(CodexProject, RewrittenHooksAreTrustedAgainAndUntrustedOnUninstall) {
    trust("sha256:1d9d81906a6c7584e49659f45ff051f2e7e2f953a364bb7758f7b3728e966367");  // Codex's hash of ./g.sh
    const std::string config_before = slurp(config_);
    Result r = d_.install(d_.options("codex"));
    ASSERT_EQ(r.rc, 0) << r.err;
    std::string wrapped = parse_file(hooks_)["hooks"]["PreToolUse"][0]["hooks"][0]["command"];
    std::string identity = R"({"event_name":"pre_tool_use","hooks":[{"async":false,"command":")" + wrapped +
                           R"(","timeout":30,"type":"command"}],"matcher":"Bash"})";
    EXPECT_EQ(codex::trusted_hash(slurp(config_), hooks_ + ":pre_tool_use:0:0"), "sha256:" + hash::sha256_hex(identity));
    EXPECT_NE(r.out.find("wrote Codex trust"), std::string::npos) << r.out;
    ASSERT_EQ(d_.uninstall(d_.options("codex")).rc, 0);
    EXPECT_EQ(slurp(config_), config_before);
    EXPECT_EQ(slurp(hooks_), kHooks);
}

TEST_F(CodexProject, TrustItCannotRecomputeStopsInstall) {
    trust("sha256:written-by-a-codex-that-hashes-differently");
    const std::string config_before = slurp(config_);
    Result r = d_.install(d_.options("codex"));
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("Codex trusts this hook"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--codex-trust-later"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(hooks_), kHooks);
    EXPECT_EQ(slurp(config_), config_before);
    Options later = d_.options("codex");
    later.codex_trust_later = true;
    r = d_.install(later);
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find("open /hooks"), std::string::npos) << r.err;
    EXPECT_EQ(slurp(config_), config_before);
}

TEST_F(CodexProject, UntrustedHooksAreNamed) {
    Result r = d_.install(d_.options("codex"));
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find("Codex does not trust " + hooks_ + ":pre_tool_use:0:0"), std::string::npos) << r.err;
}

// ---------------------------------------------------------------- wrappers and the survey

TEST(Wrap, EveryOptionRoundTrips) {
    RunPrefix p{"/opt/hw bin/hookwarden", "cursor", "/p/policy.json", 9500, "block", true, "g"};
    std::string command = wrap_with(p, "./g.sh 'a b'");
    EXPECT_EQ(command,
              "'/opt/hw bin/hookwarden' run --agent cursor --policy /p/policy.json --timeout 9500 --on-failure block "
              "--exit-0-or-2 --name g -- ./g.sh 'a b'");
    auto back = parse_wrap(command);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->original, "./g.sh 'a b'");
    EXPECT_EQ(back->prefix.timeout_ms, 9500);
    EXPECT_EQ(back->prefix.on_failure, "block");
    EXPECT_TRUE(back->prefix.exit_0_or_2);
    auto args = wrap_args(p, {"./g.sh", "a b"});
    auto args_back = parse_wrapped_args(args);
    ASSERT_TRUE(args_back);
    EXPECT_EQ(args_back->original, (std::vector<std::string>{"./g.sh", "a b"}));
    // Not what install writes: left alone.
    EXPECT_FALSE(parse_wrap("/x/hookwarden run --exit-0-or-2 --agent cursor --name g -- ./g.sh"));
    EXPECT_FALSE(parse_wrapped_args({"/x/hookwarden", "run", "--name", "g", "./g.sh"}));
}

TEST(Survey, FindsEachAgentsFilesAndCountsWrappedHooks) {
    Dir d;
    spit(d.path() / ".claude/settings.json",
         R"({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "hookwarden run --name s -- ./s.sh"}, {"type": "command", "command": "./t.sh"}]}]}})");
    spit(d.path() / ".gemini/settings.json", "{not json");
    ScopedEnv codex("CODEX_HOME", std::nullopt);
    auto files = survey(d.path().string(), (d.path() / "no-home").string());
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].agent, Agent::claude);
    EXPECT_EQ(files[0].commands, 2u);
    EXPECT_EQ(files[0].wrapped, 1u);
    EXPECT_EQ(files[0].unreachable, 1u);  // a bare `hookwarden`: exit 127 where PATH lacks it
    EXPECT_EQ(files[1].agent, Agent::gemini);
    EXPECT_EQ(files[1].problem, "not valid JSON");
    std::ostringstream out;
    print_survey(out, files);
    EXPECT_NE(out.str().find("2 command hooks, 1 wrapped; 1 call hookwarden by a bare name"), std::string::npos)
        << out.str();
}

}  // namespace
