// Policy validation, in one place. The JSON Schema in policies/ mirrors these rules for
// editors; tests/schema/check_schema.sh keeps the two in agreement. Rules a schema
// cannot express (regex syntax, duplicate keys, cross-field bounds) live only here.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "agents/adapter.h"
#include "agents/claude/protocol.h"
#include "policy/policy.h"
#include "util/duration.h"
#include "util/fs.h"
#include "util/json_positions.h"

namespace hookwarden::policy {

using jsonpos::pointer_append;
using jsonpos::Position;
using jsonpos::position_of_offset;
using jsonpos::PositionIndex;

namespace {

using json = nlohmann::ordered_json;  // ordered: hooks keep file order

// ---------------------------------------------------------------------------------------
// Paths: kept as segments so that one path gives both the JSON pointer (for the
// position index) and the $.a.b[0] form people read.
struct Path {
    struct Segment {
        std::string key;
        bool index = false;
    };
    std::vector<Segment> segments;

    Path operator/(const std::string& key) const {
        Path p = *this;
        p.segments.push_back({key, false});
        return p;
    }
    Path operator/(std::size_t i) const {
        Path p = *this;
        p.segments.push_back({std::to_string(i), true});
        return p;
    }
    std::string pointer() const {
        std::string out;
        for (const auto& s : segments) out = pointer_append(out, s.key);
        return out;
    }
    std::string display() const {
        std::string out = "$";
        for (const auto& s : segments) {
            bool plain = !s.key.empty() && std::all_of(s.key.begin(), s.key.end(), [](unsigned char c) {
                return std::isalnum(c) || c == '_' || c == '-' || c == '$';
            });
            if (s.index) out += "[" + s.key + "]";
            else if (plain) out += "." + s.key;
            else out += "[" + json(s.key).dump() + "]";
        }
        return out;
    }
};

// ---------------------------------------------------------------------------------------
// Did-you-mean: case-insensitive edit distance, plus prefixes ("timeout" -> "timeout_ms").
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::optional<std::string> did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
    std::optional<std::string> best;
    std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        std::size_t d = edit_distance(word, c);
        if (word.size() >= 3 && (lower(c).rfind(lower(word), 0) == 0 || lower(word).rfind(lower(c), 0) == 0))
            d = std::min<std::size_t>(d, 1);
        if (d < best_distance) {
            best = c;
            best_distance = d;
        }
    }
    return best;
}

// "Claude Code, Codex CLI": the agents whose vocabulary has `event`, for a typo's hint.
std::string agents_of(const std::string& event) {
    std::string names;
    for (const agents::Adapter* adapter : agents::adapters())
        if (agents::find_event(adapter->events(), event))
            names += (names.empty() ? "" : ", ") + std::string(adapter->display_name);
    return names;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

// "got ..." part of a type error: short, and shows the value when it is small.
std::string describe(const json& j) {
    std::string shown = j.dump();
    if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
    if (j.is_object()) return "an object";
    if (j.is_array()) return "an array";
    if (j.is_string()) return "the string " + shown;
    if (j.is_boolean()) return shown;
    if (j.is_null()) return "null";
    return shown;
}

// ---------------------------------------------------------------------------------------
// Numeric fields of limits, budgets and breaker: one table drives validation, and the
// schema's minimum/maximum mirror it.
enum class Kind { positive_int, nonnegative_int, positive_number, rate };

struct Field {
    const char* name;
    Kind kind;
    double max;
    const char* unit;
};

constexpr double kDay = 86'400'000;
const std::vector<Field> kLimitFields{
    {"timeout_ms", Kind::positive_int, kDay, "milliseconds"},
    {"kill_grace_ms", Kind::positive_int, 600'000, "milliseconds"},
    {"memory_mb", Kind::positive_int, 1'048'576, "MiB"},
    {"pids", Kind::positive_int, 4'194'304, "processes"},
    {"cpu_percent", Kind::positive_int, 102'400, "percent of one core"},
    {"output_kb", Kind::positive_int, 1'048'576, "KiB per stream"},
};
const std::vector<Field> kBudgetFields{
    {"p95_ms", Kind::positive_number, kDay, "milliseconds"},
    {"error_rate", Kind::rate, 1, "fraction of runs, e.g. 0.05 for 5 %"},
    {"timeouts", Kind::nonnegative_int, 1e9, "runs"},
    {"oom", Kind::nonnegative_int, 1e9, "runs"},
};
const std::vector<Field> kBreakerFields{
    {"consecutive_failures", Kind::positive_int, 1'000'000, "runs"},
    {"failure_rate", Kind::rate, 1, "fraction of the window, e.g. 0.5 for 50 %"},
    {"window", Kind::positive_int, 10'000, "runs"},
    {"min_calls", Kind::positive_int, 10'000, "runs"},
    {"slow_call_ms", Kind::positive_int, kDay, "milliseconds"},
    {"slow_call_rate", Kind::rate, 1, "fraction of the window, e.g. 0.8 for 80 %"},
    {"open_ms", Kind::positive_int, kDay, "milliseconds"},
    {"max_open_ms", Kind::positive_int, kDay, "milliseconds"},
    {"half_open_probes", Kind::positive_int, 1000, "runs"},
};

// Top-level `history` (docs/records.md "History") and the numbers of `otlp`.
const std::vector<Field> kHistoryFields{
    {"detailed_days", Kind::positive_int, 3650, "days"},
    {"max_records", Kind::positive_int, 100'000'000, "records"},
    {"hourly_days", Kind::positive_int, 3650, "days"},
    {"daily_days", Kind::positive_int, 36500, "days"},
};
const std::vector<Field> kOtlpNumberFields{
    {"interval_ms", Kind::positive_int, kDay, "milliseconds"},
    {"timeout_ms", Kind::positive_int, 60'000, "milliseconds"},
};

std::vector<std::string> names_of(const std::vector<Field>& fields) {
    std::vector<std::string> out;
    for (const auto& f : fields) out.emplace_back(f.name);
    return out;
}

const std::vector<std::string> kActions{"allow", "block", "ask", "fallback"};
const std::vector<std::string> kNetworkModes{"host", "none"};
const std::vector<std::string> kUnavailableModes{"refuse", "run"};

bool is_valid_hook_name(const std::string& name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
    });
}

// ---------------------------------------------------------------------------------------
class Validator {
public:
    Validator(const json& root, const PositionIndex& index, std::string file, std::vector<Diagnostic>& errors)
        : root_(root), index_(index), file_(std::move(file)), errors_(errors) {}

    Policy run() {
        Policy policy;
        for (const auto& d : index_.duplicates())
            report(d.position, path_of_pointer(d.pointer), "duplicate key (JSON keeps only the last one; merge them)");

        Path root;
        if (!root_.is_object()) {
            at_value(root, "expected a JSON object with \"version\": 1, got " + describe(root_));
            return policy;
        }
        check_keys(root, root_, {"$schema", "$comment", "version", "defaults", "events", "hooks", "history", "otlp"});
        if (root_.contains("$schema")) expect_string(root / "$schema", root_["$schema"]);
        if (!root_.contains("version")) {
            at_value(root, "missing required key \"version\" (expected 1)");
        } else if (const auto& v = root_["version"]; !(v.is_number() && v.get<double>() == 1.0)) {
            at_value(root / "version", "expected 1 (the only policy format so far), got " + describe(v));
        }
        if (root_.contains("defaults")) policy.defaults = layer(root / "defaults", root_["defaults"], false);
        if (root_.contains("events")) events(root / "events", root_["events"], policy);
        if (root_.contains("hooks")) hooks(root / "hooks", root_["hooks"], policy);
        if (root_.contains("history")) policy.history = history(root / "history", root_["history"]);
        if (root_.contains("otlp")) policy.otlp = otlp(root / "otlp", root_["otlp"]);
        return policy;
    }

private:
    // Paths of duplicate keys come from the index as pointers; rebuild the readable form.
    Path path_of_pointer(const std::string& pointer) const {
        Path p;
        std::size_t start = 1;
        while (start <= pointer.size() && !pointer.empty()) {
            std::size_t end = pointer.find('/', start);
            std::string seg = pointer.substr(start, end == std::string::npos ? std::string::npos : end - start);
            std::string key;
            for (std::size_t i = 0; i < seg.size(); ++i) {
                if (seg[i] == '~' && i + 1 < seg.size()) key += seg[++i] == '0' ? '~' : '/';
                else key += seg[i];
            }
            p = p / key;
            if (end == std::string::npos) break;
            start = end + 1;
        }
        return p;
    }

    void report(Position pos, const Path& path, const std::string& message) {
        errors_.push_back({file_, pos.line, pos.column, path.display(), message});
    }
    void at_key(const Path& path, const std::string& message) { report(index_.key(path.pointer()), path, message); }
    void at_value(const Path& path, const std::string& message) {
        report(index_.value(path.pointer()), path, message);
    }

    bool expect_object(const Path& path, const json& j, const std::string& what) {
        if (j.is_object()) return true;
        at_value(path, "expected an object (" + what + "), got " + describe(j));
        return false;
    }

    bool expect_string(const Path& path, const json& j) {
        if (j.is_string()) return true;
        at_value(path, "expected a string, got " + describe(j));
        return false;
    }

    // Unknown keys are errors, not ignored: a misspelt "timeout" silently falling back to
    // the default would be worse than refusing the file.
    void check_keys(const Path& path, const json& obj, const std::vector<std::string>& allowed) {
        for (const auto& [key, value] : obj.items()) {
            if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
            std::string message = "unknown key \"" + key + "\"";
            if (auto hint = did_you_mean(key, allowed)) message += "; did you mean \"" + *hint + "\"?";
            message += " (allowed here: " + join(allowed) + ")";
            at_key(path / key, message);
        }
    }

    // Returns the value when it is valid for the field.
    std::optional<double> number(const Path& path, const json& j, const Field& f) {
        std::string expected;
        switch (f.kind) {
            case Kind::positive_int: expected = "a positive integer"; break;
            case Kind::nonnegative_int: expected = "an integer >= 0"; break;
            case Kind::positive_number: expected = "a positive number"; break;
            case Kind::rate: expected = "a rate between 0 and 1"; break;
        }
        auto fail = [&](const std::string& got) {
            std::string bound = f.kind == Kind::rate ? "" : ", at most " + std::to_string(static_cast<std::int64_t>(f.max));
            at_value(path, "expected " + expected + " (" + f.unit + bound + "), got " + got);
            return std::nullopt;
        };
        if (!j.is_number()) return fail(describe(j));
        double v = j.get<double>();
        bool integral = j.is_number_integer() || (std::isfinite(v) && std::floor(v) == v);
        bool is_int_kind = f.kind == Kind::positive_int || f.kind == Kind::nonnegative_int;
        if (is_int_kind && !integral) return fail(describe(j) + " (not a whole number)");
        // Zero is never "unlimited": a limit of 0 is a mistake the user must see.
        bool below = f.kind == Kind::positive_int ? v < 1 : f.kind == Kind::positive_number ? !(v > 0) : v < 0;
        if (below || v > f.max || !std::isfinite(v)) return fail(describe(j));
        return v;
    }

    template <class Apply>
    void fields(const Path& path, const json& obj, const std::vector<Field>& table, const std::string& what,
                Apply apply) {
        if (!expect_object(path, obj, what)) return;
        check_keys(path, obj, names_of(table));
        for (const auto& f : table)
            if (obj.contains(f.name))
                if (auto v = number(path / f.name, obj[f.name], f)) apply(std::string(f.name), *v);
    }

    HistoryConfig history(const Path& path, const json& obj) {
        HistoryConfig h;
        fields(path, obj, kHistoryFields, "history: " + join(names_of(kHistoryFields)),
               [&](const std::string& name, double v) {
                   auto i = static_cast<std::int64_t>(v);
                   if (name == "detailed_days") h.detailed_days = i;
                   else if (name == "max_records") h.max_records = i;
                   else if (name == "hourly_days") h.hourly_days = i;
                   else if (name == "daily_days") h.daily_days = i;
               });
        // Each stage takes over where the previous one ends: a shorter one would drop runs
        // the next stage was meant to keep.
        if (h.hourly_days < h.detailed_days)
            at_value(path / "hourly_days", "expected hourly_days >= detailed_days (" + std::to_string(h.detailed_days) +
                                               "), got " + std::to_string(h.hourly_days));
        if (h.daily_days < h.hourly_days)
            at_value(path / "daily_days", "expected daily_days >= hourly_days (" + std::to_string(h.hourly_days) +
                                              "), got " + std::to_string(h.daily_days));
        return h;
    }

    void otlp_endpoint(const Path& path, const json& j, OtlpConfig& o) {
        if (!expect_string(path, j)) return;
        o.endpoint = j.get<std::string>();
        const std::string scheme = "http://";
        if (o.endpoint.rfind("https://", 0) == 0)
            at_value(path, "https is not supported; expected an http:// URL (a local collector, or a TLS-terminating "
                           "proxy in front of a remote one)");
        else if (o.endpoint.rfind(scheme, 0) != 0 || o.endpoint.size() == scheme.size() || o.endpoint[scheme.size()] == '/')
            at_value(path, "expected an http://HOST[:PORT][/PATH] URL of an OTLP/HTTP collector, got " + describe(j));
    }

    void otlp_headers(const Path& path, const json& j, OtlpConfig& o) {
        if (!expect_object(path, j, "header name -> value, both strings")) return;
        for (const auto& [name, value] : j.items()) {
            const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
                return std::isalnum(c) || c == '-' || c == '_';
            });
            if (!token) at_key(path / name, "expected an HTTP header name (letters, digits, '-', '_')");
            else if (expect_string(path / name, value)) {
                const std::string v = value.get<std::string>();
                if (v.find_first_of("\r\n") != std::string::npos) at_value(path / name, "a header value cannot hold a line break");
                else o.headers[name] = v;
            }
        }
    }

    OtlpConfig otlp(const Path& path, const json& obj) {
        OtlpConfig o;
        if (!expect_object(path, obj, "otlp: endpoint, headers, interval_ms, timeout_ms, service_name")) return o;
        std::vector<std::string> allowed = names_of(kOtlpNumberFields);
        allowed.insert(allowed.begin(), {"endpoint", "headers", "service_name"});
        check_keys(path, obj, allowed);
        if (!obj.contains("endpoint")) at_value(path, "missing required key \"endpoint\" (the collector's http:// URL)");
        else otlp_endpoint(path / "endpoint", obj["endpoint"], o);
        if (obj.contains("headers")) otlp_headers(path / "headers", obj["headers"], o);
        if (obj.contains("service_name") && expect_string(path / "service_name", obj["service_name"]))
            o.service_name = obj["service_name"].get<std::string>();
        for (const auto& f : kOtlpNumberFields)
            if (obj.contains(f.name))
                if (auto v = number(path / f.name, obj[f.name], f))
                    (std::string(f.name) == "interval_ms" ? o.interval_ms : o.timeout_ms) = static_cast<std::int64_t>(*v);
        return o;
    }

    LimitOverrides limits(const Path& path, const json& obj) {
        LimitOverrides o;
        fields(path, obj, kLimitFields, "limits: " + join(names_of(kLimitFields)),
               [&](const std::string& name, double v) {
                   auto i = static_cast<std::int64_t>(v);
                   if (name == "timeout_ms") o.timeout_ms = i;
                   else if (name == "kill_grace_ms") o.kill_grace_ms = i;
                   else if (name == "memory_mb") o.memory_mb = i;
                   else if (name == "pids") o.pids = i;
                   else if (name == "cpu_percent") o.cpu_percent = i;
                   else if (name == "output_kb") o.output_kb = i;
               });
        return o;
    }

    BudgetOverrides budgets(const Path& path, const json& obj) {
        BudgetOverrides o;
        fields(path, obj, kBudgetFields, "budgets: " + join(names_of(kBudgetFields)),
               [&](const std::string& name, double v) {
                   if (name == "p95_ms") o.p95_ms = v;
                   else if (name == "error_rate") o.error_rate = v;
                   else if (name == "timeouts") o.timeouts = static_cast<std::int64_t>(v);
                   else if (name == "oom") o.oom = static_cast<std::int64_t>(v);
               });
        return o;
    }

    BreakerOverrides breaker(const Path& path, const json& obj) {
        BreakerOverrides o;
        fields(path, obj, kBreakerFields, "breaker: " + join(names_of(kBreakerFields)),
               [&](const std::string& name, double v) {
                   auto i = static_cast<std::int64_t>(v);
                   if (name == "consecutive_failures") o.consecutive_failures = i;
                   else if (name == "failure_rate") o.failure_rate = v;
                   else if (name == "window") o.window = i;
                   else if (name == "min_calls") o.min_calls = i;
                   else if (name == "slow_call_ms") o.slow_call_ms = i;
                   else if (name == "slow_call_rate") o.slow_call_rate = v;
                   else if (name == "open_ms") o.open_ms = i;
                   else if (name == "max_open_ms") o.max_open_ms = i;
                   else if (name == "half_open_probes") o.half_open_probes = i;
               });
        if (o.open_ms && o.max_open_ms && *o.max_open_ms < *o.open_ms)
            at_value(path / "max_open_ms", "max_open_ms (" + std::to_string(*o.max_open_ms) +
                                               ") must be >= open_ms (" + std::to_string(*o.open_ms) + ")");
        if (o.min_calls && o.window && *o.min_calls > *o.window)
            at_value(path / "min_calls", "min_calls (" + std::to_string(*o.min_calls) +
                                             ") must be <= window (" + std::to_string(*o.window) +
                                             "), or the failure-rate rule can never trip");
        return o;
    }

    // ---------------------------------------------------------------------------------
    // alerts (docs/observability.md): rule name -> false | {enabled, threshold, window, for, notify}.
    AlertOverrides alerts(const Path& path, const json& obj) {
        AlertOverrides o;
        std::vector<std::string> names;
        for (AlertKind kind : all_alert_kinds()) names.emplace_back(alert_name(kind));
        if (!expect_object(path, obj, "alert name -> settings, or false to switch it off; names: " + join(names)))
            return o;
        for (const auto& [name, value] : obj.items()) {
            if (name == "$comment") continue;
            auto kind = alert_from_name(name);
            if (!kind) {
                std::string message = "unknown alert \"" + name + "\"";
                if (auto hint = did_you_mean(name, names)) message += "; did you mean \"" + *hint + "\"?";
                at_key(path / name, message + " (known alerts: " + join(names) + ")");
                continue;
            }
            o[static_cast<std::size_t>(*kind)] = alert(path / name, value, *kind);
        }
        return o;
    }

    AlertOverride alert(const Path& path, const json& j, AlertKind kind) {
        AlertOverride o;
        if (j.is_boolean()) {
            o.enabled = j.get<bool>();
            return o;
        }
        if (!expect_object(path, j, "threshold, window, for, enabled, notify; or false to switch the alert off"))
            return o;
        check_keys(path, j, {"$comment", "enabled", "threshold", "window", "for", "notify"});
        if (j.contains("enabled")) o.enabled = boolean(path / "enabled", j["enabled"]);
        if (j.contains("threshold")) o.threshold = alert_threshold(path / "threshold", j["threshold"], kind);
        if (j.contains("window")) o.window_ms = duration(path / "window", j["window"], false);
        if (j.contains("for")) o.for_ms = duration(path / "for", j["for"], true);
        if (j.contains("notify")) o.notify = notify(path / "notify", j["notify"]);
        return o;
    }

    // A duration string such as "5m" (util/duration.h), at most a day.
    std::optional<std::int64_t> duration(const Path& path, const json& j, bool zero_allowed) {
        std::string expected = std::string("expected a duration such as \"30s\", \"5m\" or \"1h30m\" (units d, h, m, "
                                           "s, ms; whole numbers, no spaces, no sign; at most 1d") +
                               (zero_allowed ? "; \"0s\" for at once)" : "; above 0)");
        auto ms = j.is_string() ? parse_duration_ms(j.get<std::string>(), static_cast<std::int64_t>(kDay))
                                : std::nullopt;
        if (!ms || (*ms == 0 && !zero_allowed)) {
            at_value(path, expected + ", got " + describe(j));
            return std::nullopt;
        }
        return ms;
    }

    std::optional<double> alert_threshold(const Path& path, const json& j, AlertKind kind) {
        switch (kind) {
            case AlertKind::slow_p95: {
                auto ms = duration(path, j, false);
                return ms ? std::optional<double>(static_cast<double>(*ms)) : std::nullopt;
            }
            case AlertKind::memory_high:
                return fraction(path, j, false, "a fraction of the hook's memory limit above 0 and at most 1, e.g. "
                                              "0.8 for 80 %");
            case AlertKind::error_rate:
                return fraction(path, j, true, "a fraction of runs from 0 up to (not including) 1, e.g. 0.05 for 5 %");
            case AlertKind::timeout:
                return number(path, j, {"threshold", Kind::nonnegative_int, 1e6,
                                        "timeouts the window may hold without firing; 0 fires on any"});
        }
        return std::nullopt;
    }

    // memory_high: (0, 1] (a peak cannot exceed its limit); error_rate: [0, 1) (a rate
    // cannot exceed 1, so a threshold of 1 would be an alert that never fires).
    std::optional<double> fraction(const Path& path, const json& j, bool is_rate, const std::string& expected) {
        double v = j.is_number() ? j.get<double>() : -1;
        bool ok = j.is_number() && std::isfinite(v) && (is_rate ? v >= 0 && v < 1 : v > 0 && v <= 1);
        if (ok) return v;
        at_value(path, "expected " + expected + ", got " + describe(j));
        return std::nullopt;
    }

    std::optional<AlertNotify> notify(const Path& path, const json& j) {
        if (!expect_object(path, j, "command and/or webhook")) return std::nullopt;
        check_keys(path, j, {"$comment", "command", "webhook"});
        AlertNotify n;
        if (j.contains("command"))
            if (auto cmd = command(path / "command", j["command"])) n.command = *cmd;
        if (j.contains("webhook") && expect_string(path / "webhook", j["webhook"])) {
            n.webhook = j["webhook"].get<std::string>();
            if (n.webhook.rfind("http://", 0) != 0 || n.webhook.size() <= 7)
                at_value(path / "webhook", "expected an http:// URL such as \"http://127.0.0.1:9093/hook\" (https "
                                           "is not spoken: point it at a local relay), got " + describe(j["webhook"]));
        }
        return n;
    }

    // A command: non-empty array of strings whose program is non-empty. Arguments may be "".
    std::optional<std::vector<std::string>> command(const Path& path, const json& j) {
        const std::string expected = "expected a non-empty array of strings, e.g. [\"python3\", \"hook.py\"]";
        if (!j.is_array() || j.empty()) {
            at_value(path, expected + ", got " + (j.is_array() ? "[]" : describe(j)));
            return std::nullopt;
        }
        std::vector<std::string> out;
        bool ok = true;
        for (std::size_t i = 0; i < j.size(); ++i) {
            if (!j[i].is_string()) {
                at_value(path / i, "expected a string (each argument separately), got " + describe(j[i]));
                ok = false;
            } else if (i == 0 && j[i].get<std::string>().empty()) {
                at_value(path / i, "the program name must not be empty");
                ok = false;
            } else {
                out.push_back(j[i].get<std::string>());
            }
        }
        if (!ok) return std::nullopt;
        return out;
    }

    std::optional<OnFailure> on_failure(const Path& path, const json& obj) {
        const json& j = obj["on_failure"];
        if (!j.is_string()) {
            at_value(path / "on_failure", "expected one of " + join(kActions) + ", got " + describe(j));
            return std::nullopt;
        }
        auto action = failure_action_from_string(j.get<std::string>());
        if (!action) {
            std::string message = "unknown action " + j.dump();
            if (auto hint = did_you_mean(j.get<std::string>(), kActions)) message += "; did you mean \"" + *hint + "\"?";
            at_value(path / "on_failure", message + " (expected one of " + join(kActions) + ")");
            return std::nullopt;
        }
        OnFailure result;
        result.action = *action;
        if (*action != FailureAction::fallback) return result;

        if (!obj.contains("fallback")) {
            at_value(path / "on_failure",
                     "on_failure \"fallback\" needs a \"fallback\" object next to it, with \"output\" (a JSON "
                     "object printed as the answer) or \"command\" (an array of strings)");
            return std::nullopt;
        }
        Path fp = path / "fallback";
        const json& f = obj["fallback"];
        if (!expect_object(fp, f, "with \"output\" or \"command\"")) return std::nullopt;
        check_keys(fp, f, {"output", "command"});
        if (f.contains("output") == f.contains("command")) {
            at_key(fp, std::string(f.contains("output") ? "has both" : "has neither") +
                           " \"output\" and \"command\"; give exactly one");
            return std::nullopt;
        }
        if (f.contains("output")) {
            if (!f["output"].is_object()) {
                at_value(fp / "output", "expected a JSON object (the hook answer to print), got " + describe(f["output"]));
                return std::nullopt;
            }
            result.fallback_output = f["output"].dump();
        } else {
            auto cmd = command(fp / "command", f["command"]);
            if (!cmd) return std::nullopt;
            result.fallback_command = *cmd;
        }
        return result;
    }

    // One of a few words, with did-you-mean.
    std::optional<std::string> choice(const Path& path, const json& j, const std::vector<std::string>& allowed) {
        std::vector<std::string> quoted;
        for (const auto& a : allowed) quoted.push_back("\"" + a + "\"");
        if (!j.is_string()) {
            at_value(path, "expected one of " + join(quoted) + ", got " + describe(j));
            return std::nullopt;
        }
        const std::string& text = j.get_ref<const std::string&>();
        if (std::find(allowed.begin(), allowed.end(), text) != allowed.end()) return text;
        std::string message = "unknown value " + j.dump();
        if (auto hint = did_you_mean(text, allowed)) message += "; did you mean \"" + *hint + "\"?";
        at_value(path, message + " (expected one of " + join(quoted) + ")");
        return std::nullopt;
    }

    std::optional<bool> boolean(const Path& path, const json& j) {
        if (j.is_boolean()) return j.get<bool>();
        at_value(path, "expected true or false, got " + describe(j));
        return std::nullopt;
    }

    // An array of strings, each checked by `item` (returns "" when fine, else the problem).
    template <class Check>
    std::optional<std::vector<std::string>> string_list(const Path& path, const json& j, const std::string& example,
                                                        Check item) {
        if (!j.is_array()) {
            at_value(path, "expected an array of strings, e.g. " + example + ", got " + describe(j));
            return std::nullopt;
        }
        std::vector<std::string> out;
        bool ok = true;
        for (std::size_t i = 0; i < j.size(); ++i) {
            if (!j[i].is_string()) {
                at_value(path / i, "expected a string, got " + describe(j[i]));
                ok = false;
                continue;
            }
            std::string problem = item(j[i].get<std::string>());
            if (!problem.empty()) {
                at_value(path / i, problem);
                ok = false;
                continue;
            }
            out.push_back(j[i].get<std::string>());
        }
        if (!ok) return std::nullopt;
        return out;
    }

    static std::string env_pattern_problem(const std::string& p) {
        if (p.empty()) return "an empty pattern matches nothing; remove it";
        if (p.find('=') != std::string::npos)
            return "a pattern matches variable names, which cannot contain '=' (got \"" + p + "\")";
        return "";
    }

    static std::string writable_problem(const std::string& p) {
        if (p.empty()) return "an empty path; remove it";
        if (p[0] != '/' && p[0] != '$')
            return "expected an absolute path or one starting with a variable such as $CLAUDE_PROJECT_DIR, got \"" +
                   p + "\"";
        if (p[0] == '$') {
            std::size_t i = 1;
            if (i < p.size() && p[i] == '{') ++i;
            if (i >= p.size() || !(std::isalpha(static_cast<unsigned char>(p[i])) || p[i] == '_'))
                return "\"" + p + "\" does not start with a variable name ($NAME or ${NAME})";
            if (p[1] == '{' && p.find('}') == std::string::npos) return "unclosed ${ in \"" + p + "\"";
        }
        return "";
    }

    SandboxOverrides sandbox(const Path& path, const json& obj) {
        SandboxOverrides o;
        if (!expect_object(path, obj, "network, filesystem, env, no_new_privs, keep_cap_sys_admin, pid_namespace, unavailable")) return o;
        check_keys(path, obj,
                   {"$comment", "network", "filesystem", "env", "no_new_privs", "keep_cap_sys_admin", "pid_namespace",
                    "unavailable"});
        if (obj.contains("network"))
            if (auto v = choice(path / "network", obj["network"], kNetworkModes))
                o.network = *v == "none" ? NetworkMode::none : NetworkMode::host;
        if (obj.contains("no_new_privs")) o.no_new_privs = boolean(path / "no_new_privs", obj["no_new_privs"]);
        if (obj.contains("keep_cap_sys_admin"))
            o.keep_cap_sys_admin = boolean(path / "keep_cap_sys_admin", obj["keep_cap_sys_admin"]);
        if (obj.contains("pid_namespace")) o.pid_namespace = boolean(path / "pid_namespace", obj["pid_namespace"]);
        if (obj.contains("unavailable"))
            if (auto v = choice(path / "unavailable", obj["unavailable"], kUnavailableModes))
                o.refuse_unavailable = *v == "refuse";
        if (obj.contains("filesystem")) {
            Path fp = path / "filesystem";
            const json& f = obj["filesystem"];
            if (expect_object(fp, f, "read_only, writable")) {
                check_keys(fp, f, {"$comment", "read_only", "writable"});
                if (f.contains("read_only")) o.read_only = boolean(fp / "read_only", f["read_only"]);
                if (f.contains("writable"))
                    o.writable = string_list(fp / "writable", f["writable"], "[\"$CLAUDE_PROJECT_DIR\", \"/tmp\"]",
                                             writable_problem);
            }
        }
        if (obj.contains("env")) {
            Path ep = path / "env";
            const json& e = obj["env"];
            if (expect_object(ep, e, "allow, scrub")) {
                check_keys(ep, e, {"$comment", "allow", "scrub"});
                if (e.contains("allow"))
                    o.env_allow = string_list(ep / "allow", e["allow"], "[\"PATH\", \"HOME\", \"CLAUDE_*\"]",
                                              env_pattern_problem);
                if (e.contains("scrub"))
                    o.env_scrub = string_list(ep / "scrub", e["scrub"], "[\"*_TOKEN\", \"AWS_*\"]",
                                              env_pattern_problem);
            }
        }
        return o;
    }

    Layer layer(const Path& path, const json& obj, bool is_hook) {
        Layer l;
        if (!expect_object(path, obj, is_hook ? "a hook entry" : "with limits, budgets, on_failure, breaker, sandbox, alerts"))
            return l;
        std::vector<std::string> allowed{"$comment", "limits", "budgets", "on_failure", "fallback", "breaker",
                                         "sandbox", "alerts"};
        if (is_hook) allowed.insert(allowed.end(), {"event", "matcher", "command", "description"});
        check_keys(path, obj, allowed);
        if (obj.contains("limits")) l.limits = limits(path / "limits", obj["limits"]);
        if (obj.contains("budgets")) l.budgets = budgets(path / "budgets", obj["budgets"]);
        if (obj.contains("breaker")) l.breaker = breaker(path / "breaker", obj["breaker"]);
        if (obj.contains("sandbox")) l.sandbox = sandbox(path / "sandbox", obj["sandbox"]);
        if (obj.contains("alerts")) l.alerts = alerts(path / "alerts", obj["alerts"]);
        if (obj.contains("on_failure")) l.on_failure = on_failure(path, obj);
        bool fallback_action = obj.contains("on_failure") && obj["on_failure"] == "fallback";
        if (obj.contains("fallback") && !fallback_action)
            at_key(path / "fallback", "\"fallback\" is only used with \"on_failure\": \"fallback\" in the same block");
        return l;
    }

    void events(const Path& path, const json& obj, Policy& policy) {
        if (!expect_object(path, obj, "event name -> settings")) return;
        for (const auto& [name, value] : obj.items()) {
            if (!check_event_name(path / name, name, true)) continue;
            policy.events[name] = layer(path / name, value, false);
        }
    }

    bool check_event_name(const Path& path, const std::string& name, bool at_the_key) {
        const auto& events = known_events();
        if (std::find(events.begin(), events.end(), name) != events.end()) return true;
        std::string message = "unknown event \"" + name + "\"";
        auto hint = did_you_mean(name, events);
        if (hint) message += "; did you mean \"" + *hint + "\"?";
        message += " (" + (hint ? "\"" + *hint + "\" is an event of " + agents_of(*hint) + "; " : std::string()) +
                   "known events: " + join(events) + ")";
        at_the_key ? at_key(path, message) : at_value(path, message);
        return false;
    }

    void hooks(const Path& path, const json& obj, Policy& policy) {
        if (!expect_object(path, obj, "hook name -> {event, command, ...}")) return;
        for (const auto& [name, value] : obj.items()) {
            Path hp = path / name;
            // The name becomes a breaker key and a CLI argument; keep it shell- and path-safe.
            // The body is still checked, so one run of `policy check` shows every problem.
            if (!is_valid_hook_name(name))
                at_key(hp, "invalid hook name \"" + name + "\": use letters, digits, '.', '_' and '-'");
            HookEntry hook;
            hook.name = name;
            Position pos = index_.key(hp.pointer());
            hook.line = pos.line;
            hook.column = pos.column;
            hook.layer = layer(hp, value, true);
            if (!value.is_object()) continue;

            if (!value.contains("event"))
                at_key(hp, "missing required key \"event\" (one of " + join(known_events()) + ")");
            else if (expect_string(hp / "event", value["event"]) &&
                     check_event_name(hp / "event", value["event"].get<std::string>(), false))
                hook.event = value["event"].get<std::string>();

            if (!value.contains("command"))
                at_key(hp, "missing required key \"command\" (an array of strings, e.g. [\"python3\", \"hook.py\"])");
            else if (auto cmd = command(hp / "command", value["command"]))
                hook.command = *cmd;

            if (value.contains("matcher") && expect_string(hp / "matcher", value["matcher"])) {
                hook.matcher = value["matcher"].get<std::string>();
                check_matcher(hp / "matcher", hook.matcher);
            }
            if (value.contains("description") && expect_string(hp / "description", value["description"]))
                hook.description = value["description"].get<std::string>();
            policy.hooks.push_back(std::move(hook));
        }
    }

    // Classified by the protocol's own rule, so `policy check` rejects exactly the
    // matchers dispatch would treat as a regex that cannot match.
    void check_matcher(const Path& path, const std::string& matcher) {
        if (std::string error = agents::claude::matcher_regex_error(matcher); !error.empty())
            at_value(path, "matcher is neither a tool name list (letters, digits, _ - , |) nor a valid regular "
                           "expression: " + error);
    }

    const json& root_;
    const PositionIndex& index_;
    std::string file_;
    std::vector<Diagnostic>& errors_;
};

// nlohmann's parse_error knows the byte offset; we turn it into line:col our way (code
// points) and add a hint for the two mistakes people make most in hand-written JSON.
bool what_has(const json::parse_error& e, const char* needle) {
    return std::string(e.what()).find(needle) != std::string::npos;
}

Diagnostic syntax_error(const std::string& text, const std::string& file, const json::parse_error& e) {
    std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    // nlohmann stops at the end of the offending token; for a string, point at its start.
    bool string_token = what_has(e, "unexpected string literal") && offset < text.size() && text[offset] == '"';
    if (string_token) {
        std::size_t start = offset;
        while (start > 0 && !(text[start - 1] == '"' && (start < 2 || text[start - 2] != '\\'))) --start;
        if (start > 0) offset = start - 1;
    }
    Position pos = position_of_offset(text, offset);
    std::string what = e.what();
    std::string message = what;
    if (auto col = what.find("column "); col != std::string::npos)
        if (auto colon = what.find(": ", col); colon != std::string::npos) message = what.substr(colon + 2);
    message = "invalid JSON: " + message;
    if (offset < text.size()) {
        char here = text[offset];
        std::size_t before = offset;
        while (before > 0 && std::isspace(static_cast<unsigned char>(text[before - 1]))) --before;
        if (string_token && before > 0 && text[before - 1] != ',' && text[before - 1] != '{')
            message += " (missing comma before this?)";
        else if ((here == '}' || here == ']') && before > 0 && text[before - 1] == ',')
            message += " (trailing comma before '" + std::string(1, here) + "'?)";
        else if (here == '/' || (offset > 0 && text[offset - 1] == '/'))
            message += " (JSON has no comments; use a \"$comment\" key)";
    }
    return {file, pos.line, pos.column, "$", message};
}

// A value nlohmann cannot hold, found while parsing (a number such as 1E999999 overflows
// a double: out_of_range 406, not a parse_error, and once aborted `policy check`). The
// message quotes the literal, which locates it.
Diagnostic unreadable_value(const std::string& text, const std::string& file, const json::exception& e) {
    std::string what = e.what();
    std::size_t offset = 0;
    if (auto open = what.find('\''); open != std::string::npos)
        if (auto close = what.find('\'', open + 1); close != std::string::npos)
            if (auto at = text.find(what.substr(open + 1, close - open - 1)); at != std::string::npos) offset = at;
    Position pos = position_of_offset(text, offset);
    std::string message = what;
    if (auto bracket = what.find("] "); bracket != std::string::npos) message = what.substr(bracket + 2);
    return {file, pos.line, pos.column, "$", "invalid JSON: " + message + " (expected a number a double can hold)"};
}

}  // namespace

LoadResult load_string(const std::string& text, const std::string& name_for_messages) {
    LoadResult result;
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        result.errors.push_back(syntax_error(text, name_for_messages, e));
        return result;
    } catch (const json::exception& e) {
        result.errors.push_back(unreadable_value(text, name_for_messages, e));
        return result;
    }
    PositionIndex index(text);
    Policy policy = Validator(root, index, name_for_messages, result.errors).run();
    if (result.errors.empty()) {
        policy.path = name_for_messages;
        result.policy = std::move(policy);
    }
    return result;
}

LoadResult load_file(const std::string& path) {
    std::string why;
    auto text = fs::read_regular_file(path, kMaxPolicyBytes, why);
    if (!text) {
        LoadResult result;
        result.unreadable = true;
        result.errors.push_back({path, 0, 0, "$", "cannot read policy: " + why});
        return result;
    }
    return load_string(*text, path);
}

}  // namespace hookwarden::policy
