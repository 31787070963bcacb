// The runs table: one row per RunRecord, a column per field.
#include <algorithm>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "store/impl.h"

namespace hookwarden::store {

namespace {

constexpr const char* kRunColumns =
    "time_ms, hook, event, matcher_target, session_id, command, outcome, answer, exit_code, signal, "
    "wall_ms, cpu_user_ms, cpu_sys_ms, peak_memory_bytes, peak_memory_source, oom_killed, "
    "leftovers_killed, limit_timeout_ms, limit_kill_grace_ms, limit_memory_mb, limit_pids, "
    "limit_cpu_percent, limit_output_kb, stdout_bytes, stderr_bytes, stdout_truncated, "
    "stderr_truncated, breaker_before, breaker_after, backend, overhead_ms, errors, confinement, agent, served_by";

const char* const kInsertRun =
    "INSERT INTO runs (time_ms, hook, event, matcher_target, session_id, command, outcome, answer, "
    "exit_code, signal, wall_ms, cpu_user_ms, cpu_sys_ms, peak_memory_bytes, peak_memory_source, "
    "oom_killed, leftovers_killed, limit_timeout_ms, limit_kill_grace_ms, limit_memory_mb, limit_pids, "
    "limit_cpu_percent, limit_output_kb, stdout_bytes, stderr_bytes, stdout_truncated, "
    "stderr_truncated, breaker_before, breaker_after, backend, overhead_ms, errors, confinement, agent, served_by) VALUES "
    "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,"
    "?27,?28,?29,?30,?31,?32,?33,?34,?35)";

// Command lines and error texts may hold bytes that are not UTF-8; storing a
// replacement character beats losing the record.
std::string json_text(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> string_list(const std::string& text) {
    std::vector<std::string> out;
    if (text == "[]") return out;  // most runs' errors
    auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_array()) return out;
    for (const auto& item : parsed)
        if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

// The JSON columns repeat from row to row (a hook's command line and confinement are the
// same run after run), and parsing them was most of the time a report over 100 000 runs
// took: each text is parsed once per read of the table and its value copied after that.
template <typename Value>
class ParsedColumn {
public:
    template <typename Parse>
    const Value& get(const std::string& text, Parse parse) {
        if (auto hit = parsed_.find(text); hit != parsed_.end()) return hit->second;
        if (parsed_.size() >= kMaxTexts) parsed_.clear();  // bounded: every row may differ
        return parsed_.emplace(text, parse(text)).first->second;
    }

private:
    static constexpr std::size_t kMaxTexts = 1024;
    std::unordered_map<std::string, Value> parsed_;
};

struct ParsedColumns {
    ParsedColumn<std::vector<std::string>> command, errors;
    ParsedColumn<Confinement> confinement;
};

Confinement confinement_of(const std::string& text) {
    Confinement out;
    if (auto c = nlohmann::json::parse(text, nullptr, false); c.is_object()) c.get_to(out);
    return out;
}

std::string select_sql(const RecordFilter& f) {
    std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE 1";
    if (f.since_ms) sql += " AND time_ms >= ?1";
    if (f.hook) sql += " AND hook = ?2";
    if (f.event) sql += " AND event = ?3";
    sql += f.limit > 0 ? " ORDER BY id DESC LIMIT ?4" : " ORDER BY id";
    return sql;
}

// The columns of kRunColumns, in order, from the current row.
RunRecord record_of(const Stmt& s, ParsedColumns& columns) {
    RunRecord r;
    r.time_unix_ms = s.i64(0);
    r.hook = s.text(1);
    r.event = s.text(2);
    r.matcher_target = s.text(3);
    r.session_id = s.text(4);
    r.command = columns.command.get(s.text(5), string_list);
    r.outcome = outcome_from_string(s.text(6)).value_or(Outcome::internal_error);
    if (!s.is_null(8)) r.exit_code = static_cast<int>(s.i64(8));
    if (!s.is_null(9)) r.signal = static_cast<int>(s.i64(9));
    r.wall_ms = s.real(10);
    r.cpu_user_ms = s.real(11);
    r.cpu_sys_ms = s.real(12);
    r.peak_memory_bytes = s.i64(13);
    r.peak_memory_source = s.text(14);
    r.oom_killed = s.i64(15) != 0;
    r.leftovers_killed = s.i64(16);
    r.limits.timeout_ms = s.i64(17);
    r.limits.kill_grace_ms = s.i64(18);
    r.limits.memory_mb = s.i64(19);
    r.limits.pids = s.i64(20);
    r.limits.cpu_percent = s.i64(21);
    r.limits.output_kb = s.i64(22);
    r.stdout_bytes = s.i64(23);
    r.stderr_bytes = s.i64(24);
    r.stdout_truncated = s.i64(25) != 0;
    r.stderr_truncated = s.i64(26) != 0;
    r.breaker_before = breaker_state_from_string(s.text(27));
    r.breaker_after = breaker_state_from_string(s.text(28));
    r.backend = s.text(29);
    r.overhead_ms = s.real(30);
    r.errors = columns.errors.get(s.text(31), string_list);
    read_answer(s.text(7), r);  // after errors: an unknown answer adds one
    r.confinement = columns.confinement.get(s.text(32), confinement_of);
    if (auto agent = agent_from_string(s.text(33)))
        r.agent = *agent;
    else
        r.errors.push_back("unknown agent '" + s.text(33) + "' (expected " + agent_names() + ")");
    r.served_by = s.text(34);
    return r;
}

}  // namespace

std::int64_t Store::Impl::insert_record(const RunRecord& r) {
    Stmt s = cached(kInsertRun);
    s.bind(1, r.time_unix_ms).bind(2, r.hook).bind(3, r.event).bind(4, r.matcher_target);
    s.bind(5, r.session_id).bind(6, json_text(r.command)).bind(7, std::string(to_string(r.outcome)));
    s.bind(8, std::string(to_string(r.answer))).bind(9, r.exit_code).bind(10, r.signal).bind(11, r.wall_ms);
    s.bind(12, r.cpu_user_ms).bind(13, r.cpu_sys_ms).bind(14, r.peak_memory_bytes);
    s.bind(15, r.peak_memory_source).bind(16, r.oom_killed).bind(17, r.leftovers_killed);
    s.bind(18, r.limits.timeout_ms).bind(19, r.limits.kill_grace_ms).bind(20, r.limits.memory_mb);
    s.bind(21, r.limits.pids).bind(22, r.limits.cpu_percent).bind(23, r.limits.output_kb);
    s.bind(24, r.stdout_bytes).bind(25, r.stderr_bytes).bind(26, r.stdout_truncated);
    s.bind(27, r.stderr_truncated).bind(28, breaker_state_text(r.breaker_before));
    s.bind(29, breaker_state_text(r.breaker_after));
    s.bind(30, r.backend).bind(31, r.overhead_ms).bind(32, json_text(r.errors));
    s.bind(33, json_text(nlohmann::json(r.confinement)));
    s.bind(34, std::string(to_string(r.agent)));
    s.bind(35, r.served_by);
    s.step();
    return sqlite3_last_insert_rowid(db);
}

std::vector<RunRecord> Store::Impl::select_records(const RecordFilter& f) {
    std::vector<RunRecord> out;
    Stmt s = prepare(select_sql(f));
    if (f.since_ms) s.bind(1, *f.since_ms);
    if (f.hook) s.bind(2, *f.hook);
    if (f.event) s.bind(3, *f.event);
    if (f.limit > 0) s.bind(4, static_cast<std::int64_t>(f.limit));
    ParsedColumns columns;
    while (s.step()) out.push_back(record_of(s, columns));
    if (f.limit > 0) std::reverse(out.begin(), out.end());
    return out;
}

namespace {

// How many columns kRunColumns names: the id selected after them is at this index. Counted
// from the list itself, so a column added to it cannot shift the id onto another column
// (it once read the new `agent` text as id 0, and the roll-up never deleted a row).
constexpr int count_columns(const char* list) {
    int commas = 0;
    for (const char* c = list; *c; ++c) commas += *c == ',';
    return commas + 1;
}
constexpr int kIdColumn = count_columns(kRunColumns);

std::vector<std::pair<std::int64_t, RunRecord>> rows_with_ids(Stmt& s) {
    std::vector<std::pair<std::int64_t, RunRecord>> out;
    ParsedColumns columns;
    while (s.step()) out.emplace_back(s.i64(kIdColumn), record_of(s, columns));
    return out;
}

}  // namespace

std::vector<std::pair<std::int64_t, RunRecord>> Store::Impl::select_after(std::int64_t after_id, std::int64_t limit) {
    static const std::string sql = std::string("SELECT ") + kRunColumns + ", id FROM runs WHERE id > ?1 ORDER BY id LIMIT ?2";
    Stmt s = cached(sql.c_str());
    s.bind(1, after_id).bind(2, limit);
    return rows_with_ids(s);
}

std::vector<std::pair<std::int64_t, RunRecord>> Store::Impl::select_expired(std::int64_t max_id, std::int64_t before_ms,
                                                                            std::int64_t limit) {
    // Two plain range scans (rowid, then the time index) rather than one OR, which SQLite
    // would answer with a scan of the whole table.
    static const std::string by_id = std::string("SELECT ") + kRunColumns + ", id FROM runs WHERE id <= ?1 ORDER BY id LIMIT ?2";
    static const std::string by_time =
        std::string("SELECT ") + kRunColumns + ", id FROM runs WHERE time_ms < ?1 ORDER BY time_ms LIMIT ?2";
    if (max_id > 0) {
        Stmt s = cached(by_id.c_str());
        s.bind(1, max_id).bind(2, limit);
        auto rows = rows_with_ids(s);
        if (!rows.empty()) return rows;
    }
    Stmt s = cached(by_time.c_str());
    s.bind(1, before_ms).bind(2, limit);
    return rows_with_ids(s);
}

void Store::Impl::delete_record(std::int64_t id) {
    Stmt s = cached("DELETE FROM runs WHERE id = ?1");
    s.bind(1, id);
    s.step();
}

}  // namespace hookwarden::store
