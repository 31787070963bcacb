// Event parsing and matchers. This runs on every hook invocation before the hook starts,
// so it stays allocation-light: a SAX pass that keeps a handful of top-level strings,
// and regexes compiled once per thread.
#include "protocol/claude.h"

#include <array>
#include <cstddef>
#include <memory>
// GCC 12 reports a false -Wmaybe-uninitialized inside <regex>'s automaton when
// sanitizers change inlining (a known GCC 12 false positive); silenced for the header only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

namespace hookwarden::protocol {

namespace {

// The top-level fields worth keeping. Key order in the object is arbitrary, so every
// candidate matcher field is kept until hook_event_name is known.
enum class Field { none, event, session_id, tool_name, source, reason, notification_type, trigger, agent_type,
                   stop_hook_active };

constexpr std::array<std::pair<std::string_view, Field>, 9> kFields{{
    {"hook_event_name", Field::event},
    {"session_id", Field::session_id},
    {"tool_name", Field::tool_name},
    {"source", Field::source},
    {"reason", Field::reason},
    {"notification_type", Field::notification_type},
    {"trigger", Field::trigger},
    {"agent_type", Field::agent_type},
    {"stop_hook_active", Field::stop_hook_active},
}};

struct Collected {
    std::string event, session_id, tool_name, source, reason, notification_type, trigger, agent_type;
    bool stop_hook_active = false;
};

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
        if (depth_ == 1) {
            if (std::string* slot = slot_for(field_)) *slot = std::move(value);
        }
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
        for (const auto& [key_name, field] : kFields)
            if (name == key_name) field_ = field;
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

    std::string* slot_for(Field field) {
        switch (field) {
            case Field::event: return &out_.event;
            case Field::session_id: return &out_.session_id;
            case Field::tool_name: return &out_.tool_name;
            case Field::source: return &out_.source;
            case Field::reason: return &out_.reason;
            case Field::notification_type: return &out_.notification_type;
            case Field::trigger: return &out_.trigger;
            case Field::agent_type: return &out_.agent_type;
            default: return nullptr;
        }
    }

    Collected& out_;
    int depth_ = 0;
    Field field_ = Field::none;
    bool top_is_object_ = false;
    std::string error_;
};

const std::string* target_of(std::string_view event, const Collected& c) {
    const std::string_view field = matcher_field(event);
    if (field == "tool_name") return &c.tool_name;
    if (field == "source") return &c.source;
    if (field == "reason") return &c.reason;
    if (field == "notification_type") return &c.notification_type;
    if (field == "trigger") return &c.trigger;
    if (field == "agent_type") return &c.agent_type;
    return nullptr;
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
    if (event == "PreToolUse" || event == "PostToolUse" || event == "PostToolUseFailure" ||
        event == "PermissionRequest" || event == "PermissionDenied")
        return "tool_name";
    if (event == "SessionStart") return "source";
    if (event == "SessionEnd") return "reason";
    if (event == "Notification") return "notification_type";
    if (event == "PreCompact" || event == "PostCompact") return "trigger";
    if (event == "SubagentStart" || event == "SubagentStop") return "agent_type";
    return {};
}

bool matcher_applies(std::string_view event) {
    // Claude Code documents these as ignoring any matcher; a hook configured for them
    // with a matcher still runs every time.
    static constexpr std::array<std::string_view, 8> kNoMatcher{
        "UserPromptSubmit", "Stop", "TeammateIdle", "TaskCreated", "TaskCompleted", "WorktreeCreate",
        "WorktreeRemove", "CwdChanged"};
    for (std::string_view name : kNoMatcher)
        if (event == name) return false;
    return true;
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
    return std::regex_search(target.begin(), target.end(), *entry.regex);
}

}  // namespace hookwarden::protocol
