// The run store and the circuit breakers (README.md, "Breakers and records"): one SQLite
// database shared by every concurrent `hookwarden run` process. Every hook invocation
// opens it, so `open` is kept cheap, and no method throws: a store that fails must never
// stop a hook from running or the agent from getting its answer. Failures come back as
// error texts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hookwarden/alert_types.h"
#include "hookwarden/breaker_state.h"
#include "hookwarden/policy_types.h"
#include "hookwarden/run_aggregate.h"
#include "hookwarden/run_record.h"

namespace hookwarden::store {

// $HOOKWARDEN_STATE_DIR, else $XDG_STATE_HOME/hookwarden, else ~/.local/state/hookwarden.
std::string default_state_dir();
// Why `dir` must not be used, or "" (also when it does not exist yet: it is then made
// 0700). It holds the records, breakers and markers every run trusts, so it must be the
// caller's own and writable by nobody else (group or others only with the sticky bit).
std::string refuse_state_dir(const std::string& dir);

inline constexpr const char* kDatabaseName = "hookwarden.db";

struct Admission {
    bool run = true;
    // nullopt when the store failed, was not consulted (the breaker gate admitted), or
    // holds a state this version does not know (the hook then runs).
    std::optional<BreakerState> state_before;
    bool probe = false;
    std::int64_t probe_id = 0;
    std::int64_t retry_after_ms = 0;  // when run == false: how long until a run may be admitted
    // Set when the store could not be consulted: then run == true (the breaker fails
    // open, the hook's own limits still apply) and the caller reports this on stderr.
    std::string error;
};

struct BreakerStatus {
    std::string hook;
    // As stored (nullopt: a state this version does not know); an `open` past
    // open_until_ms becomes half_open on the next admit.
    std::optional<BreakerState> state;
    std::int64_t since_ms = 0;
    std::int64_t open_until_ms = 0;
    std::int64_t consecutive_failures = 0;
    std::int64_t open_count = 0;  // consecutive trips without a close (drives the doubling)
    std::int64_t trips = 0;       // every transition to open, ever (not reset by close)
    std::int64_t runs = 0;        // records stored for this hook since the breaker row was created
    std::int64_t failures = 0;    // of those, failures
    std::int64_t active_probes = 0;
    std::int64_t window_calls = 0;
    double window_failure_rate = 0;
    double window_slow_rate = 0;
};

// One rule's remembered state for one hook (alerts::Tracked, as the store keeps it).
struct AlertState {
    std::string hook;
    AlertKind kind = AlertKind::timeout;
    std::int64_t active_since_ms = 0;
    bool firing = false;  // else pending: the condition holds, not yet for `for`
    std::string why;      // the condition when it was last stepped
};

// How much history is kept (docs/records.md "History"): detailed runs for max_age_ms (and
// at most max_records of them), then hourly aggregates until hourly_max_age_ms, then daily
// ones until daily_max_age_ms. A run leaves the detailed table only by being rolled up, so
// the runs table plus the aggregates always account for every run still in range.
struct Retention {
    std::int64_t max_age_ms = 30LL * 24 * 3600 * 1000;
    std::int64_t max_records = 100000;
    std::int64_t hourly_max_age_ms = 90LL * 24 * 3600 * 1000;
    std::int64_t daily_max_age_ms = 365LL * 24 * 3600 * 1000;
    // Housekeeping (roll-up and pruning) is due once every this many inserts (by rowid)
    // or once an hour, whichever comes first; it never runs inside `complete`.
    std::int64_t prune_every = 256;
    std::int64_t prune_interval_ms = 3600LL * 1000;
    // Rows rolled up per write transaction: the write lock is held for one batch only, so
    // a concurrent run's commit waits at most that long.
    std::int64_t batch = 2000;
};

// The policy's `history` in store terms.
Retention retention_of(const HistoryConfig& history);

// What one round of housekeeping did.
struct Housekeeping {
    bool ran = false;                   // false: not due, or another process holds it
    std::int64_t runs_rolled_up = 0;    // detailed rows moved into hourly aggregates
    std::int64_t hours_rolled_up = 0;   // hourly rows moved into daily ones
    std::int64_t days_dropped = 0;      // daily rows older than the history
    bool finished = true;               // false: stopped at the time bound, the rest is left for next time
    std::string error;
};

struct OpenOptions {
    // How long a writer waits for the lock. Generous: when many hooks finish at once on
    // a loaded machine, a lost record is worse than a slower answer.
    int busy_timeout_ms = 5000;
    Retention retention;
    // Wait first (up to 2 s) for records that guardians are still committing
    // (store/handoff.h), so that what is read includes every run that has answered.
    // Off for the run path, which waits for its own hook only, and for the guardian's
    // commit, which would wait for itself.
    bool wait_for_pending = true;
};

class Store {
public:
    // Creates `dir` (0700) when missing. A corrupt database is moved aside to
    // hookwarden.db.corrupt-<unixtime> and recreated; `error` then says so even though a
    // store is returned. nullptr (with `error`) when no usable store can be had.
    static std::unique_ptr<Store> open(const std::string& dir, std::string& error,
                                       const OpenOptions& options = {});

    ~Store();
    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // `probe_ttl_ms`: how long a granted half-open probe holds its slot without reporting
    // back (pass timeout + kill grace + a margin); after that its supervisor is presumed dead.
    Admission admit(const std::string& hook, const BreakerConfig& config, std::int64_t now_ms,
                    std::int64_t probe_ttl_ms);

    // Stores the record and applies it to the breaker in one transaction; sets
    // record.breaker_before / breaker_after. With `alerts`, the hook's alert rules are
    // stepped in the same transaction (as track_alerts does). Returns "" or an error text.
    std::string complete(RunRecord& record, const BreakerConfig& config, const Admission& admission,
                         std::int64_t now_ms, const AlertRules* alerts = nullptr);

    // action: reset (forget the breaker) | close | open (forced open until reset/close) |
    // disable (always runs, never trips). Returns "" or an error text.
    std::string set_breaker(const std::string& hook, const std::string& action, std::int64_t now_ms);

    std::vector<BreakerStatus> breakers(std::string* error = nullptr);
    // Oldest first. limit > 0: only the newest `limit` matching records.
    std::vector<RunRecord> records(std::optional<std::int64_t> since_ms = std::nullopt,
                                   std::optional<std::string> hook = std::nullopt,
                                   std::optional<std::string> event = std::nullopt, std::size_t limit = 0,
                                   std::string* error = nullptr);
    std::size_t record_count(std::string* error = nullptr);

    // After a run of `hook` was recorded: each enabled rule's condition over the hook's
    // runs in its window at `at_ms`, stepped from the remembered state (alerts::step).
    // Returns the alerts that started firing; for each, a notice is posted for the
    // hook's next answer (store/alert_notice.h). Reads only the windows' rows.
    std::vector<AlertState> track_alerts(const std::string& hook, const AlertRules& rules, std::int64_t at_ms,
                                         std::string* error = nullptr);
    // Every pending or firing alert the store remembers, by hook.
    std::vector<AlertState> alert_states(std::string* error = nullptr);

    // The notifications `alerts --notify` sent (docs/observability.md): one row per firing
    // alert told, with the error of the attempt ("" = delivered); forgotten once it stops
    // firing, so that the next firing is told again.
    struct Notified {
        std::string hook;
        AlertKind kind = AlertKind::timeout;
        std::int64_t notified_ms = 0;
        std::string error;
    };
    std::vector<Notified> notified(std::string* error = nullptr);
    std::string set_notified(const Notified& row);
    std::string forget_notified(const std::string& hook, AlertKind kind);

    // Applies the retention bounds now, to completion (`hookwarden prune`).
    std::string prune(std::int64_t now_ms);
    // Applies them when due (see Retention), within about `budget_ms`; called after a
    // commit that has already answered (the guardian), never on a hook's answer path.
    Housekeeping housekeep_if_due(std::int64_t now_ms, std::int64_t budget_ms = 500);

    // Aggregates starting at or after since_ms (hour and day rows; a run is in exactly
    // one of records() and aggregates()), ordered by start.
    std::vector<RunAggregate> aggregates(std::optional<std::int64_t> since_ms = std::nullopt,
                                         std::optional<std::string> hook = std::nullopt,
                                         std::optional<std::string> event = std::nullopt,
                                         std::string* error = nullptr);

    // Housekeeping state, by key (the OTLP exporter's cursor and outcome): "" when unset.
    std::string state(const std::string& key, std::string* error = nullptr);
    std::string set_state(const std::string& key, const std::string& value);
    // Sets `key` to `value` only when its current value (as an integer, unset = 0) is
    // <= `at_most`: how concurrent guardians agree that one of them does a periodic job.
    // True when this caller won.
    bool claim_state(const std::string& key, std::int64_t at_most, std::int64_t value, std::string* error = nullptr);
    // Records with id > after_id, oldest first, at most `limit`, each with its id.
    std::vector<std::pair<std::int64_t, RunRecord>> records_after(std::int64_t after_id, std::size_t limit,
                                                                  std::string* error = nullptr);

    const std::string& path() const;

    struct Impl;

private:
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace hookwarden::store
