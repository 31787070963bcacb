#include "breaker/breaker.h"

#include <algorithm>

#include "hookwarden/enum_names.h"

namespace hookwarden::breaker {

namespace {

constexpr EnumNames<Action, 4> kActionNames{{
    {Action::reset, "reset"}, {Action::close, "close"}, {Action::open, "open"}, {Action::disable, "disable"}}};

std::int64_t probes_allowed(const BreakerConfig& config) {
    return std::max<std::int64_t>(config.half_open_probes, 1);
}

void trip(Breaker& b, const BreakerConfig& config, std::int64_t now_ms) {
    b.state = BreakerState::open;
    b.since_ms = now_ms;
    b.open_count += 1;
    b.open_until_ms = now_ms + open_duration_ms(config, b.open_count);
    b.trips += 1;
    b.consecutive_failures = 0;
    b.probe_successes = 0;
    b.recent.clear();
}

void close(Breaker& b, std::int64_t now_ms) {
    b.state = BreakerState::closed;
    b.since_ms = now_ms;
    b.open_until_ms = 0;
    b.open_count = 0;
    b.consecutive_failures = 0;
    b.probe_successes = 0;
    b.recent.clear();
}

// A call made while closed. Thresholds <= 0 switch their rule off rather than tripping on
// everything: a policy that reaches here unvalidated must not wedge every hook open.
void account_closed(Breaker& b, const BreakerConfig& config, bool failure, bool slow, std::int64_t now_ms) {
    b.consecutive_failures = failure ? b.consecutive_failures + 1 : 0;
    if (config.window > 0) {
        b.recent.push_back(static_cast<char>('0' + (failure ? 1 : 0) + (slow ? 2 : 0)));
        auto window = static_cast<std::size_t>(config.window);
        if (b.recent.size() > window) b.recent.erase(0, b.recent.size() - window);
    } else {
        b.recent.clear();
    }
    bool trips = config.consecutive_failures > 0 && b.consecutive_failures >= config.consecutive_failures;
    WindowRates rates = window_rates(b.recent);
    if (!trips && rates.calls > 0 && rates.calls >= config.min_calls) {
        trips = (config.failure_rate > 0 && rates.failure_rate >= config.failure_rate) ||
                (config.slow_call_rate > 0 && rates.slow_rate >= config.slow_call_rate);
    }
    if (trips) trip(b, config, now_ms);
}

// A probe's result. Returns true when it decided the episode.
bool account_probe(Breaker& b, const BreakerConfig& config, bool failure, bool slow, std::int64_t now_ms) {
    // A slow probe is not evidence of recovery: slowness may be why it tripped.
    if (failure || slow) {
        trip(b, config, now_ms);
        return true;
    }
    if (++b.probe_successes < probes_allowed(config)) return false;
    close(b, now_ms);
    return true;
}

}  // namespace

Breaker fresh(std::int64_t now_ms) {
    Breaker b;
    b.since_ms = now_ms;
    return b;
}

WindowRates window_rates(const std::string& recent) {
    WindowRates rates;
    std::int64_t failures = 0, slow = 0;
    for (char c : recent) {
        int bits = c - '0';
        failures += bits & 1;
        slow += (bits >> 1) & 1;
    }
    rates.calls = static_cast<std::int64_t>(recent.size());
    if (rates.calls > 0) {
        rates.failure_rate = static_cast<double>(failures) / static_cast<double>(rates.calls);
        rates.slow_rate = static_cast<double>(slow) / static_cast<double>(rates.calls);
    }
    return rates;
}

std::int64_t open_duration_ms(const BreakerConfig& config, std::int64_t open_count) {
    std::int64_t base = std::max<std::int64_t>(config.open_ms, 0);
    std::int64_t cap = std::max(config.max_open_ms, base);
    std::int64_t duration = base;
    for (std::int64_t i = 1; i < open_count && duration < cap; ++i) duration *= 2;
    return std::min(duration, cap);
}

bool needs_admission(BreakerState state) {
    return state != BreakerState::closed && state != BreakerState::disabled;
}

std::optional<Verdict> admit_without_probe(const Breaker& b, std::int64_t now_ms) {
    Verdict v;
    switch (b.state) {
        case BreakerState::closed:
        case BreakerState::disabled:
            return v;
        case BreakerState::forced_open:
            v.run = false;
            return v;
        case BreakerState::open:
            if (now_ms >= b.open_until_ms) return std::nullopt;
            v.run = false;
            v.retry_after_ms = b.open_until_ms - now_ms;
            return v;
        case BreakerState::half_open:
            break;
    }
    return std::nullopt;
}

bool enter_half_open(Breaker& b, std::int64_t now_ms) {
    if (b.state != BreakerState::open) return false;
    b.state = BreakerState::half_open;
    b.since_ms = now_ms;
    b.probe_successes = 0;
    return true;
}

bool probe_expired(std::int64_t expires_ms, std::int64_t now_ms) { return expires_ms <= now_ms; }

Verdict admit_probe(const BreakerConfig& config, const std::vector<std::int64_t>& slot_expiries,
                    std::int64_t now_ms, std::int64_t probe_ttl_ms) {
    std::int64_t live = 0;
    std::optional<std::int64_t> earliest;
    for (std::int64_t expires : slot_expiries) {
        if (probe_expired(expires, now_ms)) continue;
        ++live;
        earliest = std::min(earliest.value_or(expires), expires);
    }
    Verdict v;
    if (live < probes_allowed(config)) {
        v.probe = true;
        v.probe_expires_ms = now_ms + std::max<std::int64_t>(probe_ttl_ms, 1);
    } else {
        v.run = false;
        v.retry_after_ms = std::max<std::int64_t>(earliest.value_or(now_ms) - now_ms, 1);
    }
    return v;
}

bool apply(Breaker& b, const BreakerConfig& config, const Result& result, std::int64_t now_ms) {
    bool failure = is_failure(result.outcome);
    bool slow = config.slow_call_ms > 0 && result.wall_ms >= static_cast<double>(config.slow_call_ms);
    b.runs += 1;
    if (failure) b.failures += 1;
    if (!counts_for_breaker(result.outcome)) return false;
    if (result.probe && b.state == BreakerState::half_open) return account_probe(b, config, failure, slow, now_ms);
    if (!result.probe && b.state == BreakerState::closed) account_closed(b, config, failure, slow, now_ms);
    // Otherwise the result arrived after the breaker moved on (a run admitted before a
    // trip, a probe after another probe decided): it counts in runs/failures only.
    return false;
}

const char* to_string(Action action) { return name_in(kActionNames, action, "reset"); }

std::optional<Action> action_from_string(const std::string& text) { return value_in(kActionNames, text); }

void apply(Breaker& b, Action action, std::int64_t now_ms) {
    switch (action) {
        case Action::reset:
        case Action::close:
            close(b, now_ms);
            // reset forgets the trip history too; close only ends this episode.
            if (action == Action::reset) b.trips = 0;
            return;
        case Action::open:
        case Action::disable:
            b.state = action == Action::open ? BreakerState::forced_open : BreakerState::disabled;
            b.since_ms = now_ms;
            b.open_until_ms = 0;
            b.probe_successes = 0;
            return;
    }
}

}  // namespace hookwarden::breaker
