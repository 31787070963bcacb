// The breakers and probes tables. The state machine itself is src/breaker/.
#include "store/impl.h"

namespace hookwarden::store {

namespace {

// The columns read_breaker maps, in its order.
#define HW_BREAKER_COLUMNS                                                                        \
    "state, since_ms, open_until_ms, consecutive_failures, open_count, probe_successes, trips, " \
    "runs, failures, recent"
const char* const kSelectBreaker = "SELECT " HW_BREAKER_COLUMNS " FROM breakers WHERE hook = ?1";
// Two statements rather than one upsert: every caller has just read the row inside the
// same write transaction, so it knows which applies, and an upsert costs SQLite the code
// for both paths (about 90 k instructions to compile, in every process).
const char* const kInsertBreaker =
    "INSERT INTO breakers (hook, state, since_ms, open_until_ms, consecutive_failures, open_count, "
    "probe_successes, trips, runs, failures, recent) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)";
const char* const kUpdateBreaker =
    "UPDATE breakers SET state=?2, since_ms=?3, open_until_ms=?4, consecutive_failures=?5, "
    "open_count=?6, probe_successes=?7, trips=?8, runs=?9, failures=?10, recent=?11 WHERE hook=?1";
const char* const kSelectStatuses =
    "SELECT hook, " HW_BREAKER_COLUMNS ", (SELECT count(*) FROM probes p WHERE p.hook = b.hook) "
    "FROM breakers b ORDER BY hook";
#undef HW_BREAKER_COLUMNS
const char* const kDeleteProbes = "DELETE FROM probes WHERE hook = ?1";
// expires_ms <= now: breaker::probe_expired.
const char* const kDeleteExpiredProbes = "DELETE FROM probes WHERE hook = ?1 AND expires_ms <= ?2";
const char* const kDeleteProbe = "DELETE FROM probes WHERE id = ?1 AND hook = ?2";
const char* const kProbeExpiries = "SELECT expires_ms FROM probes WHERE hook = ?1";
const char* const kInsertProbe = "INSERT INTO probes (hook, granted_ms, expires_ms) VALUES (?1, ?2, ?3)";

// The breaker columns from `first` on. The state is nullopt when this version does not
// know it; the rest is read all the same (a manual action keeps the counters).
std::optional<BreakerState> read_breaker(const Stmt& s, int first, breaker::Breaker& b) {
    auto state = breaker_state_from_string(s.text(first));
    if (state) b.state = *state;
    b.since_ms = s.i64(first + 1);
    b.open_until_ms = s.i64(first + 2);
    b.consecutive_failures = s.i64(first + 3);
    b.open_count = s.i64(first + 4);
    b.probe_successes = s.i64(first + 5);
    b.trips = s.i64(first + 6);
    b.runs = s.i64(first + 7);
    b.failures = s.i64(first + 8);
    b.recent = s.text(first + 9);
    return state;
}

}  // namespace

Store::Impl::Row Store::Impl::load(const std::string& hook, breaker::Breaker& b) {
    loaded_gated = false;
    Stmt s = cached(kSelectBreaker);
    s.bind(1, hook);
    if (!s.step()) return Row::missing;
    auto state = read_breaker(s, 0, b);
    loaded_gated = !state || breaker::needs_admission(*state);
    return state ? Row::known : Row::foreign;
}

void Store::Impl::save(const std::string& hook, const breaker::Breaker& b, bool exists) {
    Stmt s = cached(exists ? kUpdateBreaker : kInsertBreaker);
    s.bind(1, hook).bind(2, std::string(to_string(b.state))).bind(3, b.since_ms).bind(4, b.open_until_ms);
    s.bind(5, b.consecutive_failures).bind(6, b.open_count).bind(7, b.probe_successes);
    s.bind(8, b.trips).bind(9, b.runs).bind(10, b.failures).bind(11, b.recent);
    s.step();
    if (breaker::needs_admission(b.state) != loaded_gated) write_gate();
}

std::vector<BreakerStatus> Store::Impl::breaker_statuses() {
    std::vector<BreakerStatus> out;
    Stmt s = prepare(kSelectStatuses);
    while (s.step()) {
        breaker::Breaker b;
        BreakerStatus st;
        st.hook = s.text(0);
        st.state = read_breaker(s, 1, b);
        st.since_ms = b.since_ms;
        st.open_until_ms = b.open_until_ms;
        st.consecutive_failures = b.consecutive_failures;
        st.open_count = b.open_count;
        st.trips = b.trips;
        st.runs = b.runs;
        st.failures = b.failures;
        breaker::WindowRates rates = breaker::window_rates(b.recent);
        st.window_calls = rates.calls;
        st.window_failure_rate = rates.failure_rate;
        st.window_slow_rate = rates.slow_rate;
        st.active_probes = s.i64(11);
        out.push_back(std::move(st));
    }
    return out;
}

std::vector<std::int64_t> Store::Impl::probe_expiries(const std::string& hook) {
    std::vector<std::int64_t> out;
    Stmt s = cached(kProbeExpiries);
    s.bind(1, hook);
    while (s.step()) out.push_back(s.i64(0));
    return out;
}

std::int64_t Store::Impl::insert_probe(const std::string& hook, std::int64_t now_ms, std::int64_t expires_ms) {
    Stmt s = cached(kInsertProbe);
    s.bind(1, hook).bind(2, now_ms).bind(3, expires_ms);
    s.step();
    return sqlite3_last_insert_rowid(db);
}

void Store::Impl::delete_probe(const std::string& hook, std::int64_t probe_id) {
    Stmt s = cached(kDeleteProbe);
    s.bind(1, probe_id).bind(2, hook);
    s.step();
}

void Store::Impl::delete_expired_probes(const std::string& hook, std::int64_t now_ms) {
    Stmt s = cached(kDeleteExpiredProbes);
    s.bind(1, hook).bind(2, now_ms);
    s.step();
}

void Store::Impl::delete_probes(const std::string& hook) { run(kDeleteProbes, hook); }

}  // namespace hookwarden::store
