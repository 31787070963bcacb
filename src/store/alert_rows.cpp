// The alert_state table, and the slice of a hook's runs that alert windows look at
// (by the runs_hook_time index: a window's rows, never the hook's history).
#include <algorithm>

#include "store/alert_notice.h"
#include "store/impl.h"

namespace hookwarden::store {

namespace {

// One rule stepped at `at_ms`: its row updated or removed; true when it started firing.
bool step_rule(Store::Impl& impl, const std::string& hook, const AlertRule& rule,
               const std::vector<alerts::Sample>& samples, const std::vector<AlertState>& loaded, std::int64_t at_ms,
               AlertState& out) {
    alerts::Tracked tracked;
    auto it = std::find_if(loaded.begin(), loaded.end(), [&](const AlertState& a) { return a.kind == rule.kind; });
    if (it != loaded.end()) tracked = {it->active_since_ms, it->firing};
    alerts::Condition now = rule.enabled ? alerts::condition(rule, samples, at_ms) : alerts::Condition{};
    alerts::Step step = alerts::step(rule, tracked, now, at_ms);
    if (!step.next.active_since_ms) {
        if (it != loaded.end()) impl.delete_alert(hook, rule.kind);
        return false;
    }
    out = {hook, rule.kind, *step.next.active_since_ms, step.next.firing, now.why};
    impl.save_alert(out);
    return step.started_firing;
}

}  // namespace

std::vector<AlertState> Store::Impl::step_alerts(const std::string& hook, const AlertRules& rules, std::int64_t at_ms) {
    std::int64_t widest = 0;
    for (const AlertRule& rule : rules)
        if (rule.enabled) widest = std::max(widest, rule.window_ms);
    const auto samples = samples_since(hook, at_ms - widest);
    const auto loaded = load_alerts(hook);
    std::vector<AlertState> started;
    for (const AlertRule& rule : rules) {
        AlertState state;
        if (step_rule(*this, hook, rule, samples, loaded, at_ms, state)) started.push_back(state);
    }
    return started;
}

std::string Store::Impl::post_notices(const std::vector<AlertState>& started) {
    std::string error;
    for (const AlertState& a : started)
        if (std::string posted = post_notice(dir, a.hook, alerts::firing_message(a.hook, a.kind, a.why)); !posted.empty())
            error += (error.empty() ? "" : "; ") + posted;
    return error;
}

std::vector<AlertState> Store::track_alerts(const std::string& hook, const AlertRules& rules, std::int64_t at_ms,
                                            std::string* error) {
    std::vector<AlertState> started;
    std::string e = guarded("alerts of '" + hook + "'", impl_->path, [&] {
        WriteTx tx(*impl_);
        started = impl_->step_alerts(hook, rules, at_ms);
        tx.commit();
    });
    e += impl_->post_notices(started);
    if (error) *error = e;
    return started;
}

std::vector<AlertState> Store::alert_states(std::string* error) {
    return guarded_read<std::vector<AlertState>>("reading alert states", impl_->path, error,
                                                 [&] { return impl_->load_alerts(std::nullopt); });
}

std::vector<alerts::Sample> Store::Impl::samples_since(const std::string& hook, std::int64_t after_ms) {
    Stmt s = cached("SELECT time_ms, outcome, wall_ms, peak_memory_bytes, limit_memory_mb FROM runs "
                    "WHERE hook = ?1 AND time_ms > ?2 ORDER BY time_ms");
    s.bind(1, hook);
    s.bind(2, after_ms);
    std::vector<alerts::Sample> out;
    while (s.step())
        out.push_back({s.i64(0), outcome_from_string(s.text(1)).value_or(Outcome::internal_error), s.real(2),
                       s.i64(3), s.i64(4)});
    return out;
}

std::vector<AlertState> Store::Impl::load_alerts(const std::optional<std::string>& hook) {
    Stmt s = hook ? cached("SELECT hook, alert, active_since_ms, firing, why FROM alert_state WHERE hook = ?1")
                  : cached("SELECT hook, alert, active_since_ms, firing, why FROM alert_state ORDER BY hook, alert");
    if (hook) s.bind(1, *hook);
    std::vector<AlertState> out;
    while (s.step()) {
        auto kind = alert_from_name(s.text(1));
        if (!kind) continue;  // a rule this version does not know: left alone
        out.push_back({s.text(0), *kind, s.i64(2), s.i64(3) != 0, s.text(4)});
    }
    return out;
}

void Store::Impl::save_alert(const AlertState& a) {
    Stmt s = cached("INSERT OR REPLACE INTO alert_state (hook, alert, active_since_ms, firing, why) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, a.hook);
    s.bind(2, std::string(alert_name(a.kind)));
    s.bind(3, a.active_since_ms);
    s.bind(4, a.firing);
    s.bind(5, a.why);
    s.step();
}

void Store::Impl::delete_alert(const std::string& hook, AlertKind kind) {
    Stmt s = cached("DELETE FROM alert_state WHERE hook = ?1 AND alert = ?2");
    s.bind(1, hook);
    s.bind(2, std::string(alert_name(kind)));
    s.step();
}

std::vector<Store::Notified> Store::notified(std::string* error) {
    return guarded_read<std::vector<Notified>>("reading alert notifications", impl_->path, error, [&] {
        Stmt s = impl_->cached("SELECT hook, alert, notified_ms, error FROM alert_notified ORDER BY hook, alert");
        std::vector<Notified> out;
        while (s.step())
            if (auto kind = alert_from_name(s.text(1))) out.push_back({s.text(0), *kind, s.i64(2), s.text(3)});
        return out;
    });
}

std::string Store::set_notified(const Notified& row) {
    return guarded("recording an alert notification", impl_->path, [&] {
        Stmt s = impl_->cached("INSERT OR REPLACE INTO alert_notified (hook, alert, notified_ms, error) "
                               "VALUES (?1, ?2, ?3, ?4)");
        s.bind(1, row.hook);
        s.bind(2, std::string(alert_name(row.kind)));
        s.bind(3, row.notified_ms);
        s.bind(4, row.error);
        s.step();
    });
}

std::string Store::forget_notified(const std::string& hook, AlertKind kind) {
    return guarded("forgetting an alert notification", impl_->path, [&] {
        Stmt s = impl_->cached("DELETE FROM alert_notified WHERE hook = ?1 AND alert = ?2");
        s.bind(1, hook);
        s.bind(2, std::string(alert_name(kind)));
        s.step();
    });
}

}  // namespace hookwarden::store
