// The viewer's embedded data: the runs as columns (one array per field), each repeated
// string or object (hook names, sessions, commands, limits, confinements) stored once and
// referred to by index. 100 000 runs come to about 10 MB, which Chromium parses in well
// under the viewer's 1 s load budget; one object per run would be ten times that.
#include <cmath>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/html_parts.h"
#include "report/text.h"

namespace hookwarden::report::html {

namespace {

// Each distinct value once, in order of first use; `of` returns its index.
class Interner {
public:
    template <typename MakeValue>
    std::size_t of(const std::string& key, MakeValue make_value) {
        auto [it, added] = index_.try_emplace(key, values_.size());
        if (added) values_.push_back(make_value());
        return it->second;
    }
    std::size_t of(const std::string& text) {
        return of(text, [&] { return nlohmann::json(text::utf8_sanitize(text)); });
    }
    std::string dump() const {
        return nlohmann::json(values_).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }

private:
    std::unordered_map<std::string, std::size_t> index_;
    std::vector<nlohmann::json> values_;
};

// One array of the columnar data, written as JSON text as it grows. A column whose values
// are all the same is written as {"constant": v}, and the start times, which only grow, as
// {"delta": [first, +d, +d, …]}: that third of the data is what a page loads fastest.
struct Column {
    const char* name;
    bool delta = false;
    std::string text;
    std::string first;      // the first value's text
    bool uniform = true;    // every value so far was `first`
    double previous = 0;    // delta columns: the last value added
    std::size_t values = 0;

    void add(double value) {
        if (!std::isfinite(value)) return add_text("null");
        const double written = std::round(value * 1000) / 1000;
        const double shown = delta && values > 0 ? written - previous : written;
        if (delta && values > 0) uniform = false;
        previous = written;
        char buffer[40];
        // Whole numbers (times, bytes, counts) as integers: shorter, and faster to write.
        char* end = shown == std::floor(shown) && std::abs(shown) < 1e15
                        ? fmt::format_to(buffer, "{}", static_cast<long long>(shown))
                        : fmt::format_to(buffer, "{}", shown);
        add_text(std::string_view(buffer, static_cast<std::size_t>(end - buffer)));
    }
    void add_null() { add_text("null"); }
    void add_text(std::string_view value) {
        if (values == 0) first = value;
        else if (uniform && value != first) uniform = false;
        if (values++) text += ',';
        text += value;
    }
    std::string json() const {
        if (uniform && values > 0) return "{\"constant\":" + first + "}";
        return delta ? "{\"delta\":[" + text + "]}" : "[" + text + "]";
    }
};

std::string joined(const std::vector<std::string>& items) {
    std::string key;
    for (const auto& item : items) key += item + '\x1f';
    return key;
}

std::string limits_key(const Limits& l) {
    return fmt::format("{} {} {} {} {} {}", l.timeout_ms, l.kill_grace_ms, l.memory_mb, l.pids, l.cpu_percent,
                       l.output_kb);
}

std::string confinement_key(const Confinement& c) {
    return fmt::format("{}\x1e{}\x1e{}\x1e{}\x1e{}\x1e{}\x1e{}", c.network, c.filesystem, joined(c.writable),
                       c.env_scrubbed, c.no_new_privs, joined(c.unavailable), joined(c.notes));
}

nlohmann::json sanitized(const std::vector<std::string>& items) {
    auto list = nlohmann::json::array();
    for (const auto& item : items) list.push_back(text::utf8_sanitize(item));
    return list;
}

// The columns, in the order the page documents them (docs/reports.md).
enum Col {
    kTime, kHook, kEvent, kTarget, kSession, kOutcome, kAnswer, kExit, kSignal, kWall, kCpuUser, kCpuSys,
    kMemory, kMemorySource, kOomKilled, kLeftovers, kStdoutBytes, kStderrBytes, kStdoutTruncated,
    kStderrTruncated, kBreakerBefore, kBreakerAfter, kBackend, kOverhead, kLimits, kConfinement, kCommand,
    kErrors, kColumnCount
};
constexpr const char* kColumnNames[kColumnCount] = {
    "time", "hook", "event", "target", "session", "outcome", "answer", "exit_code", "signal", "wall_ms",
    "cpu_user_ms", "cpu_sys_ms", "peak_memory_bytes", "peak_memory_source", "oom_killed", "leftovers_killed",
    "stdout_bytes", "stderr_bytes", "stdout_truncated", "stderr_truncated", "breaker_before", "breaker_after",
    "backend", "overhead_ms", "limits", "confinement", "command", "errors"};

struct Encoder {
    Interner strings, objects;
    std::vector<Column> columns;
    Encoder() {
        for (const char* name : kColumnNames) columns.push_back(Column{name, false, {}, {}, true, 0, 0});
        columns[kTime].delta = true;
    }
    void str(Col c, const std::string& value) { columns[c].add(static_cast<double>(strings.of(value))); }
    void num(Col c, double value) { columns[c].add(value); }
    void maybe(Col c, const std::optional<int>& value) { value ? columns[c].add(*value) : columns[c].add_null(); }
    void list(Col c, const std::vector<std::string>& items) {
        columns[c].add(static_cast<double>(objects.of(joined(items), [&] { return sanitized(items); })));
    }
    void add(const RunRecord& r);
};

void Encoder::add(const RunRecord& r) {
    num(kTime, static_cast<double>(r.time_unix_ms));
    str(kHook, r.hook);
    str(kEvent, r.event);
    str(kTarget, r.matcher_target);
    str(kSession, r.session_id);
    str(kOutcome, to_string(r.outcome));
    str(kAnswer, to_string(r.answer));
    maybe(kExit, r.exit_code);
    maybe(kSignal, r.signal);
    num(kWall, r.wall_ms);
    num(kCpuUser, r.cpu_user_ms);
    num(kCpuSys, r.cpu_sys_ms);
    num(kMemory, static_cast<double>(r.peak_memory_bytes));
    str(kMemorySource, r.peak_memory_source);
    num(kOomKilled, r.oom_killed);
    num(kLeftovers, static_cast<double>(r.leftovers_killed));
    num(kStdoutBytes, static_cast<double>(r.stdout_bytes));
    num(kStderrBytes, static_cast<double>(r.stderr_bytes));
    num(kStdoutTruncated, r.stdout_truncated);
    num(kStderrTruncated, r.stderr_truncated);
    str(kBreakerBefore, breaker_state_text(r.breaker_before));
    str(kBreakerAfter, breaker_state_text(r.breaker_after));
    str(kBackend, r.backend);
    num(kOverhead, r.overhead_ms);
    columns[kLimits].add(static_cast<double>(objects.of(limits_key(r.limits), [&] { return nlohmann::json(r.limits); })));
    columns[kConfinement].add(static_cast<double>(objects.of(confinement_key(r.confinement), [&] {
        nlohmann::json j = r.confinement;
        j["writable"] = sanitized(r.confinement.writable);
        j["unavailable"] = sanitized(r.confinement.unavailable);
        j["notes"] = sanitized(r.confinement.notes);
        j["network"] = text::utf8_sanitize(r.confinement.network);
        j["filesystem"] = text::utf8_sanitize(r.confinement.filesystem);
        return j;
    })));
    list(kCommand, r.command);
    list(kErrors, r.errors);
}

std::string budgets_json(const std::vector<HookBudget>& budgets) {
    auto list = nlohmann::json::array();
    for (const auto& b : budgets)
        list.push_back({{"hook", text::utf8_sanitize(b.hook)},
                        {"event", text::utf8_sanitize(b.event)},
                        {"p95_ms", b.p95_limit_ms()},
                        {"error_rate", b.budgets.error_rate},
                        {"timeouts", b.budgets.timeouts},
                        {"oom", b.budgets.oom}});
    return list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::vector<std::size_t> shown_runs(const std::vector<RunRecord>& records, std::int64_t since_ms) {
    std::vector<std::size_t> shown;
    shown.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i)
        if (records[i].time_unix_ms >= since_ms) shown.push_back(i);
    return shown;
}

std::string viewer_data(const std::vector<RunRecord>& records, const std::vector<std::size_t>& shown,
                        const std::vector<HookBudget>& budgets, std::int64_t generated_ms) {
    Encoder encoder;
    for (std::size_t i : shown) encoder.add(records[i]);
    std::string out = fmt::format("{{\"schema\":\"hookwarden.viewer/1\",\"generated_ms\":{},\"count\":{},",
                                  generated_ms, shown.size());
    out += "\"strings\":" + encoder.strings.dump() + ",\"objects\":" + encoder.objects.dump();
    out += ",\"budgets\":" + budgets_json(budgets) + ",\"columns\":{";
    for (std::size_t c = 0; c < encoder.columns.size(); ++c)
        out += fmt::format("{}\"{}\":{}", c ? "," : "", encoder.columns[c].name, encoder.columns[c].json());
    out += "}}";
    return script_safe(out);
}

std::string script_safe(std::string_view json) {
    std::string out;
    out.reserve(json.size() + json.size() / 64);
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
                   (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
            out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace hookwarden::report::html
