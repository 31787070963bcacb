// Long-term history (docs/records.md "History"): detailed runs rolled up into hourly
// aggregates when retention removes them, hourly ones into daily ones, daily ones dropped
// after a year; and the small key/value table housekeeping keeps its state in.
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "store/impl.h"

namespace hookwarden::store {

namespace {

constexpr const char* kAggregateColumns =
    "period, start_ms, hook, event, runs, measured_runs, outcomes, latency_buckets, wall_ms_sum, wall_ms_max, "
    "cpu_user_ms_sum, cpu_sys_ms_sum, peak_memory_max, peak_memory_sum, memory_limit_max, oom_kills, "
    "breaker_trips, degradations, first_ms, last_ms";

using Key = std::tuple<std::int64_t, std::string, std::string>;  // start, hook, event

RunAggregate aggregate_of(const Stmt& s) {
    RunAggregate a;
    a.period = s.text(0) == "day" ? Period::day : Period::hour;
    a.start_ms = s.i64(1);
    a.hook = s.text(2);
    a.event = s.text(3);
    a.runs = s.i64(4);
    a.measured_runs = s.i64(5);
    if (auto o = nlohmann::json::parse(s.text(6), nullptr, false); o.is_object())
        for (const auto& [name, n] : o.items())
            if (n.is_number_integer()) a.outcomes[name] = n.get<std::int64_t>();
    if (auto b = nlohmann::json::parse(s.text(7), nullptr, false); b.is_array())
        for (std::size_t i = 0; i < b.size() && i < kLatencyBuckets; ++i)
            if (b[i].is_number_integer()) a.latency_buckets[i] = b[i].get<std::int64_t>();
    a.wall_ms_sum = s.real(8);
    a.wall_ms_max = s.real(9);
    a.cpu_user_ms_sum = s.real(10);
    a.cpu_sys_ms_sum = s.real(11);
    a.peak_memory_max = s.i64(12);
    a.peak_memory_sum = s.i64(13);
    a.memory_limit_max_bytes = s.i64(14);
    a.oom_kills = s.i64(15);
    a.breaker_trips = s.i64(16);
    a.degradations = s.i64(17);
    a.first_ms = s.i64(18);
    a.last_ms = s.i64(19);
    return a;
}

// Adds `a` to the stored row of the same period, start, hook and event (or creates it).
void upsert(Store::Impl& impl, RunAggregate a) {
    {
        static const std::string sql = std::string("SELECT ") + kAggregateColumns +
                                       " FROM aggregates WHERE period = ?1 AND start_ms = ?2 AND hook = ?3 AND event = ?4";
        Stmt s = impl.cached(sql.c_str());
        s.bind(1, std::string(to_string(a.period))).bind(2, a.start_ms).bind(3, a.hook).bind(4, a.event);
        if (s.step()) {
            RunAggregate stored = aggregate_of(s);
            merge(stored, a);
            a = std::move(stored);
        }
    }
    static const std::string sql = std::string("INSERT OR REPLACE INTO aggregates (") + kAggregateColumns +
                                   ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)";
    Stmt s = impl.cached(sql.c_str());
    s.bind(1, std::string(to_string(a.period))).bind(2, a.start_ms).bind(3, a.hook).bind(4, a.event);
    s.bind(5, a.runs).bind(6, a.measured_runs).bind(7, nlohmann::json(a.outcomes).dump());
    s.bind(8, nlohmann::json(a.latency_buckets).dump()).bind(9, a.wall_ms_sum).bind(10, a.wall_ms_max);
    s.bind(11, a.cpu_user_ms_sum).bind(12, a.cpu_sys_ms_sum).bind(13, a.peak_memory_max);
    s.bind(14, a.peak_memory_sum).bind(15, a.memory_limit_max_bytes).bind(16, a.oom_kills);
    s.bind(17, a.breaker_trips).bind(18, a.degradations).bind(19, a.first_ms).bind(20, a.last_ms);
    s.step();
}

void upsert_all(Store::Impl& impl, std::map<Key, RunAggregate>& rows) {
    for (auto& [key, a] : rows) upsert(impl, std::move(a));
}

}  // namespace

std::int64_t Store::Impl::roll_up_runs(std::int64_t now_ms) {
    const Retention& r = options.retention;
    std::int64_t max_id = 0;
    if (r.max_records > 0) {
        Stmt s = cached("SELECT max(id) FROM runs");
        if (s.step()) max_id = s.i64(0) - r.max_records;
    }
    const std::int64_t before_ms = r.max_age_ms > 0 ? now_ms - r.max_age_ms : INT64_MIN;
    auto expired = select_expired(max_id, before_ms, r.batch);
    std::map<Key, RunAggregate> hours;
    for (const auto& [id, run] : expired) {
        const std::int64_t start = period_start(Period::hour, run.time_unix_ms);
        RunAggregate& a = hours[{start, run.hook, run.event}];
        a.period = Period::hour;
        a.start_ms = start;
        a.hook = run.hook;
        a.event = run.event;
        add_run(a, run);
        delete_record(id);
    }
    upsert_all(*this, hours);
    return static_cast<std::int64_t>(expired.size());
}

std::int64_t Store::Impl::roll_up_hours(std::int64_t now_ms) {
    const Retention& r = options.retention;
    if (r.hourly_max_age_ms <= 0) return 0;
    std::vector<RunAggregate> old;
    {
        static const std::string sql = std::string("SELECT ") + kAggregateColumns +
                                       " FROM aggregates WHERE period = 'hour' AND start_ms < ?1 LIMIT ?2";
        Stmt s = cached(sql.c_str());
        s.bind(1, now_ms - r.hourly_max_age_ms).bind(2, r.batch);
        while (s.step()) old.push_back(aggregate_of(s));
    }
    std::map<Key, RunAggregate> days;
    for (const RunAggregate& hour : old) {
        const std::int64_t start = period_start(Period::day, hour.start_ms);
        RunAggregate& a = days[{start, hour.hook, hour.event}];
        a.period = Period::day;
        a.start_ms = start;
        a.hook = hour.hook;
        a.event = hour.event;
        merge(a, hour);
        Stmt d = cached("DELETE FROM aggregates WHERE period = 'hour' AND start_ms = ?1 AND hook = ?2 AND event = ?3");
        d.bind(1, hour.start_ms).bind(2, hour.hook).bind(3, hour.event);
        d.step();
    }
    upsert_all(*this, days);
    return static_cast<std::int64_t>(old.size());
}

std::int64_t Store::Impl::drop_old_days(std::int64_t now_ms) {
    const Retention& r = options.retention;
    if (r.daily_max_age_ms <= 0) return 0;
    // Every hour row is younger than a day row can be (both cascade), but a shorter daily
    // than hourly history (a user's choice) drops hours too.
    Stmt s = cached("DELETE FROM aggregates WHERE start_ms < ?1");
    s.bind(1, now_ms - r.daily_max_age_ms);
    s.step();
    return sqlite3_changes(db);
}

std::vector<RunAggregate> Store::Impl::select_aggregates(const RecordFilter& f) {
    std::string sql = std::string("SELECT ") + kAggregateColumns + " FROM aggregates WHERE 1";
    if (f.since_ms) sql += " AND start_ms >= ?1";
    if (f.hook) sql += " AND hook = ?2";
    if (f.event) sql += " AND event = ?3";
    sql += " ORDER BY start_ms, hook, event";
    Stmt s = prepare(sql);
    if (f.since_ms) s.bind(1, *f.since_ms);
    if (f.hook) s.bind(2, *f.hook);
    if (f.event) s.bind(3, *f.event);
    std::vector<RunAggregate> out;
    while (s.step()) out.push_back(aggregate_of(s));
    return out;
}

std::string Store::Impl::state(const std::string& key) {
    Stmt s = cached("SELECT value FROM housekeeping WHERE key = ?1");
    s.bind(1, key);
    return s.step() ? s.text(0) : "";
}

void Store::Impl::set_state(const std::string& key, const std::string& value) {
    Stmt s = cached("INSERT OR REPLACE INTO housekeeping (key, value) VALUES (?1, ?2)");
    s.bind(1, key).bind(2, value);
    s.step();
}

}  // namespace hookwarden::store
