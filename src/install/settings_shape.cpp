#include "install/settings_shape.h"

#include <nlohmann/json.hpp>

#include "install/wrap.h"
#include "util/json_positions.h"
#include "util/shell_words.h"

namespace hookwarden::install {

namespace {

using Path = std::vector<std::string>;

Path child(Path path, const std::string& key) {
    path.push_back(key);
    return path;
}

CommandHook placed(const std::string& event, std::size_t group, std::size_t index, bool flat) {
    CommandHook c;
    c.event = event;
    c.group = group;
    c.index = index;
    c.flat = flat;
    return c;
}

class ShapeChecker {
public:
    ShapeChecker(Shape& shape, const AgentFormat& format) : shape_(shape), f_(format) {}

    void check_event(const std::string& event, const ojson& list) {
        bool flat = f_.shape == HooksShape::flat;
        if (!list.is_array()) {
            error({"hooks", event}, std::string("expected an array of ") +
                                        (flat ? "hook objects" : "matcher groups ([{\"matcher\": ..., \"hooks\": [...]}])") +
                                        ", got " + type_name(list));
            return;
        }
        for (std::size_t g = 0; g < list.size(); ++g) {
            if (flat)
                check_hook(placed(event, 0, g, true), list[g], {"hooks", event, std::to_string(g)});
            else
                check_group(event, g, list[g]);
        }
    }

private:
    void error(Path where, std::string message) { shape_.errors.push_back({std::move(where), std::move(message)}); }

    void check_group(const std::string& event, std::size_t g, const ojson& group) {
        Path at = {"hooks", event, std::to_string(g)};
        if (!group.is_object())
            return error(at, "expected a matcher group object ({\"matcher\": ..., \"hooks\": [...]}), got " +
                                 type_name(group));
        std::string matcher;
        if (group.contains("matcher")) {
            if (!group["matcher"].is_string())
                return error(child(at, "matcher"), "expected a string, got " + type_name(group["matcher"]));
            matcher = group["matcher"].get<std::string>();
        }
        if (!group.contains("hooks")) return error(at, "missing \"hooks\": expected an array of hook objects");
        const ojson& list = group["hooks"];
        if (!list.is_array()) return error(child(at, "hooks"), "expected an array of hook objects, got " + type_name(list));
        for (std::size_t h = 0; h < list.size(); ++h) {
            CommandHook c = placed(event, g, h, false);
            c.matcher = matcher;
            check_hook(std::move(c), list[h], child(child(at, "hooks"), std::to_string(h)));
        }
    }

    // The handler's type: "command" (or the agent's untyped handler), else a note.
    bool is_command(const ojson& hook, const Path& at) {
        if (f_.command_type.empty()) return true;
        if (!hook.contains("type")) {
            error(child(at, "type"), "missing: expected \"command\", \"prompt\", \"agent\", \"http\" or \"mcp_tool\"");
            return false;
        }
        if (!hook["type"].is_string()) {
            error(child(at, "type"), "expected a string (\"command\", \"prompt\", \"agent\", \"http\", \"mcp_tool\"), got " +
                                         type_name(hook["type"]));
            return false;
        }
        std::string type = hook["type"].get<std::string>();
        if (type == f_.command_type) return true;
        shape_.notes.push_back({at, "type \"" + type +
                                        "\" is not a command hook; left as it is (hookwarden supervises command "
                                        "hooks only)"});
        return false;
    }

    // `c` arrives with its place; the rest comes from `hook`.
    void check_hook(CommandHook c, const ojson& hook, const Path& at) {
        if (!hook.is_object())
            return error(at, "expected a hook object ({\"type\": \"command\", \"" + std::string(f_.command_key) +
                                 "\": ...}), got " + type_name(hook));
        if (!is_command(hook, at)) return;
        if (f_.shape == HooksShape::flat && hook.contains("matcher") && hook["matcher"].is_string())
            c.matcher = hook["matcher"].get<std::string>();
        if (!f_.args_key.empty() && hook.contains(f_.args_key) && !hook.contains(f_.command_key)) {
            if (auto problem = args_problem(hook[f_.args_key])) return error(child(at, std::string(f_.args_key)), *problem);
            c.args = hook[f_.args_key].get<std::vector<std::string>>();
            c.command = join_quoted(*c.args);
        } else {
            if (auto problem = command_problem(hook)) return error(child(at, std::string(f_.command_key)), *problem);
            c.command = hook[f_.command_key].get<std::string>();
        }
        if (!read_timeout(c, hook, at)) return;
        c.async = hook.contains("async") && hook["async"] == true;
        c.fail_closed = !f_.fail_closed_key.empty() && hook.contains(f_.fail_closed_key) &&
                        hook[f_.fail_closed_key].dump() == f_.fail_closed_value_json;
        shape_.commands.push_back(std::move(c));
    }

    bool read_timeout(CommandHook& c, const ojson& hook, const Path& at) {
        if (!hook.contains(f_.timeout_key)) return true;
        const ojson& t = hook[f_.timeout_key];
        const char* unit = f_.timeout_unit_ms == 1 ? "milliseconds" : "seconds";
        if (!t.is_number() || t.get<double>() <= 0) {
            error(child(at, std::string(f_.timeout_key)),
                  std::string("expected a positive number of ") + unit + ", got " + (t.is_number() ? t.dump() : type_name(t)));
            return false;
        }
        c.timeout_ms = static_cast<std::int64_t>(t.get<double>() * static_cast<double>(f_.timeout_unit_ms));
        return true;
    }

    std::optional<std::string> command_problem(const ojson& hook) const {
        std::string key(f_.command_key);
        if (!hook.contains(key)) return "missing: a command hook needs a \"" + key + "\" string";
        if (!hook[key].is_string()) return "expected a string, got " + type_name(hook[key]);
        if (hook[key].get<std::string>().find_first_not_of(" \t\n") == std::string::npos)
            return "expected a command, got an empty string";
        return std::nullopt;
    }

    static std::optional<std::string> args_problem(const ojson& args) {
        if (!args.is_array() || args.empty()) return "expected a non-empty array of strings (the program and its arguments)";
        for (const auto& a : args)
            if (!a.is_string()) return "expected strings only, got " + type_name(a);
        return std::nullopt;
    }

    static std::string join_quoted(const std::vector<std::string>& argv) {
        std::string joined;
        for (const auto& a : argv) joined += (joined.empty() ? "" : " ") + shell::quote(a);
        return joined;
    }

    Shape& shape_;
    const AgentFormat& f_;
};

}  // namespace

Shape check_shape(const ojson& root, const AgentFormat& format) {
    Shape shape;
    if (!root.is_object()) {
        shape.errors.push_back({{}, "expected the settings object, got " + type_name(root)});
        return shape;
    }
    if (!root.contains("hooks")) return shape;
    const ojson& hooks = root["hooks"];
    if (!hooks.is_object()) {
        shape.errors.push_back(
            {{"hooks"}, "expected an object of event names (\"PreToolUse\": [...]), got " + type_name(hooks)});
        return shape;
    }
    ShapeChecker checker(shape, format);
    for (const auto& [event, groups] : hooks.items()) checker.check_event(event, groups);
    return shape;
}

std::string describe(const std::string& file, const std::string& text, const Problem& p) {
    jsonpos::PositionIndex index(text);
    auto pos = p.where.empty() ? jsonpos::Position{} : index.key(pointer_of(p.where));
    return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + json_path_of(p.where) +
           ": " + p.message;
}

void report(const std::string& file, const std::string& text, const std::vector<Problem>& problems,
            std::ostream& err, const char* prefix) {
    for (const auto& p : problems) err << prefix << describe(file, text, p) << "\n";
}

ojson& handler_of(ojson& settings, const CommandHook& c) {
    ojson& list = settings["hooks"][c.event];
    return c.flat ? list[c.index] : list[c.group]["hooks"][c.index];
}

bool group_is_dispatch(const ojson& group) {
    if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array()) return false;
    for (const auto& h : group["hooks"])
        if (h.is_object() && h.value("type", "") == "command" && h.contains("command") && h["command"].is_string() &&
            is_dispatch_command(h["command"].get<std::string>()))
            return true;
    return false;
}

}  // namespace hookwarden::install
