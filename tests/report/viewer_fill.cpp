// Fills a run store with synthetic but realistic runs for the HTML viewer's performance
// test (tests/report/viewer_chromium.sh): each record goes through the real store code
// (Store::complete, the path every `hookwarden run` takes), only the hooks are not run,
// since running the binary 100 000 times would take CI minutes.
//
// Usage: viewer_fill STATE_DIR RUNS [DAYS]
//   RUNS records over the last DAYS days (default 14), in sessions of about 40 runs, from
//   eight hooks; latency grows over the days for one of them, some runs fail, time out
//   or are answered by a degradation.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "store/store.h"
#include "util/fs.h"

using namespace hookwarden;

namespace {

const char* const kHooks[] = {"guard-bash", "format-on-save", "lint-python", "notify-desktop",
                              "secret-scan", "test-on-stop", "context-loader", "audit-log"};
const char* const kEvents[] = {"PreToolUse", "PostToolUse", "PostToolUse", "Notification",
                               "PreToolUse", "Stop", "SessionStart", "PreToolUse"};

RunRecord synthetic(std::int64_t n, std::int64_t total, std::int64_t first_ms, std::int64_t span_ms) {
    const int h = static_cast<int>((n * 7 + n / 3) % 8);
    const double progress = static_cast<double>(n) / static_cast<double>(total);
    RunRecord r;
    r.time_unix_ms = first_ms + static_cast<std::int64_t>(progress * static_cast<double>(span_ms));
    r.hook = kHooks[h];
    r.event = kEvents[h];
    r.matcher_target = h % 2 ? "Edit" : "Bash";
    r.session_id = "session-" + std::to_string(n / 40);
    r.command = {"/usr/local/bin/" + r.hook, "--file", "src/module_" + std::to_string(n % 97) + ".py"};
    // format-on-save gets slower as the days go by: the trend the viewer must show.
    r.wall_ms = 5 + (n * 37 % 100) * 0.6 + (h == 1 ? 400 * progress : 0) + h * 3;
    r.outcome = n % 53 == 0 ? Outcome::error : n % 211 == 0 ? Outcome::timeout : Outcome::ok;
    if (r.outcome == Outcome::error) r.errors = {"hook exited with status 1"};
    r.answer = is_own_answer(r.outcome) ? Answer::own : Answer::allow;
    if (r.outcome == Outcome::ok) r.exit_code = 0;
    else if (r.outcome == Outcome::error) r.exit_code = 1;
    r.cpu_user_ms = r.wall_ms * 0.6;
    r.cpu_sys_ms = r.wall_ms * 0.1;
    r.peak_memory_bytes = (4 + (n * 13 % 40)) * 1024LL * 1024;
    r.peak_memory_source = "cgroup-v1:memory.max_usage_in_bytes";
    r.backend = "cgroup-v1";
    r.overhead_ms = 1.2;
    r.stdout_bytes = n % 500;
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s STATE_DIR RUNS [DAYS]\n", argv[0]);
        return 2;
    }
    const std::int64_t total = std::atoll(argv[2]);
    const std::int64_t days = argc > 3 ? std::atoll(argv[3]) : 14;
    store::OpenOptions options;
    options.retention.max_records = total + 1;  // keep every record the test asked for
    options.wait_for_pending = false;
    std::string error;
    auto s = store::Store::open(argv[1], error, options);
    if (!s) {
        std::fprintf(stderr, "viewer_fill: %s: %s\n", argv[1], error.c_str());
        return 1;
    }
    const std::int64_t now = fs::now_unix_ms(), span = days * 86'400'000;
    BreakerConfig breaker;
    breaker.consecutive_failures = 1'000'000;  // the synthetic failures must not open breakers
    breaker.failure_rate = 1.1;
    breaker.slow_call_rate = 1.1;
    store::Admission admitted;
    admitted.state_before = BreakerState::closed;
    for (std::int64_t n = 0; n < total; ++n) {
        RunRecord r = synthetic(n, total, now - span, span - 60'000);
        if (std::string e = s->complete(r, breaker, admitted, r.time_unix_ms); !e.empty()) {
            std::fprintf(stderr, "viewer_fill: record %lld: %s\n", static_cast<long long>(n), e.c_str());
            return 1;
        }
    }
    return 0;
}
