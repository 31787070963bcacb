#include "telemetry/exporter.h"

#include <chrono>
#include <cstdlib>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "store/handoff.h"
#include "store/state_dir.h"
#include "store/store.h"
#include "telemetry/http_post.h"
#include "util/fs.h"

namespace hookwarden::telemetry {

namespace {

constexpr std::size_t kBatch = 500;         // runs per request
constexpr std::size_t kBatchesPerRound = 8;  // a round sends at most this many batches

std::string post_one(const Endpoint& endpoint, const OtlpConfig& config, const std::string& path,
                     const std::string& body) {
    auto headers = config.headers;
    HttpResult r = post(endpoint, path, "application/json", body, headers, config.timeout_ms);
    if (!r.error.empty()) return "POST " + config.endpoint + path + ": " + r.error;
    if (r.status < 200 || r.status > 299)
        return "POST " + config.endpoint + path + ": HTTP " + std::to_string(r.status) +
               (r.body.empty() ? "" : " " + r.body.substr(0, 200));
    return "";
}

void log_line(const std::string& state_dir, const std::string& text) {
    std::string line = std::to_string(fs::now_unix_ms()) + " otlp: " + text + "\n";
    // Never through a link planted at its name, relative to the verified state directory.
    const int dir = store::state_dir_fd(state_dir);
    int fd = dir < 0 ? -1 : ::openat(dir, store::kOtlpLog, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return;
    fs::write_all(fd, line);
    ::close(fd);
}

std::string status_text(bool ok, std::int64_t now_ms, const std::string& endpoint, std::int64_t cursor,
                        std::int64_t sent, const std::string& error) {
    return nlohmann::json{{"ok", ok}, {"time_ms", now_ms}, {"endpoint", endpoint}, {"cursor", cursor},
                          {"sent", sent}, {"error", error}}
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Sends what follows the cursor; returns the new cursor (advanced past accepted batches).
// A round starts no new batch after about two request timeouts, so a slow collector keeps
// a guardian alive for a bounded time.
std::int64_t send_after_cursor(store::Store& s, const OtlpConfig& config, std::int64_t cursor, Sent& sent) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2 * config.timeout_ms);
    for (std::size_t round = 0; round < kBatchesPerRound && std::chrono::steady_clock::now() < deadline; ++round) {
        std::string error;
        auto runs = s.records_after(cursor, kBatch, &error);
        if (!error.empty()) {
            sent.error = error;
            return cursor;
        }
        if (runs.empty()) return cursor;
        Sent batch = send_runs(config, runs);
        if (!batch.error.empty()) {
            sent.error = batch.error;
            return cursor;
        }
        sent.runs += batch.runs;
        cursor = runs.back().first;
        if (std::string e = s.set_state(kCursorKey, std::to_string(cursor)); !e.empty()) {
            sent.error = e;
            return cursor;
        }
        if (runs.size() < kBatch) return cursor;
    }
    return cursor;
}

}  // namespace

Sent send_runs(const OtlpConfig& config, const std::vector<IdentifiedRun>& runs) {
    Sent sent;
    Endpoint endpoint;
    if (sent.error = parse_endpoint(config.endpoint, endpoint); !sent.error.empty()) return sent;
    for (std::size_t at = 0; at < runs.size(); at += kBatch) {
        std::vector<IdentifiedRun> batch(runs.begin() + static_cast<std::ptrdiff_t>(at),
                                         runs.begin() + static_cast<std::ptrdiff_t>(std::min(runs.size(), at + kBatch)));
        if (sent.error = post_one(endpoint, config, "/v1/traces", encode_traces(batch, config.service_name));
            !sent.error.empty())
            return sent;
        if (sent.error = post_one(endpoint, config, "/v1/metrics", encode_metrics(batch, config.service_name));
            !sent.error.empty())
            return sent;
        sent.runs += static_cast<std::int64_t>(batch.size());
    }
    return sent;
}

void export_if_due(const std::string& state_dir, const OtlpConfig& config, std::int64_t now_ms) {
    store::OpenOptions options;
    options.wait_for_pending = false;  // the guardian's own marker is gone; others' runs go next round
    std::string error;
    auto s = store::Store::open(state_dir, error, options);
    if (!s) {
        log_line(state_dir, error);
        return;
    }
    std::string claim_error;
    if (!s->claim_state(kNextKey, now_ms, now_ms + config.interval_ms, &claim_error)) {
        if (!claim_error.empty()) log_line(state_dir, claim_error);
        return;
    }
    const std::string cursor_text = s->state(kCursorKey);
    const std::int64_t cursor_start = std::strtoll(cursor_text.c_str(), nullptr, 10);
    std::int64_t cursor = cursor_start > 0 ? cursor_start : 0;
    Sent sent;
    cursor = send_after_cursor(*s, config, cursor, sent);
    if (!sent.error.empty()) log_line(state_dir, sent.error + " (the records after id " + std::to_string(cursor) +
                                                     " are sent again next round)");
    s->set_state(kStatusKey, status_text(sent.error.empty(), now_ms, config.endpoint, cursor, sent.runs, sent.error));
}

}  // namespace hookwarden::telemetry
