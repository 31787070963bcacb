#include "store/handed_over.h"

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "hookwarden/run_record.h"
#include "store/handoff.h"
#include "store/state_dir.h"
#include "util/fs.h"

namespace hookwarden::store {

namespace {

void log_failure(const std::string& state_dir, const std::string& hook, const std::string& error) {
    std::string line = std::to_string(fs::now_unix_ms()) + " hook '" + hook + "': " + error + "\n";
    const int dir = state_dir_fd(state_dir);
    int fd = dir < 0 ? -1 : ::openat(dir, kGuardianLog, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return;
    fs::write_all(fd, line);
    ::close(fd);
}

}  // namespace

void commit_handed_over(const HandedOverCommit& commit, const std::string& payload) {
    std::string error;
    try {
        RunRecord record = nlohmann::json::parse(payload).get<RunRecord>();
        OpenOptions options;
        options.wait_for_pending = false;  // it would wait for its own marker
        options.retention = commit.retention;
        auto store = Store::open(commit.state_dir, error, options);
        // The alerts in the same transaction, before the marker goes: the hook's next
        // answer then finds the notice of an alert this run started.
        if (store) error += store->complete(record, commit.breaker, commit.admission, fs::now_unix_ms(), &commit.alerts);
        // The answer is out: readers may go on while this process rolls up old runs
        // (bounded batches, at most once an hour or per prune_every runs).
        unmark_pending(pending_marker(commit.state_dir, commit.hook, ::getpid()));
        if (store && error.empty()) error += store->housekeep_if_due(fs::now_unix_ms()).error;
    } catch (const std::exception& e) {
        error += std::string("unreadable handed-over record: ") + e.what();
    }
    unmark_pending(pending_marker(commit.state_dir, commit.hook, ::getpid()));
    if (!error.empty()) log_failure(commit.state_dir, commit.hook, error);
}

}  // namespace hookwarden::store
