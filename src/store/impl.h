// Store::Impl, internal to src/store/. The connection and its schema (connection.cpp),
// the breaker and probe rows (breaker_rows.cpp), the breaker gate (gate.cpp), the record
// rows (record_rows.cpp); the public methods in store.cpp combine them inside one write
// transaction where needed.
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <unistd.h>

#include "alerts/alerts.h"
#include "breaker/breaker.h"
#include "store/sqlite.h"
#include "store/store.h"

namespace hookwarden::store {

inline std::string now_errno(const std::string& what) { return what + ": " + std::strerror(errno); }

struct RecordFilter {
    std::optional<std::int64_t> since_ms;
    std::optional<std::string> hook;
    std::optional<std::string> event;
    std::size_t limit = 0;  // > 0: only the newest `limit`
};

struct Store::Impl {
    sqlite3* db = nullptr;
    std::string dir;
    std::string path;
    OpenOptions options;
    std::unordered_map<const char*, sqlite3_stmt*> cache;
    bool loaded_gated = false;  // whether the breaker load() last read is listed in the gate
    bool gate_written = false;  // by the current write transaction
    bool no_wait = false;
    std::chrono::steady_clock::time_point busy_deadline;
    unsigned jitter_state = static_cast<unsigned>(::getpid());

    ~Impl() { close(); }

    // connection.cpp
    static int on_wal_commit(void* self, sqlite3* db, const char* name, int frames);
    static int on_busy(void* self, int attempt);
    unsigned jitter();
    void close();
    // Statements are prepared on first use: a `run` that only admits never pays for
    // the insert's preparation.
    Stmt cached(const char* sql);
    Stmt prepare(const std::string& sql);
    // Opens the connection and brings the schema up to date. Throws SqlError.
    void connect();
    void prepare_files() const;  // refuses symlinks, creates a new database 0600
    int user_version();
    void migrate();
    // Moves a corrupt database aside and starts a new one; returns what it says about it.
    std::string recover(const std::string& reason);
    void run(const char* sql, const std::string& hook);

    // history.cpp. One batch each, inside the caller's write transaction; each returns how
    // many rows it moved (0: nothing left to do).
    std::int64_t roll_up_runs(std::int64_t now_ms);
    std::int64_t roll_up_hours(std::int64_t now_ms);
    std::int64_t drop_old_days(std::int64_t now_ms);
    std::vector<RunAggregate> select_aggregates(const RecordFilter& filter);
    std::string state(const std::string& key);
    void set_state(const std::string& key, const std::string& value);

    // breaker_rows.cpp. A breaker row is missing, holds a state this version knows, or
    // one it does not (written by a newer version: left alone, its hook runs).
    enum class Row { missing, known, foreign };
    Row load(const std::string& hook, breaker::Breaker& b);
    // `exists`: what load() said inside the same write transaction.
    void save(const std::string& hook, const breaker::Breaker& b, bool exists);
    std::vector<BreakerStatus> breaker_statuses();
    std::vector<std::int64_t> probe_expiries(const std::string& hook);
    std::int64_t insert_probe(const std::string& hook, std::int64_t now_ms, std::int64_t expires_ms);
    void delete_probe(const std::string& hook, std::int64_t probe_id);
    void delete_expired_probes(const std::string& hook, std::int64_t now_ms);
    void delete_probes(const std::string& hook);

    // gate.cpp
    void write_gate();
    // The first store (or one whose gate was removed) writes it, so that later runs
    // can be admitted without the database. Best effort: without a gate, runs simply
    // take the full admission.
    void ensure_gate();
    void forget_gate();

    // alert_rows.cpp
    std::vector<alerts::Sample> samples_since(const std::string& hook, std::int64_t after_ms);
    std::vector<AlertState> load_alerts(const std::optional<std::string>& hook);
    void save_alert(const AlertState& state);
    void delete_alert(const std::string& hook, AlertKind kind);
    // Inside a write transaction: every rule stepped at `at_ms`; those that started firing.
    std::vector<AlertState> step_alerts(const std::string& hook, const AlertRules& rules, std::int64_t at_ms);
    // After the commit: their notices (store/alert_notice.h). Returns "" or an error text.
    std::string post_notices(const std::vector<AlertState>& started);

    // record_rows.cpp. Returns the new row's id.
    std::int64_t insert_record(const RunRecord& r);
    std::vector<RunRecord> select_records(const RecordFilter& filter);
    // Up to `limit` rows with id > after_id, by id, with their ids.
    std::vector<std::pair<std::int64_t, RunRecord>> select_after(std::int64_t after_id, std::int64_t limit);
    // Up to `limit` rows that retention removes: id <= max_id, or else time_ms < before_ms.
    std::vector<std::pair<std::int64_t, RunRecord>> select_expired(std::int64_t max_id, std::int64_t before_ms,
                                                                   std::int64_t limit);
    void delete_record(std::int64_t id);
};

// BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and
// then writes can fail with SQLITE_BUSY_SNAPSHOT instead of waiting on the busy timeout.
// Rolled back unless committed, and then a breaker gate written inside it is removed.
class WriteTx {
public:
    explicit WriteTx(Store::Impl& impl);
    ~WriteTx();
    WriteTx(const WriteTx&) = delete;
    WriteTx& operator=(const WriteTx&) = delete;
    void commit();

private:
    Store::Impl& impl_;
    bool done_ = false;
};

}  // namespace hookwarden::store
