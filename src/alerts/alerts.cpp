#include "alerts/alerts.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "hookwarden/percentile.h"
#include "util/duration.h"

namespace hookwarden::alerts {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// Beyond the window and `for`, how far back `alerts` looks for since when a condition holds.
constexpr std::int64_t kExtraLookback = 15 * 60'000;

std::string fixed(double v, int digits) {
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", digits, v);
    return text;
}
std::string percent(double rate) { return fixed(rate * 100, rate * 100 < 10 ? 1 : 0) + " %"; }

// The samples in (at - window, at].
std::vector<const Sample*> in_window(const std::vector<Sample>& samples, std::int64_t window_ms, std::int64_t at_ms) {
    std::vector<const Sample*> out;
    for (const Sample& s : samples)
        if (s.time_ms > at_ms - window_ms && s.time_ms <= at_ms) out.push_back(&s);
    return out;
}

Condition slow_p95(const AlertRule& rule, const std::vector<const Sample*>& window, const std::string& span) {
    std::vector<double> walls;
    for (const Sample* s : window)
        if (hook_measured(s->outcome, s->wall_ms)) walls.push_back(s->wall_ms);
    Condition c;
    c.runs = walls.size();
    if (walls.empty()) return c;
    c.value = percentile(std::move(walls), 95);
    c.holds = c.value > rule.threshold;
    c.why = "p95 " + fixed(c.value, 0) + " ms of " + std::to_string(c.runs) + " run(s) in the last " + span +
            (c.holds ? " > " : " <= ") + fixed(rule.threshold, 0) + " ms";
    return c;
}

Condition memory_high(const AlertRule& rule, const std::vector<const Sample*>& window, const std::string& span) {
    Condition c;
    const Sample* worst = nullptr;
    for (const Sample* s : window) {
        if (!hook_measured(s->outcome, s->wall_ms) || s->memory_limit_mb <= 0) continue;
        ++c.runs;
        double ratio = static_cast<double>(s->peak_memory_bytes) / (static_cast<double>(s->memory_limit_mb) * kMiB);
        if (!worst || ratio > c.value) {
            worst = s;
            c.value = ratio;
        }
    }
    if (!worst) return c;
    c.holds = c.value > rule.threshold;
    c.why = "peak " + fixed(static_cast<double>(worst->peak_memory_bytes) / kMiB, 1) + " MiB = " + percent(c.value) +
            " of the " + std::to_string(worst->memory_limit_mb) + " MiB limit in the last " + span +
            (c.holds ? " > " : " <= ") + percent(rule.threshold);
    return c;
}

Condition error_rate(const AlertRule& rule, const std::vector<const Sample*>& window, const std::string& span) {
    FailureRate rate;
    for (const Sample* s : window) rate.add(s->outcome);
    Condition c;
    c.runs = rate.judged;
    if (rate.judged == 0) return c;
    c.value = rate.rate();
    c.holds = c.value > rule.threshold;
    c.why = std::to_string(rate.failures) + " of " + std::to_string(rate.judged) + " run(s) failed in the last " +
            span + " (" + percent(c.value) + (c.holds ? " > " : " <= ") + percent(rule.threshold) + ")";
    return c;
}

Condition timeouts(const AlertRule& rule, const std::vector<const Sample*>& window, const std::string& span) {
    Condition c;
    c.runs = window.size();
    c.value = static_cast<double>(std::count_if(window.begin(), window.end(),
                                                [](const Sample* s) { return s->outcome == Outcome::timeout; }));
    c.holds = c.value > rule.threshold;
    c.why = fixed(c.value, 0) + " timeout(s) in the last " + span +
            (rule.threshold > 0 ? " (more than " + fixed(rule.threshold, 0) + " fire)" : "");
    return c;
}

// Times at which the condition may change, newest first, within (now - horizon, now].
std::vector<std::int64_t> change_points(const AlertRule& rule, const std::vector<Sample>& samples,
                                        std::int64_t now_ms) {
    std::vector<std::int64_t> points{now_ms};
    const std::int64_t oldest = now_ms - horizon_ms(rule);
    for (const Sample& s : samples)
        for (std::int64_t t : {s.time_ms, s.time_ms + rule.window_ms})
            if (t > oldest && t <= now_ms) points.push_back(t);
    std::sort(points.rbegin(), points.rend());
    points.erase(std::unique(points.begin(), points.end()), points.end());
    return points;
}

}  // namespace

Sample sample_of(const RunRecord& r) {
    return {r.time_unix_ms, r.outcome, r.wall_ms, r.peak_memory_bytes, r.limits.memory_mb};
}

Condition condition(const AlertRule& rule, const std::vector<Sample>& samples, std::int64_t at_ms) {
    const auto window = in_window(samples, rule.window_ms, at_ms);
    const std::string span = duration_text(rule.window_ms);
    switch (rule.kind) {
        case AlertKind::slow_p95: return slow_p95(rule, window, span);
        case AlertKind::memory_high: return memory_high(rule, window, span);
        case AlertKind::error_rate: return error_rate(rule, window, span);
        case AlertKind::timeout: return timeouts(rule, window, span);
    }
    return {};
}

std::int64_t horizon_ms(const AlertRule& rule) { return rule.for_ms + rule.window_ms + kExtraLookback; }

Evaluation evaluate(const AlertRule& rule, const std::vector<Sample>& samples, std::int64_t now_ms) {
    Evaluation e;
    e.kind = rule.kind;
    e.now = condition(rule, samples, now_ms);
    if (!rule.enabled || !e.now.holds) return e;
    e.active = true;
    e.active_since_ms = now_ms;
    // Walk back over the change points while the condition held at each.
    for (std::int64_t t : change_points(rule, samples, now_ms)) {
        if (t != now_ms && !condition(rule, samples, t).holds) break;
        e.active_since_ms = t;
    }
    e.firing = now_ms - e.active_since_ms >= rule.for_ms;
    e.firing_since_ms = e.active_since_ms + rule.for_ms;
    return e;
}

Step step(const AlertRule& rule, const Tracked& tracked, const Condition& now, std::int64_t at_ms) {
    Step s;
    if (!rule.enabled || !now.holds) {
        s.resolved = tracked.firing;
        return s;  // next: inactive
    }
    s.next.active_since_ms = tracked.active_since_ms.value_or(at_ms);
    s.next.firing = at_ms - *s.next.active_since_ms >= rule.for_ms;
    s.started_firing = s.next.firing && !tracked.firing;
    return s;
}

std::vector<HookAlert> evaluate_records(const std::vector<RunRecord>& records, const RulesFor& rules_for,
                                        std::int64_t now_ms) {
    struct Hook {
        std::vector<Sample> samples;
        std::string event;  // of its newest record
        std::int64_t newest_ms = 0;
    };
    std::map<std::string, Hook> hooks;
    for (const RunRecord& r : records) {
        Hook& h = hooks[r.hook];
        h.samples.push_back(sample_of(r));
        if (h.event.empty() || r.time_unix_ms >= h.newest_ms) h.event = r.event, h.newest_ms = r.time_unix_ms;
    }
    std::vector<HookAlert> out;
    for (auto& [name, h] : hooks) {
        std::sort(h.samples.begin(), h.samples.end(), [](const Sample& a, const Sample& b) { return a.time_ms < b.time_ms; });
        for (const AlertRule& rule : rules_for(name, h.event)) {
            Evaluation e = evaluate(rule, h.samples, now_ms);
            if (e.active) out.push_back({name, h.event, rule, std::move(e)});
        }
    }
    return out;
}

std::string firing_message(const std::string& hook, AlertKind kind, const std::string& why) {
    return std::string("hookwarden: alert ") + alert_name(kind) + " is firing for hook '" + hook + "': " + why +
           " (`hookwarden alerts` shows what fires)";
}

}  // namespace hookwarden::alerts
