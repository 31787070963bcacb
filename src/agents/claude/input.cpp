// Event parsing and matchers. This runs on every hook invocation before the hook starts,
// so it stays allocation-light: a SAX pass that keeps a handful of top-level strings,
// and regexes compiled once per thread.
#include "agents/claude/protocol.h"

#include <cstddef>
#include <memory>
// GCC 12 reports a false -Wmaybe-uninitialized inside <regex>'s automaton when
// sanitizers change inlining (a known GCC 12 false positive); silenced for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "agents/claude/events.h"
#include "agents/payload_fields.h"

namespace hookwarden::agents::claude {

namespace {

// The top-level fields worth keeping. Key order in the object is arbitrary, so the value
// of every field some event matches on is kept until hook_event_name is known.
enum class Field { none, event, session_id, tool_name, stop_hook_active, matcher_candidate };

struct Collected {
    std::string event, session_id, tool_name;
    bool stop_hook_active = false;
    // (field name, value) of the top-level strings named by a matcher_field in the table.
    std::vector<std::pair<std::string_view, std::string>> candidates;
    // Keys only some agents send (agents/payload_fields.h), in order of appearance.
    std::vector<std::string> markers;

    const std::string* value_of(std::string_view field) const {
        if (field == "tool_name") return &tool_name;
        for (const auto& [name, value] : candidates)
            if (name == field) return &value;
        return nullptr;
    }
};

// The matcher field `key` names in some agent's table, or another field an adapter
// reads ("" when none does). A static string_view is returned, so the collected pair
// needs no copy of the name.
std::string_view matcher_field_named(std::string_view key) { return kept_field_named(key); }

class TopLevelSax final : public nlohmann::json_sax<nlohmann::json> {
public:
    explicit TopLevelSax(Collected& out) : out_(out) {}

    bool null() override { return value_seen(); }
    bool boolean(bool value) override {
        if (depth_ == 1 && field_ == Field::stop_hook_active) out_.stop_hook_active = value;
        return value_seen();
    }
    bool number_integer(number_integer_t) override { return value_seen(); }
    bool number_unsigned(number_unsigned_t) override { return value_seen(); }
    bool number_float(number_float_t, const string_t&) override { return value_seen(); }
    bool binary(binary_t&) override { return value_seen(); }

    bool string(string_t& value) override {
        if (depth_ == 1) store(value);
        return value_seen();
    }

    bool start_object(std::size_t) override {
        if (depth_ == 0) top_is_object_ = true;
        ++depth_;
        field_ = Field::none;
        return true;
    }
    bool end_object() override {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) override {
        ++depth_;
        field_ = Field::none;
        return true;
    }
    bool end_array() override {
        --depth_;
        return true;
    }

    bool key(string_t& name) override {
        field_ = Field::none;
        if (depth_ != 1) return true;
        if (std::string_view marker = marker_named(name); !marker.empty()) keep_marker(marker);
        if (name == "hook_event_name") field_ = Field::event;
        else if (name == "session_id") field_ = Field::session_id;
        else if (name == "tool_name") field_ = Field::tool_name;
        else if (name == "stop_hook_active") field_ = Field::stop_hook_active;
        else if (!(candidate_ = matcher_field_named(name)).empty()) field_ = Field::matcher_candidate;
        return true;
    }

    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
        error_ = ex.what();
        return false;
    }

    bool top_is_object() const { return top_is_object_; }
    const std::string& error() const { return error_; }

private:
    bool value_seen() {
        field_ = Field::none;
        return true;
    }

    void store(std::string& value) {
        switch (field_) {
            case Field::event: out_.event = std::move(value); break;
            case Field::session_id: out_.session_id = std::move(value); break;
            case Field::tool_name: out_.tool_name = std::move(value); break;
            case Field::matcher_candidate: keep_candidate(std::move(value)); break;
            default: break;
        }
    }

    void keep_marker(std::string_view marker) {
        for (const auto& kept : out_.markers)
            if (kept == marker) return;
        out_.markers.emplace_back(marker);
    }

    // A repeated key keeps its last value, as for the other fields.
    void keep_candidate(std::string value) {
        for (auto& [name, kept] : out_.candidates)
            if (name == candidate_) {
                kept = std::move(value);
                return;
            }
        out_.candidates.emplace_back(candidate_, std::move(value));
    }

    Collected& out_;
    int depth_ = 0;
    Field field_ = Field::none;
    std::string_view candidate_;  // the matcher field named by the current key
    bool top_is_object_ = false;
    std::string error_;
};

const std::string* target_of(std::string_view event, const Collected& c) {
    const std::string_view field = matcher_field(event);
    return field.empty() ? nullptr : c.value_of(field);
}

bool is_list_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '-' || ch == ' ' || ch == ',' || ch == '|';
}

bool is_everything(std::string_view matcher) { return matcher.empty() || matcher == "*"; }

bool is_plain_list(std::string_view matcher) {
    for (char ch : matcher)
        if (!is_list_char(ch)) return false;
    return true;
}

struct CompiledMatcher {
    std::unique_ptr<std::regex> regex;  // null: did not compile, matches nothing
    std::string error;
};

// Dispatch evaluates every policy hook's matcher on each event, and std::regex
// construction costs far more than a search, so compiled forms are kept. Per thread,
// because dispatch may match from worker threads and std::regex objects are not meant
// to be shared while searched. Bounded: policies have few distinct matchers, and a
// runaway caller must not grow this without limit.
const CompiledMatcher& compiled(std::string_view matcher) {
    thread_local std::unordered_map<std::string, CompiledMatcher> cache;
    if (auto it = cache.find(std::string(matcher)); it != cache.end()) return it->second;
    if (cache.size() >= 256) cache.clear();
    CompiledMatcher entry;
    try {
        entry.regex = std::make_unique<std::regex>(matcher.begin(), matcher.end(), std::regex::ECMAScript);
    } catch (const std::regex_error& ex) {
        entry.error = ex.what();
    }
    return cache.emplace(std::string(matcher), std::move(entry)).first->second;
}

std::string_view trim_spaces(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return text;
}

}  // namespace

std::string_view matcher_field(std::string_view event) {
    const EventFacts* facts = find_event(event);
    return facts ? facts->matcher_field : std::string_view{};
}

bool matcher_applies(std::string_view event) {
    // An event Claude Code does not document has no known matcher rule; matching its
    // (empty) target keeps the hooks configured with a matcher from running on guesses.
    const EventFacts* facts = find_event(event);
    return !facts || !facts->matcher_field.empty();
}

EventInfo parse_event(std::string_view stdin_bytes, std::string_view event_override) {
    EventInfo info;
    Collected collected;
    TopLevelSax sax(collected);
    bool ok = false;
    try {
        ok = nlohmann::json::sax_parse(stdin_bytes.begin(), stdin_bytes.end(), &sax,
                                       nlohmann::json::input_format_t::json, true);
    } catch (const std::exception& ex) {
        // sax_parse reports through the handler; this only guards against the unexpected.
        info.parse_error = ex.what();
    }
    if (ok && sax.top_is_object()) {
        info.is_json = true;
        info.event = std::move(collected.event);
        info.session_id = std::move(collected.session_id);
        info.stop_hook_active = collected.stop_hook_active;
    } else if (info.parse_error.empty()) {
        info.parse_error = ok ? "stdin is JSON but not an object" : sax.error();
        if (info.parse_error.empty()) info.parse_error = "stdin is not JSON";
    }
    if (!event_override.empty()) info.event = std::string(event_override);
    if (info.is_json) {
        if (const std::string* target = target_of(info.event, collected)) info.matcher_target = *target;
        info.markers = std::move(collected.markers);
        for (auto& [name, value] : collected.candidates) info.fields.emplace_back(name, std::move(value));
        info.tool_name = std::move(collected.tool_name);
    }
    return info;
}

bool matcher_is_regex(std::string_view matcher) { return !is_everything(matcher) && !is_plain_list(matcher); }

std::string matcher_regex_error(std::string_view matcher) {
    if (!matcher_is_regex(matcher)) return {};
    return compiled(matcher).error;
}

bool matcher_matches(std::string_view matcher, std::string_view target) {
    if (is_everything(matcher)) return true;
    if (is_plain_list(matcher)) {
        while (!matcher.empty()) {
            const std::size_t cut = matcher.find_first_of("|,");
            const std::string_view item = trim_spaces(matcher.substr(0, cut));
            if (!item.empty() && item == target) return true;
            if (cut == std::string_view::npos) break;
            matcher.remove_prefix(cut + 1);
        }
        return false;
    }
    const CompiledMatcher& entry = compiled(matcher);
    if (!entry.regex) return false;
    // libstdc++'s std::regex recurses once per character: a 40 KB tool name overflows the
    // stack. A target too long to search safely counts as a match, so the guard runs
    // rather than being skipped by a name nobody could check (docs/protocol.md).
    if (target.size() > kRegexTargetLimit) return true;
    return std::regex_search(target.begin(), target.end(), *entry.regex);
}

}  // namespace hookwarden::agents::claude
