#include "hookwarden/run_record.h"

#include "hookwarden/enum_names.h"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

namespace hookwarden {

namespace {
constexpr EnumNames<Outcome, 10> kOutcomeNames{{
    {Outcome::ok, "ok"}, {Outcome::blocked, "blocked"}, {Outcome::error, "error"}, {Outcome::crash, "crash"},
    {Outcome::timeout, "timeout"}, {Outcome::oom, "oom"}, {Outcome::spawn_error, "spawn_error"},
    {Outcome::breaker_open, "breaker_open"}, {Outcome::internal_error, "internal_error"},
    {Outcome::output_overflow, "output_overflow"}}};

constexpr EnumNames<Answer, 5> kAnswerNames{{
    {Answer::own, "own"}, {Answer::allow, "allow"}, {Answer::block, "block"}, {Answer::ask, "ask"},
    {Answer::fallback, "fallback"}}};

// The name tables above, read both ways.
template <typename T>
void get_optional(const nlohmann::json& in, const char* key, T& value) {
    if (auto it = in.find(key); it != in.end() && !it->is_null()) it->get_to(value);
}

// Unknown on the wire is "", as it always was; a name this version does not know
// reads as unknown.
void get_state(const nlohmann::json& in, const char* key, std::optional<BreakerState>& state) {
    std::string text;
    get_optional(in, key, text);
    state = breaker_state_from_string(text);
}

}  // namespace

const char* to_string(Outcome outcome) { return name_in(kOutcomeNames, outcome, "internal_error"); }

std::optional<Outcome> outcome_from_string(const std::string& text) { return value_in(kOutcomeNames, text); }

bool is_failure(Outcome outcome) {
    switch (outcome) {
        case Outcome::error:
        case Outcome::crash:
        case Outcome::timeout:
        case Outcome::oom:
        case Outcome::spawn_error:
        case Outcome::output_overflow:
            return true;
        default:
            return false;
    }
}

bool counts_for_breaker(Outcome outcome) {
    return outcome != Outcome::breaker_open && outcome != Outcome::internal_error;
}

bool is_own_answer(Outcome outcome) {
    return outcome == Outcome::ok || outcome == Outcome::blocked || outcome == Outcome::error;
}

bool hook_measured(Outcome outcome, double wall_ms) {
    if (outcome == Outcome::breaker_open || outcome == Outcome::spawn_error) return false;
    return outcome != Outcome::internal_error || wall_ms > 0;
}

bool counts_in_failure_rate(Outcome outcome) {
    return outcome != Outcome::breaker_open && outcome != Outcome::internal_error;
}

void FailureRate::add(Outcome outcome) {
    if (!counts_in_failure_rate(outcome)) return;
    ++judged;
    if (is_failure(outcome)) ++failures;
}

double FailureRate::rate() const {
    return judged ? static_cast<double>(failures) / static_cast<double>(judged) : 0.0;
}

const char* to_string(Answer answer) { return name_in(kAnswerNames, answer, "own"); }

std::optional<Answer> answer_from_string(const std::string& text) { return value_in(kAnswerNames, text); }

Answer degraded_answer(FailureAction action) {
    switch (action) {
        case FailureAction::allow: return Answer::allow;
        case FailureAction::block: return Answer::block;
        case FailureAction::ask: return Answer::ask;
        case FailureAction::fallback: return Answer::fallback;
    }
    return Answer::allow;
}

bool is_degraded(Answer answer) { return answer != Answer::own; }

void to_json(nlohmann::json& out, const Limits& limits) {
    out = nlohmann::json{{"timeout_ms", limits.timeout_ms},   {"kill_grace_ms", limits.kill_grace_ms},
                         {"memory_mb", limits.memory_mb},     {"pids", limits.pids},
                         {"cpu_percent", limits.cpu_percent}, {"output_kb", limits.output_kb}};
}

void from_json(const nlohmann::json& in, Limits& limits) {
    get_optional(in, "timeout_ms", limits.timeout_ms);
    get_optional(in, "kill_grace_ms", limits.kill_grace_ms);
    get_optional(in, "memory_mb", limits.memory_mb);
    get_optional(in, "pids", limits.pids);
    get_optional(in, "cpu_percent", limits.cpu_percent);
    get_optional(in, "output_kb", limits.output_kb);
}

void to_json(nlohmann::json& out, const Confinement& c) {
    out = nlohmann::json{{"network", c.network},           {"filesystem", c.filesystem},
                         {"writable", c.writable},         {"env_scrubbed", c.env_scrubbed},
                         {"no_new_privs", c.no_new_privs}, {"signals", c.signals},
                         {"cgroupfs", c.cgroupfs},         {"dev_shm", c.dev_shm},
                         {"cap_sys_admin", c.cap_sys_admin}, {"pid_namespace", c.pid_namespace},
                         {"unavailable", c.unavailable},   {"notes", c.notes}};
}

void from_json(const nlohmann::json& in, Confinement& c) {
    if (!in.is_object()) return;
    get_optional(in, "network", c.network);
    get_optional(in, "filesystem", c.filesystem);
    get_optional(in, "writable", c.writable);
    get_optional(in, "env_scrubbed", c.env_scrubbed);
    get_optional(in, "no_new_privs", c.no_new_privs);
    get_optional(in, "signals", c.signals);
    get_optional(in, "cgroupfs", c.cgroupfs);
    get_optional(in, "dev_shm", c.dev_shm);
    get_optional(in, "cap_sys_admin", c.cap_sys_admin);
    get_optional(in, "pid_namespace", c.pid_namespace);
    get_optional(in, "unavailable", c.unavailable);
    get_optional(in, "notes", c.notes);
}

void to_json(nlohmann::json& out, const RunRecord& r) {
    out = nlohmann::json{
        {"time_unix_ms", r.time_unix_ms},
        {"hook", r.hook},
        {"event", r.event},
        {"matcher_target", r.matcher_target},
        {"session_id", r.session_id},
        {"command", r.command},
        {"outcome", to_string(r.outcome)},
        {"answer", to_string(r.answer)},
        {"exit_code", r.exit_code ? nlohmann::json(*r.exit_code) : nlohmann::json(nullptr)},
        {"signal", r.signal ? nlohmann::json(*r.signal) : nlohmann::json(nullptr)},
        {"wall_ms", r.wall_ms},
        {"cpu_user_ms", r.cpu_user_ms},
        {"cpu_sys_ms", r.cpu_sys_ms},
        {"peak_memory_bytes", r.peak_memory_bytes},
        {"peak_memory_source", r.peak_memory_source},
        {"oom_killed", r.oom_killed},
        {"leftovers_killed", r.leftovers_killed},
        {"limits", r.limits},
        {"stdout_bytes", r.stdout_bytes},
        {"stderr_bytes", r.stderr_bytes},
        {"stdout_truncated", r.stdout_truncated},
        {"stderr_truncated", r.stderr_truncated},
        {"breaker_before", breaker_state_text(r.breaker_before)},
        {"breaker_after", breaker_state_text(r.breaker_after)},
        {"backend", r.backend},
        {"confinement", r.confinement},
        {"overhead_ms", r.overhead_ms},
        {"errors", r.errors},
        {"agent", to_string(r.agent)},
        {"served_by", r.served_by},
    };
}

void read_answer(const std::string& text, RunRecord& record) {
    if (auto answer = answer_from_string(text))
        record.answer = *answer;
    else
        record.errors.push_back("unknown answer '" + text + "' (expected own, allow, block, ask or fallback)");
}

// Records from before agents were recorded are Claude Code's; a name this version does
// not know stays visible in errors rather than being read as Claude Code silently.
void read_agent(const nlohmann::json& in, RunRecord& r) {
    auto it = in.find("agent");
    if (it == in.end() || !it->is_string()) return;
    if (auto agent = agent_from_string(it->get<std::string>()))
        r.agent = *agent;
    else
        r.errors.push_back("unknown agent '" + it->get<std::string>() + "' (expected " + agent_names() + ")");
}

void from_json(const nlohmann::json& in, RunRecord& r) {
    get_optional(in, "time_unix_ms", r.time_unix_ms);
    get_optional(in, "hook", r.hook);
    get_optional(in, "event", r.event);
    get_optional(in, "matcher_target", r.matcher_target);
    get_optional(in, "session_id", r.session_id);
    get_optional(in, "command", r.command);
    if (auto it = in.find("outcome"); it != in.end() && it->is_string())
        r.outcome = outcome_from_string(it->get<std::string>()).value_or(Outcome::internal_error);
    if (auto it = in.find("exit_code"); it != in.end() && it->is_number()) r.exit_code = it->get<int>();
    if (auto it = in.find("signal"); it != in.end() && it->is_number()) r.signal = it->get<int>();
    get_optional(in, "wall_ms", r.wall_ms);
    get_optional(in, "cpu_user_ms", r.cpu_user_ms);
    get_optional(in, "cpu_sys_ms", r.cpu_sys_ms);
    get_optional(in, "peak_memory_bytes", r.peak_memory_bytes);
    get_optional(in, "peak_memory_source", r.peak_memory_source);
    get_optional(in, "oom_killed", r.oom_killed);
    get_optional(in, "leftovers_killed", r.leftovers_killed);
    get_optional(in, "limits", r.limits);
    get_optional(in, "stdout_bytes", r.stdout_bytes);
    get_optional(in, "stderr_bytes", r.stderr_bytes);
    get_optional(in, "stdout_truncated", r.stdout_truncated);
    get_optional(in, "stderr_truncated", r.stderr_truncated);
    get_state(in, "breaker_before", r.breaker_before);
    get_state(in, "breaker_after", r.breaker_after);
    get_optional(in, "backend", r.backend);
    get_optional(in, "confinement", r.confinement);
    get_optional(in, "overhead_ms", r.overhead_ms);
    get_optional(in, "errors", r.errors);
    read_agent(in, r);
    get_optional(in, "served_by", r.served_by);
    if (auto it = in.find("answer"); it != in.end() && it->is_string())
        read_answer(it->get<std::string>(), r);  // after errors: an unknown answer adds one
}

}  // namespace hookwarden
