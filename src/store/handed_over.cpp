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

constexpr int kGuardianBusyMs = 60'000;

void log_failure(const std::string& state_dir, const std::string& hook, const std::string& error) {
    std::string line = std::to_string(fs::now_unix_ms()) + " hook '" + hook + "': " + error + "\n";
    const int dir = state_dir_fd(state_dir);
    int fd = dir < 0 ? -1 : ::openat(dir, kGuardianLog, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return;
    fs::write_all(fd, line);
    ::close(fd);
}

using nlohmann::json;

json breaker_json(const BreakerConfig& b) {
    return {b.consecutive_failures, b.failure_rate, b.window, b.min_calls, b.slow_call_ms, b.slow_call_rate,
            b.open_ms, b.max_open_ms, b.half_open_probes};
}

BreakerConfig breaker_of(const json& j) {
    return {j.at(0).get<std::int64_t>(), j.at(1).get<double>(), j.at(2).get<std::int64_t>(),
            j.at(3).get<std::int64_t>(), j.at(4).get<std::int64_t>(), j.at(5).get<double>(),
            j.at(6).get<std::int64_t>(), j.at(7).get<std::int64_t>(), j.at(8).get<std::int64_t>()};
}

json admission_json(const Admission& a) {
    return {a.run, breaker_state_text(a.state_before), a.probe, a.probe_id, a.retry_after_ms, a.error};
}

Admission admission_of(const json& j) {
    return {j.at(0).get<bool>(), breaker_state_from_string(j.at(1).get<std::string>()), j.at(2).get<bool>(),
            j.at(3).get<std::int64_t>(), j.at(4).get<std::int64_t>(), j.at(5).get<std::string>()};
}

json retention_json(const Retention& r) {
    return {r.max_age_ms, r.max_records, r.hourly_max_age_ms, r.daily_max_age_ms, r.prune_every, r.prune_interval_ms, r.batch};
}

Retention retention_of_json(const json& j) {
    return {j.at(0).get<std::int64_t>(), j.at(1).get<std::int64_t>(), j.at(2).get<std::int64_t>(),
            j.at(3).get<std::int64_t>(), j.at(4).get<std::int64_t>(), j.at(5).get<std::int64_t>(),
            j.at(6).get<std::int64_t>()};
}

json alerts_json(const AlertRules& rules) {
    json out = json::array();
    for (const auto& r : rules)
        out.push_back({static_cast<int>(r.kind), r.enabled, r.threshold, r.window_ms, r.for_ms, r.notify.command,
                       r.notify.webhook});
    return out;
}

AlertRules alerts_of(const json& j) {
    AlertRules rules = builtin_alerts();
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const json& r = j.at(i);
        rules[i] = {static_cast<AlertKind>(r.at(0).get<int>()), r.at(1).get<bool>(), r.at(2).get<double>(),
                    r.at(3).get<std::int64_t>(), r.at(4).get<std::int64_t>(),
                    {r.at(5).get<std::vector<std::string>>(), r.at(6).get<std::string>()}};
    }
    return rules;
}

}  // namespace

std::string encode_commit(const HandedOverCommit& c) {
    json otlp = nullptr;
    if (c.otlp)
        otlp = {c.otlp->endpoint, c.otlp->headers, c.otlp->interval_ms, c.otlp->timeout_ms, c.otlp->service_name};
    json all = {c.state_dir, c.hook, breaker_json(c.breaker), admission_json(c.admission), retention_json(c.retention),
                otlp, alerts_json(c.alerts)};
    return all.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<HandedOverCommit> decode_commit(const std::string& text) {
    try {
        const json all = json::parse(text);
        HandedOverCommit c{all.at(0).get<std::string>(), all.at(1).get<std::string>(), breaker_of(all.at(2)),
                           admission_of(all.at(3)), retention_of_json(all.at(4)), std::nullopt, alerts_of(all.at(6))};
        if (const json& o = all.at(5); !o.is_null())
            c.otlp = OtlpConfig{o.at(0).get<std::string>(), o.at(1).get<std::map<std::string, std::string>>(),
                                o.at(2).get<std::int64_t>(), o.at(3).get<std::int64_t>(), o.at(4).get<std::string>()};
        return c;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void commit_handed_over(const HandedOverCommit& commit, const std::string& payload) {
    if (payload.empty()) {
        // Told the tree was reaped, then nothing: the supervisor died before the record.
        unmark_pending(pending_marker(commit.state_dir, commit.hook, ::getpid()));
        log_failure(commit.state_dir, commit.hook,
                    "its supervisor died after the hook's tree was reaped, before handing over the record: "
                    "the record of this run is lost");
        return;
    }
    std::string error;
    try {
        RunRecord record = nlohmann::json::parse(payload).get<RunRecord>();
        OpenOptions options;
        options.wait_for_pending = false;  // it would wait for its own marker
        // The answer is out, so nobody waits for this commit but the next run of the
        // same hook (at most 2 s, store/handoff.h): a lock held longer (a writer stopped
        // inside its transaction) delays the record rather than losing it.
        options.busy_timeout_ms = kGuardianBusyMs;
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
