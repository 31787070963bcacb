#include "store/store.h"

#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>
#include <utility>

#include <sys/stat.h>
#include <unistd.h>

#include "breaker/breaker.h"
#include "store/handoff.h"
#include "store/state_dir.h"
#include "store/impl.h"
#include "util/fs.h"
#include "util/paths.h"

namespace hookwarden::store {

namespace {

using Row = Store::Impl::Row;

// mkdir -p with 0700 for what it creates; existing directories keep their mode.
std::string make_dirs(const std::string& dir) {
    if (dir.empty()) return "empty state directory path";
    std::string partial;
    std::size_t pos = 0;
    while (pos != std::string::npos) {
        std::size_t next = dir.find('/', pos + 1);
        partial = dir.substr(0, next);
        pos = next;
        if (partial.empty() || partial == "/") continue;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
            return now_errno("cannot create state directory '" + partial + "'");
    }
    return refuse_state_dir(dir);
}

// Admission decisions that need no write lock, from the row as loaded. nullopt: the
// breaker is half-open or due to be, which takes a probe slot.
std::optional<Admission> admit_from_row(Row row, const breaker::Breaker& b, std::int64_t now_ms) {
    Admission a;
    // A state written by a newer version: let the hook run, its limits still apply.
    if (row == Row::foreign) return a;
    a.state_before = b.state;  // a missing row is a fresh, closed breaker
    auto verdict = breaker::admit_without_probe(b, now_ms);
    if (!verdict) return std::nullopt;
    a.run = verdict->run;
    a.retry_after_ms = verdict->retry_after_ms;
    return a;
}

// The full admission, in a write transaction: the decision is re-taken under the lock,
// and a half-open breaker's probe slots are counted and granted atomically.
Admission admit_locked(Store::Impl& impl, const std::string& hook, const BreakerConfig& config,
                       std::int64_t now_ms, std::int64_t probe_ttl_ms) {
    WriteTx tx(impl);
    breaker::Breaker b;
    Row row = impl.load(hook, b);
    if (auto decided = admit_from_row(row, b, now_ms)) {
        tx.commit();
        return *decided;
    }
    std::vector<std::int64_t> slots;
    if (breaker::enter_half_open(b, now_ms)) {
        impl.delete_probes(hook);
        impl.save(hook, b, true);
    } else {
        impl.delete_expired_probes(hook, now_ms);
        slots = impl.probe_expiries(hook);
    }
    breaker::Verdict verdict = breaker::admit_probe(config, slots, now_ms, probe_ttl_ms);
    Admission a;
    a.state_before = BreakerState::half_open;
    a.run = verdict.run;
    a.probe = verdict.probe;
    a.retry_after_ms = verdict.retry_after_ms;
    if (verdict.probe) a.probe_id = impl.insert_probe(hook, now_ms, verdict.probe_expires_ms);
    tx.commit();
    return a;
}

// Applies a finished run to its breaker row (inside the caller's write transaction) and
// sets the record's breaker_before / breaker_after.
void apply_run(Store::Impl& impl, RunRecord& r, const BreakerConfig& config, const Admission& admission,
               std::int64_t now_ms) {
    breaker::Breaker b = breaker::fresh(now_ms);
    Row row = impl.load(r.hook, b);
    std::optional<BreakerState> loaded;
    if (row != Row::foreign) loaded = b.state;
    r.breaker_before = admission.state_before ? admission.state_before : loaded;
    if (admission.probe) impl.delete_probe(r.hook, admission.probe_id);
    if (row == Row::foreign) {
        // Not this version's to change: the record is kept, the row left as it is.
        r.breaker_after = std::nullopt;
        return;
    }
    if (breaker::apply(b, config, {r.outcome, r.wall_ms, admission.probe}, now_ms)) impl.delete_probes(r.hook);
    r.breaker_after = b.state;
    impl.save(r.hook, b, row == Row::known);
}

}  // namespace

Retention retention_of(const HistoryConfig& history) {
    constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
    Retention r;
    r.max_age_ms = history.detailed_days * day_ms;
    r.max_records = history.max_records;
    r.hourly_max_age_ms = history.hourly_days * day_ms;
    r.daily_max_age_ms = history.daily_days * day_ms;
    return r;
}

std::string default_state_dir() {
    if (const char* dir = std::getenv("HOOKWARDEN_STATE_DIR"); dir && *dir) return dir;
    // Without a home directory there is no per-user place: /tmp keeps hooks running.
    const std::string state = paths::state_home();
    return (state.empty() ? std::string("/tmp/.local/state") : state) + "/hookwarden";
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

const std::string& Store::path() const { return impl_->path; }

std::string refuse_state_dir(const std::string& dir) { return verify_state_dir(dir); }

std::unique_ptr<Store> Store::open(const std::string& dir, std::string& error, const OpenOptions& options) {
    error.clear();
    try {
        if (std::string e = make_dirs(dir); !e.empty()) {
            error = "store: " + e;
            return nullptr;
        }
        if (options.wait_for_pending && !wait_pending(dir, "", std::chrono::seconds(2)))
            error = "store: records of runs that already answered are still being committed after 2 s";
        // Memory statistics cost a mutex and bookkeeping on every allocation, and parsing
        // the schema alone allocates thousands of times; nothing here reads them. Only
        // possible before SQLite initialises (later it answers SQLITE_MISUSE, harmlessly).
        static const int memstatus_off [[maybe_unused]] = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        auto impl = std::make_unique<Impl>();
        impl->dir = dir;
        impl->path = dir + "/" + kDatabaseName;
        impl->options = options;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
        for (;;) {
            try {
                impl->connect();
                break;
            } catch (const SqlError& e) {
                if (is_corruption(e.rc)) {
                    error = impl->recover(e.what());
                    break;
                }
                // While concurrent first runs create the database and switch it to WAL,
                // some steps answer SQLITE_BUSY without consulting the busy handler.
                int primary = e.rc & 0xff;
                if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) ||
                    std::chrono::steady_clock::now() >= deadline)
                    throw;
                std::this_thread::sleep_for(std::chrono::microseconds(500 + (impl->jitter() % 1500)));
            }
        }
        impl->ensure_gate();
        return std::unique_ptr<Store>(new Store(std::move(impl)));
    } catch (const std::exception& e) {
        error = std::string("store: ") + e.what();
    } catch (...) {
        error = "store: unknown error while opening";
    }
    return nullptr;
}

Admission Store::admit(const std::string& hook, const BreakerConfig& config, std::int64_t now_ms,
                       std::int64_t probe_ttl_ms) {
    Admission a;
    std::string error = guarded("breaker check for '" + hook + "'", impl_->path, [&] {
        breaker::Breaker b;
        // The common case (closed) is decided from a plain read: no write lock, so
        // concurrent hooks do not queue behind each other just to be told "run".
        if (auto decided = admit_from_row(impl_->load(hook, b), b, now_ms))
            a = *decided;
        else
            a = admit_locked(*impl_, hook, config, now_ms, probe_ttl_ms);
    });
    if (!error.empty()) {
        a = Admission{};
        a.error = std::move(error);
    }
    return a;
}

std::string Store::complete(RunRecord& r, const BreakerConfig& config, const Admission& admission,
                            std::int64_t now_ms, const AlertRules* alerts) {
    std::vector<AlertState> started;
    std::string error = guarded("recording the run of '" + r.hook + "'", impl_->path, [&] {
        WriteTx tx(*impl_);
        apply_run(*impl_, r, config, admission, now_ms);
        impl_->insert_record(r);
        // The run's own time: the windows end at the run, whenever it is committed.
        if (alerts) started = impl_->step_alerts(r.hook, *alerts, r.time_unix_ms);
        tx.commit();
    });
    if (error.empty()) error = impl_->post_notices(started);
    return error;
}

std::string Store::set_breaker(const std::string& hook, const std::string& action_name, std::int64_t now_ms) {
    if (hook.empty()) return "breaker: a hook name is required";
    auto action = breaker::action_from_string(action_name);
    if (!action) return "breaker: unknown action '" + action_name + "' (expected reset, open, close or disable)";
    return guarded("breaker " + action_name + " '" + hook + "'", impl_->path, [&] {
        WriteTx tx(*impl_);
        breaker::Breaker b = breaker::fresh(now_ms);
        Row row = impl_->load(hook, b);
        breaker::apply(b, *action, now_ms);
        impl_->delete_probes(hook);
        impl_->save(hook, b, row != Row::missing);
        tx.commit();
    });
}

std::vector<BreakerStatus> Store::breakers(std::string* error) {
    return guarded_read<std::vector<BreakerStatus>>("reading breakers", impl_->path, error,
                                                    [&] { return impl_->breaker_statuses(); });
}

std::vector<RunRecord> Store::records(std::optional<std::int64_t> since_ms, std::optional<std::string> hook,
                                      std::optional<std::string> event, std::size_t limit, std::string* error) {
    RecordFilter filter{since_ms, std::move(hook), std::move(event), limit};
    return guarded_read<std::vector<RunRecord>>("reading records", impl_->path, error,
                                                [&] { return impl_->select_records(filter); });
}

std::size_t Store::record_count(std::string* error) {
    return guarded_read<std::size_t>("counting records", impl_->path, error, [&] {
        Stmt s = impl_->prepare("SELECT count(*) FROM runs");
        return s.step() ? static_cast<std::size_t>(s.i64(0)) : std::size_t{0};
    });
}

namespace {

constexpr const char* kPrunedAtKey = "pruned_at_ms";
constexpr const char* kPrunedIdKey = "pruned_at_id";

std::int64_t as_int(const std::string& text) {
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    return end && *end == '\0' ? static_cast<std::int64_t>(v) : 0;
}

std::int64_t max_record_id(Store::Impl& impl) {
    Stmt s = impl.cached("SELECT max(id) FROM runs");
    return s.step() ? s.i64(0) : 0;
}

// Batches, each its own short write transaction, until nothing is left or the deadline
// passed (then `finished` is false and the next round goes on).
void run_batches(Store::Impl& impl, std::int64_t now_ms, std::chrono::steady_clock::time_point deadline,
                 Housekeeping& done) {
    using Step = std::int64_t (Store::Impl::*)(std::int64_t);
    const std::pair<Step, std::int64_t Housekeeping::*> steps[] = {
        {&Store::Impl::roll_up_runs, &Housekeeping::runs_rolled_up},
        {&Store::Impl::roll_up_hours, &Housekeeping::hours_rolled_up},
        {&Store::Impl::drop_old_days, &Housekeeping::days_dropped}};
    for (const auto& [step, counter] : steps) {
        for (;;) {
            if (std::chrono::steady_clock::now() >= deadline) {
                done.finished = false;
                return;
            }
            WriteTx tx(impl);
            std::int64_t moved = (impl.*step)(now_ms);
            tx.commit();
            done.*counter += moved;
            if (moved < impl.options.retention.batch || step == &Store::Impl::drop_old_days) break;
        }
    }
}

}  // namespace

std::string Store::prune(std::int64_t now_ms) {
    return guarded("pruning records", impl_->path, [&] {
        Housekeeping done;
        run_batches(*impl_, now_ms, std::chrono::steady_clock::time_point::max(), done);
        WriteTx tx(*impl_);
        impl_->set_state(kPrunedAtKey, std::to_string(now_ms));
        impl_->set_state(kPrunedIdKey, std::to_string(max_record_id(*impl_)));
        tx.commit();
    });
}

Housekeeping Store::housekeep_if_due(std::int64_t now_ms, std::int64_t budget_ms) {
    Housekeeping done;
    const Retention& r = impl_->options.retention;
    auto due = [&] {
        const std::int64_t last_id = as_int(impl_->state(kPrunedIdKey));
        const bool by_count = r.prune_every > 0 && max_record_id(*impl_) - last_id >= r.prune_every;
        return by_count || (r.prune_interval_ms > 0 && now_ms - as_int(impl_->state(kPrunedAtKey)) >= r.prune_interval_ms);
    };
    done.error = guarded("housekeeping", impl_->path, [&] {
        // The common case, not due, is a plain read; the claim is re-checked under the
        // write lock, so of concurrent guardians one does it.
        if (!due()) return;
        {
            WriteTx tx(*impl_);
            if (!due()) return;
            impl_->set_state(kPrunedAtKey, std::to_string(now_ms));
            impl_->set_state(kPrunedIdKey, std::to_string(max_record_id(*impl_)));
            tx.commit();
        }
        done.ran = true;
        run_batches(*impl_, now_ms, std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms), done);
        // Stopped early: leave it due, so the next commit carries on where this one stopped.
        if (!done.finished) set_state(kPrunedAtKey, "0");
    });
    return done;
}

std::vector<RunAggregate> Store::aggregates(std::optional<std::int64_t> since_ms, std::optional<std::string> hook,
                                            std::optional<std::string> event, std::string* error) {
    RecordFilter filter{since_ms, std::move(hook), std::move(event), 0};
    return guarded_read<std::vector<RunAggregate>>("reading aggregates", impl_->path, error,
                                                   [&] { return impl_->select_aggregates(filter); });
}

std::string Store::state(const std::string& key, std::string* error) {
    return guarded_read<std::string>("reading housekeeping state", impl_->path, error,
                                     [&] { return impl_->state(key); });
}

std::string Store::set_state(const std::string& key, const std::string& value) {
    return guarded("writing housekeeping state", impl_->path, [&] {
        WriteTx tx(*impl_);
        impl_->set_state(key, value);
        tx.commit();
    });
}

bool Store::claim_state(const std::string& key, std::int64_t at_most, std::int64_t value, std::string* error) {
    return guarded_read<bool>("claiming '" + key + "'", impl_->path, error, [&] {
        WriteTx tx(*impl_);
        if (as_int(impl_->state(key)) > at_most) return false;
        impl_->set_state(key, std::to_string(value));
        tx.commit();
        return true;
    });
}

std::vector<std::pair<std::int64_t, RunRecord>> Store::records_after(std::int64_t after_id, std::size_t limit,
                                                                     std::string* error) {
    return guarded_read<std::vector<std::pair<std::int64_t, RunRecord>>>(
        "reading records", impl_->path, error,
        [&] { return impl_->select_after(after_id, static_cast<std::int64_t>(limit)); });
}

}  // namespace hookwarden::store
