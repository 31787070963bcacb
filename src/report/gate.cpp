#include "report/gate.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "report/text.h"

namespace hookwarden::report {

double HookBudget::p95_limit_ms() const {
    return budgets.p95_ms ? *budgets.p95_ms : static_cast<double>(timeout_ms) / 2.0;
}

namespace {

const HookStats* find_hook(const Report& report, const std::string& hook) {
    auto it = std::lower_bound(report.hooks.begin(), report.hooks.end(), hook,
                               [](const HookStats& s, const std::string& name) { return s.hook < name; });
    return it != report.hooks.end() && it->hook == hook ? &*it : nullptr;
}

// Duplicate names in a policy are the policy checker's business; the gate judges each
// hook once, by its first entry.
std::vector<const HookBudget*> unique_budgets(const std::vector<HookBudget>& budgets) {
    std::vector<const HookBudget*> out;
    std::set<std::string> seen;
    for (const auto& b : budgets)
        if (seen.insert(b.hook).second) out.push_back(&b);
    return out;
}

std::string percent(double rate) { return fmt::format("{:.1f}%", rate * 100); }

struct Judged {
    bool applicable = false;  // false: nothing to judge (no runs)
    double actual = 0, limit = 0;
    std::string message;
};

Judged judge(const HookStats& s, const HookBudget& b, const std::string& kind) {
    Judged j;
    const std::string who = text::utf8_sanitize(b.hook);
    if (kind == "p95_ms") {
        j.applicable = s.measured_runs > 0;
        j.actual = s.latency_ms.p95;
        j.limit = b.p95_limit_ms();
        j.message = fmt::format("{}: p95 latency {} ms exceeds the budget of {} ms ({} measured runs)", who,
                                text::short_ms(j.actual), text::number(j.limit), s.measured_runs);
    } else if (kind == "error_rate") {
        j.applicable = s.runs > 0;
        j.actual = s.error_rate;
        j.limit = b.budgets.error_rate;
        j.message = fmt::format("{}: error rate {} ({} failures) exceeds the budget of {}", who,
                                percent(j.actual), s.failures, percent(j.limit));
    } else if (kind == "timeouts") {
        j.applicable = s.runs > 0;
        j.actual = static_cast<double>(s.timeouts);
        j.limit = static_cast<double>(b.budgets.timeouts);
        j.message = fmt::format("{}: {} of {} runs timed out (timeout {} ms); the budget allows {}", who,
                                s.timeouts, s.runs, b.timeout_ms, b.budgets.timeouts);
    } else {
        j.applicable = s.runs > 0;
        j.actual = static_cast<double>(s.oom_kills);
        j.limit = static_cast<double>(b.budgets.oom);
        j.message = fmt::format("{}: {} of {} runs were OOM-killed; the budget allows {}", who, s.oom_kills,
                                s.runs, b.budgets.oom);
    }
    return j;
}

const Violation* find_violation(const std::vector<Violation>& violations, const std::string& hook,
                                const std::string& kind) {
    for (const auto& v : violations)
        if (v.hook == hook && v.budget == kind) return &v;
    return nullptr;
}

std::string kind_title(const std::string& kind) {
    if (kind == "p95_ms") return "p95 latency budget";
    if (kind == "error_rate") return "error rate budget";
    if (kind == "timeouts") return "timeout budget";
    return "OOM budget";
}

}  // namespace

std::vector<Violation> check(const Report& report, const std::vector<HookBudget>& budgets) {
    std::vector<Violation> out;
    for (const HookBudget* b : unique_budgets(budgets)) {
        const HookStats* s = find_hook(report, b->hook);
        if (!s || s->runs == 0) continue;
        for (const char* kind : kBudgetKinds) {
            Judged j = judge(*s, *b, kind);
            if (j.applicable && j.actual > j.limit)
                out.push_back(Violation{b->hook, kind, j.actual, j.limit, j.message, b});
        }
    }
    return out;
}

std::string render_junit(const Report& report, const std::vector<HookBudget>& budgets,
                         const std::vector<Violation>& violations) {
    auto hooks = unique_budgets(budgets);
    std::string cases;
    std::size_t tests = 0, failures = 0, skipped = 0;
    for (const HookBudget* b : hooks) {
        const HookStats* s = find_hook(report, b->hook);
        for (const char* kind : kBudgetKinds) {
            ++tests;
            cases += fmt::format("    <testcase classname=\"hookwarden.{}\" name=\"{}\" time=\"0\"",
                                 text::xml_escape(b->hook), kind);
            if (!b->policy_file.empty())
                cases += fmt::format(" file=\"{}\"", text::xml_escape(b->policy_file));
            if (b->line > 0) cases += fmt::format(" line=\"{}\"", b->line);
            cases += ">\n";
            if (const Violation* v = find_violation(violations, b->hook, kind)) {
                ++failures;
                cases += fmt::format(
                    "      <failure message=\"{}\" type=\"{}\">actual: {}&#10;limit: {}&#10;{}</failure>\n",
                    text::xml_escape(v->message), kind, text::number(v->actual), text::number(v->limit),
                    text::xml_escape(b->policy_file.empty() ? "built-in defaults"
                                                            : fmt::format("{}:{}:{}", b->policy_file,
                                                                          b->line, b->column)));
            } else if (!s || s->runs == 0) {
                ++skipped;
                cases += "      <skipped message=\"no runs recorded\"/>\n";
            } else if (std::string(kind) == "p95_ms" && s->measured_runs == 0) {
                ++skipped;
                cases += "      <skipped message=\"no run started (breaker open or spawn errors)\"/>\n";
            }
            cases += "    </testcase>\n";
        }
    }
    return fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"hookwarden\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"{2}\">\n"
        "  <testsuite name=\"hookwarden.check\" tests=\"{0}\" failures=\"{1}\" errors=\"0\" skipped=\"{2}\" "
        "time=\"0\">\n{3}  </testsuite>\n</testsuites>\n",
        tests, failures, skipped, cases);
}

namespace {

// RFC 3986 path: unreserved characters and '/' stay, everything else is percent-encoded,
// so policy paths with spaces or '#' still form a valid URI reference.
std::string uri_path(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            out += static_cast<char>(c);
        else
            out += fmt::format("%{:02X}", c);
    }
    return path.starts_with('/') ? "file://" + out : out;
}

std::string rule_help(const std::string& kind) {
    if (kind == "p95_ms")
        return "The 95th percentile (nearest-rank) of the hook's wall latency must not exceed the budget "
               "(policy budgets.p95_ms; default half the hook's timeout).";
    if (kind == "error_rate")
        return "Failures (error, crash, timeout, oom, spawn_error) divided by the runs that judged the hook "
               "(all but breaker_open and internal_error) must not exceed budgets.error_rate (default 5%).";
    if (kind == "timeouts") return "The number of runs killed at their timeout must not exceed budgets.timeouts (default 0).";
    return "The number of runs hit by the OOM killer must not exceed budgets.oom (default 0).";
}

std::string rule_name(const std::string& kind) {
    if (kind == "p95_ms") return "LatencyP95Budget";
    if (kind == "error_rate") return "ErrorRateBudget";
    if (kind == "timeouts") return "TimeoutBudget";
    return "OomBudget";
}

}  // namespace

std::string render_sarif(const Report& report, const std::vector<HookBudget>& budgets,
                         const std::vector<Violation>& violations) {
    (void)budgets;  // violations carry their location; kept for symmetry with render_junit
    using nlohmann::json;
    json rules = json::array();
    for (const char* kind : kBudgetKinds) {
        rules.push_back({{"id", kind},
                         {"name", rule_name(kind)},
                         {"shortDescription", {{"text", "Hook exceeds its " + kind_title(kind)}}},
                         {"fullDescription", {{"text", rule_help(kind)}}},
                         {"defaultConfiguration", {{"level", "error"}}},
                         {"help", {{"text", rule_help(kind)}}}});
    }
    json results = json::array();
    for (const auto& v : violations) {
        int index = 0;
        for (const char* kind : kBudgetKinds) {
            if (v.budget == kind) break;
            ++index;
        }
        json result = {{"ruleId", v.budget},
                       {"ruleIndex", index},
                       {"level", "error"},
                       {"message", {{"text", v.message}}},
                       {"partialFingerprints", {{"hookwarden/hook-budget/v1", v.hook + "/" + v.budget}}},
                       {"properties", {{"hook", v.hook}, {"actual", v.actual}, {"limit", v.limit}}}};
        if (v.where && !v.where->policy_file.empty()) {
            json physical = {{"artifactLocation", {{"uri", uri_path(v.where->policy_file)}}}};
            if (v.where->line > 0) {
                physical["region"] = {{"startLine", v.where->line}};
                if (v.where->column > 0) physical["region"]["startColumn"] = v.where->column;
            }
            json location = {{"physicalLocation", physical}};
            location["logicalLocations"] = json::array({{{"name", v.hook}, {"kind", "object"}}});
            result["locations"] = json::array({location});
        }
        results.push_back(std::move(result));
    }
    json run = {{"tool",
                 {{"driver",
                   {{"name", "hookwarden"},
                    {"informationUri", "https://github.com/hookwarden/hookwarden"},
                    {"semanticVersion", "0.1.0"},
                    {"rules", rules}}}}},
                {"results", results},
                {"columnKind", "unicodeCodePoints"},
                {"properties", {{"total_runs", report.total_runs}, {"since_ms", report.since_ms}}}};
    json sarif = {{"$schema", "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"},
                  {"version", "2.1.0"},
                  {"runs", json::array({run})}};
    return sarif.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string github_escape_data(const std::string& in) {
    std::string out;
    for (char c : in) {
        switch (c) {
            case '%': out += "%25"; break;
            case '\r': out += "%0D"; break;
            case '\n': out += "%0A"; break;
            default: out += c;
        }
    }
    return out;
}

std::string github_escape_property(const std::string& in) {
    std::string out;
    for (char c : github_escape_data(in)) {
        switch (c) {
            case ':': out += "%3A"; break;
            case ',': out += "%2C"; break;
            default: out += c;
        }
    }
    return out;
}

std::string render_github(const std::vector<Violation>& violations) {
    std::string out;
    for (const auto& v : violations) {
        std::vector<std::string> props;
        if (v.where && !v.where->policy_file.empty()) {
            props.push_back("file=" + github_escape_property(v.where->policy_file));
            if (v.where->line > 0) props.push_back(fmt::format("line={}", v.where->line));
            if (v.where->column > 0) props.push_back(fmt::format("col={}", v.where->column));
        }
        props.push_back("title=" + github_escape_property("hookwarden: " + v.hook + " exceeds its " +
                                                          kind_title(v.budget)));
        out += "::error " + fmt::format("{}", fmt::join(props, ",")) + "::" + github_escape_data(v.message) + "\n";
    }
    return out;
}

std::string render_github_summary(const Report& report, const std::vector<Violation>& violations) {
    std::string out = "## hookwarden check\n\n";
    out += violations.empty()
               ? fmt::format("**Passed**: no budget violated over {} runs.\n\n", report.total_runs)
               : fmt::format("**Failed**: {} budget violation{} over {} runs.\n\n", violations.size(),
                             violations.size() == 1 ? "" : "s", report.total_runs);
    out += "| hook | runs | p50 ms | p95 ms | p99 ms | error rate | timeouts | OOM | trips | status |\n";
    out += "|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n";
    for (const auto& s : report.hooks) {
        std::vector<std::string> failed;
        for (const auto& v : violations)
            if (v.hook == s.hook) failed.push_back(v.budget);
        bool have = s.measured_runs > 0;
        out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", text::markdown_cell(s.hook),
                           s.runs, text::short_ms(s.latency_ms.p50, have), text::short_ms(s.latency_ms.p95, have),
                           text::short_ms(s.latency_ms.p99, have), percent(s.error_rate), s.timeouts, s.oom_kills,
                           s.breaker_trips,
                           failed.empty() ? std::string("✅ ok")
                                          : "❌ " + text::markdown_cell(fmt::format("{}", fmt::join(failed, ", "))));
    }
    if (!violations.empty()) {
        out += "\n### Violations\n\n";
        for (const auto& v : violations) {
            std::string where;
            if (v.where && !v.where->policy_file.empty())
                where = fmt::format(" ({}:{})", text::markdown_cell(v.where->policy_file), v.where->line);
            out += "- " + text::markdown_cell(v.message) + where + "\n";
        }
    }
    return out;
}

}  // namespace hookwarden::report
