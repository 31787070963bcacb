#include "install/settings_shape.h"

#include <nlohmann/json.hpp>

#include "install/wrap.h"
#include "util/json_positions.h"

namespace hookwarden::install {

namespace {

using Path = std::vector<std::string>;

Path child(Path path, const std::string& key) {
    path.push_back(key);
    return path;
}

class ShapeChecker {
public:
    explicit ShapeChecker(Shape& shape) : shape_(shape) {}

    void check_event(const std::string& event, const ojson& groups) {
        if (!groups.is_array()) {
            error({"hooks", event}, "expected an array of matcher groups ([{\"matcher\": ..., \"hooks\": [...]}]), got " +
                                        type_name(groups));
            return;
        }
        for (std::size_t g = 0; g < groups.size(); ++g) check_group(event, g, groups[g]);
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
        for (std::size_t h = 0; h < list.size(); ++h)
            check_hook(CommandHook{event, g, h, matcher, "", std::nullopt}, list[h], child(child(at, "hooks"), std::to_string(h)));
    }

    // `c` arrives with its place and matcher; the command and timeout come from `hook`.
    void check_hook(CommandHook c, const ojson& hook, const Path& at) {
        if (!hook.is_object())
            return error(at, "expected a hook object ({\"type\": \"command\", \"command\": ...}), got " + type_name(hook));
        if (!hook.contains("type"))
            return error(child(at, "type"), "missing: expected \"command\", \"prompt\", \"agent\" or \"http\"");
        if (!hook["type"].is_string())
            return error(child(at, "type"), "expected a string (\"command\", \"prompt\", \"agent\", \"http\"), got " +
                                                type_name(hook["type"]));
        std::string type = hook["type"].get<std::string>();
        if (type != "command") {
            shape_.notes.push_back({at, "type \"" + type +
                                            "\" is not a command hook; left as it is (hookwarden supervises command "
                                            "hooks only)"});
            return;
        }
        if (auto problem = command_problem(hook)) return error(child(at, "command"), *problem);
        c.command = hook["command"].get<std::string>();
        if (hook.contains("timeout")) {
            const ojson& t = hook["timeout"];
            if (!t.is_number() || t.get<double>() <= 0)
                return error(child(at, "timeout"),
                             "expected a positive number of seconds, got " + (t.is_number() ? t.dump() : type_name(t)));
            c.timeout_s = t.get<double>();
        }
        shape_.commands.push_back(std::move(c));
    }

    static std::optional<std::string> command_problem(const ojson& hook) {
        if (!hook.contains("command")) return "missing: a command hook needs a \"command\" string";
        if (!hook["command"].is_string()) return "expected a string, got " + type_name(hook["command"]);
        if (hook["command"].get<std::string>().find_first_not_of(" \t\n") == std::string::npos)
            return "expected a command, got an empty string";
        return std::nullopt;
    }

    Shape& shape_;
};

}  // namespace

Shape check_shape(const ojson& root) {
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
    ShapeChecker checker(shape);
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

bool group_is_dispatch(const ojson& group) {
    if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array()) return false;
    for (const auto& h : group["hooks"])
        if (h.is_object() && h.value("type", "") == "command" && h.contains("command") && h["command"].is_string() &&
            is_dispatch_command(h["command"].get<std::string>()))
            return true;
    return false;
}

}  // namespace hookwarden::install
