#include "policy/install.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "agents/claude/events.h"
#include "policy/json_positions.h"
#include "policy/policy.h"
#include "util/fs.h"

namespace hookwarden::install {

namespace stdfs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

constexpr int kConfigError = 2;

// ---------------------------------------------------------------- shell words

struct Word {
    std::string value;              // after quote removal (expansions left as written)
    std::size_t begin = 0, end = 0;  // raw extent in the command
    bool quoted = false;            // some part was quoted or escaped
    bool expands = false;           // contains $, ` or a glob/tilde outside single quotes
    bool assignment = false;        // NAME=... before any quoting
    bool redirect_target = false;   // the word after < or >
};

struct Scan {
    std::vector<std::vector<Word>> segments;  // simple commands, split at operators
    bool balanced = true;                     // quotes and escapes closed
    bool has_operator = false;                // ; & | < > ( ) newline
    bool has_comment = false;
};

bool is_name_char(char c, bool first) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

Scan scan(const std::string& s) {
    Scan out;
    out.segments.emplace_back();
    std::optional<Word> word;
    bool after_redirect = false;
    auto start_word = [&](std::size_t at) {
        if (!word) {
            word = Word{};
            word->begin = at;
            word->redirect_target = after_redirect;
            after_redirect = false;
        }
    };
    auto finish_word = [&](std::size_t at) {
        if (word) {
            word->end = at;
            out.segments.back().push_back(std::move(*word));
            word.reset();
        }
    };
    auto new_segment = [&] {
        if (!out.segments.back().empty()) out.segments.emplace_back();
    };
    std::size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (c == ' ' || c == '\t') {
            finish_word(i);
            ++i;
        } else if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')') {
            finish_word(i);
            out.has_operator = true;
            new_segment();
            after_redirect = c == '<' || c == '>';
            ++i;
        } else if (c == '#' && !word) {
            out.has_comment = true;
            break;
        } else if (c == '\'') {
            start_word(i);
            word->quoted = true;
            auto close = s.find('\'', i + 1);
            if (close == std::string::npos) {
                out.balanced = false;
                word->value += s.substr(i + 1);
                i = s.size();
            } else {
                word->value += s.substr(i + 1, close - i - 1);
                i = close + 1;
            }
        } else if (c == '"') {
            start_word(i);
            word->quoted = true;
            ++i;
            bool closed = false;
            while (i < s.size()) {
                char d = s[i];
                if (d == '"') {
                    closed = true;
                    ++i;
                    break;
                }
                if (d == '\\' && i + 1 < s.size() &&
                    (s[i + 1] == '$' || s[i + 1] == '`' || s[i + 1] == '"' || s[i + 1] == '\\' || s[i + 1] == '\n')) {
                    if (s[i + 1] == '\n') out.has_operator = true;  // line continuation: not one plain word
                    word->value += s[i + 1];
                    i += 2;
                    continue;
                }
                if (d == '$' || d == '`') word->expands = true;
                word->value += d;
                ++i;
            }
            if (!closed) out.balanced = false;
        } else if (c == '\\') {
            start_word(i);
            word->quoted = true;
            if (i + 1 >= s.size()) {
                out.balanced = false;
                ++i;
            } else {
                if (s[i + 1] == '\n') out.has_operator = true;
                word->value += s[i + 1];
                i += 2;
            }
        } else {
            bool at_start = !word;
            start_word(i);
            if (c == '$' || c == '`' || c == '*' || c == '?' || c == '[' || c == '{' || c == '}' ||
                (c == '~' && at_start))
                word->expands = true;
            if (c == '=' && !word->quoted && !word->value.empty() && !word->assignment) {
                bool name = is_name_char(word->value[0], true);
                for (char n : word->value) name = name && is_name_char(n, false);
                word->assignment = name;
            }
            word->value += c;
            ++i;
        }
    }
    finish_word(s.size());
    if (out.segments.back().empty() && out.segments.size() > 1) out.segments.pop_back();
    return out;
}

// Words that are not programs: a shell would run them differently from an exec.
bool is_shell_keyword_or_builtin(const std::string& w) {
    static const std::set<std::string> words = {
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in",
        "{", "}", "!", "[[", "]]", "function", "select", "time", "cd", ".", ":", "source", "exec", "eval",
        "export", "set", "unset", "trap", "ulimit", "umask", "wait", "read", "shift", "alias", "unalias",
        "command", "type", "hash", "local", "readonly", "return", "exit", "break", "continue", "times",
        "getopts", "jobs", "fg", "bg", "builtin", "declare", "typeset", "let", "shopt"};
    return words.count(w) > 0;
}

// ORIGINAL may follow `hookwarden run ... --` as is: the shell then hands hookwarden the
// very argv it would have run ORIGINAL with.
bool direct_form_ok(const std::string& command) {
    Scan sc = scan(command);
    if (!sc.balanced || sc.has_operator || sc.has_comment || sc.segments.size() != 1 || sc.segments[0].empty())
        return false;
    // Expansions in the command word ($VAR, ${CLAUDE_PLUGIN_ROOT}, ~) give the same argv
    // after the prefix; command substitution is kept in a shell.
    const Word& first = sc.segments[0][0];
    bool backtick = command.substr(first.begin, first.end - first.begin).find('`') != std::string::npos;
    if (first.assignment || backtick || is_shell_keyword_or_builtin(first.value)) return false;
    if (first.value.empty() || first.value[0] == '-') return false;
    return true;
}

std::string single_quote_always(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// Inverse of single_quote_always for its own output only.
std::optional<std::string> unquote_canonical(const std::string& quoted) {
    if (quoted.size() < 2 || quoted.front() != '\'' || quoted.back() != '\'') return std::nullopt;
    std::string inner = quoted.substr(1, quoted.size() - 2), out;
    for (std::size_t i = 0; i < inner.size();) {
        if (inner[i] != '\'') {
            out += inner[i++];
        } else if (inner.compare(i, 4, "'\\''") == 0) {
            out += '\'';
            i += 4;
        } else {
            return std::nullopt;
        }
    }
    if (single_quote_always(out) != quoted) return std::nullopt;
    return out;
}

constexpr const char* kShellPrefix = "sh -c ";

bool looks_like_shell_form(const std::string& command) {
    return command.rfind(kShellPrefix, 0) == 0 && unquote_canonical(command.substr(6)).has_value();
}

// ---------------------------------------------------------------- JSON helpers

struct IndentStyle {
    int width = 2;  // -1: compact
    char ch = ' ';
    bool trailing_newline = true;
};

IndentStyle detect_indent(const std::string& text) {
    IndentStyle style;
    std::size_t end = text.find_last_not_of(" \t\r\n");
    style.trailing_newline = !text.empty() && text.back() == '\n';
    std::size_t nl = text.find('\n');
    if (nl == std::string::npos || nl >= end) {
        style.width = text.empty() ? 2 : -1;
        return style;
    }
    for (std::size_t pos = nl; pos != std::string::npos && pos < end; pos = text.find('\n', pos + 1)) {
        std::size_t i = pos + 1, n = 0;
        char ch = i < text.size() ? text[i] : ' ';
        if (ch != ' ' && ch != '\t') continue;
        while (i < text.size() && text[i] == ch) ++i, ++n;
        if (i < text.size() && text[i] != '\n' && text[i] != '\r') {
            style.width = static_cast<int>(n);
            style.ch = ch;
            return style;
        }
    }
    return style;
}

std::string dump_with(const ojson& value, const IndentStyle& style) {
    std::string text = value.dump(style.width, style.ch, false, ojson::error_handler_t::strict);
    if (style.trailing_newline) text += '\n';
    return text;
}

// The policy's house style (that of policy init): two levels spelled out, deeper values on one line.
std::string inline_json(const ojson& v) {
    if (v.is_object()) {
        if (v.empty()) return "{}";
        std::string out = "{";
        bool first = true;
        for (const auto& [k, x] : v.items()) {
            out += first ? "" : ", ";
            first = false;
            out += ojson(k).dump() + ": " + inline_json(x);
        }
        return out + "}";
    }
    if (v.is_array()) {
        if (v.empty()) return "[]";
        std::string out = "[";
        for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + inline_json(v[i]);
        return out + "]";
    }
    return v.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string policy_text(const ojson& policy) {
    std::string out = "{\n";
    bool first = true;
    for (const auto& [k, v] : policy.items()) {
        out += first ? "" : ",\n";
        first = false;
        out += "  " + ojson(k).dump() + ": ";
        if (v.is_object() && !v.empty()) {
            out += "{\n";
            bool inner_first = true;
            for (const auto& [k2, v2] : v.items()) {
                out += inner_first ? "" : ",\n";
                inner_first = false;
                out += "    " + ojson(k2).dump() + ": " + inline_json(v2);
            }
            out += "\n  }";
        } else {
            out += inline_json(v);
        }
    }
    return out + "\n}\n";
}

std::string json_path_of(const std::vector<std::string>& parts) {
    std::string out = "$";
    for (const auto& p : parts) {
        bool index = !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (index) {
            out += "[" + p + "]";
        } else {
            bool plain = !p.empty() && std::all_of(p.begin(), p.end(), [](char c) {
                return is_name_char(c, false) || c == '-' || c == '$';
            });
            out += plain ? "." + p : "[" + ojson(p).dump() + "]";
        }
    }
    return out;
}

std::string pointer_of(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out = policy::pointer_append(out, p);
    return out;
}

std::string type_name(const ojson& v) {
    if (v.is_object()) return "an object";
    if (v.is_array()) return "an array";
    if (v.is_string()) return "a string";
    if (v.is_boolean()) return "a boolean";
    if (v.is_null()) return "null";
    return "a number";
}

// ---------------------------------------------------------------- settings shape

struct Problem {
    std::vector<std::string> where;  // JSON path parts
    std::string message;
};

struct CommandHook {
    std::string event;
    std::size_t group = 0, index = 0;
    std::string matcher;  // "" when absent
    std::string command;
    std::optional<double> timeout_s;
};

struct Shape {
    std::vector<Problem> errors;
    std::vector<Problem> notes;  // non-command hooks, left alone
    std::vector<CommandHook> commands;
};

Shape check_shape(const ojson& root) {
    Shape shape;
    if (!root.is_object()) {
        shape.errors.push_back({{}, "expected the settings object, got " + type_name(root)});
        return shape;
    }
    if (!root.contains("hooks")) return shape;
    const ojson& hooks = root["hooks"];
    if (!hooks.is_object()) {
        shape.errors.push_back({{"hooks"}, "expected an object of event names (\"PreToolUse\": [...]), got " +
                                               type_name(hooks)});
        return shape;
    }
    for (const auto& [event, groups] : hooks.items()) {
        if (!groups.is_array()) {
            shape.errors.push_back({{"hooks", event},
                                    "expected an array of matcher groups ([{\"matcher\": ..., \"hooks\": [...]}]), got " +
                                        type_name(groups)});
            continue;
        }
        for (std::size_t g = 0; g < groups.size(); ++g) {
            const ojson& group = groups[g];
            std::string gs = std::to_string(g);
            if (!group.is_object()) {
                shape.errors.push_back(
                    {{"hooks", event, gs}, "expected a matcher group object ({\"matcher\": ..., \"hooks\": [...]}), got " +
                                               type_name(group)});
                continue;
            }
            std::string matcher;
            if (group.contains("matcher")) {
                if (!group["matcher"].is_string()) {
                    shape.errors.push_back({{"hooks", event, gs, "matcher"},
                                            "expected a string, got " + type_name(group["matcher"])});
                    continue;
                }
                matcher = group["matcher"].get<std::string>();
            }
            if (!group.contains("hooks")) {
                shape.errors.push_back({{"hooks", event, gs}, "missing \"hooks\": expected an array of hook objects"});
                continue;
            }
            const ojson& list = group["hooks"];
            if (!list.is_array()) {
                shape.errors.push_back(
                    {{"hooks", event, gs, "hooks"}, "expected an array of hook objects, got " + type_name(list)});
                continue;
            }
            for (std::size_t h = 0; h < list.size(); ++h) {
                const ojson& hook = list[h];
                std::vector<std::string> at = {"hooks", event, gs, "hooks", std::to_string(h)};
                if (!hook.is_object()) {
                    shape.errors.push_back({at, "expected a hook object ({\"type\": \"command\", \"command\": ...}), got " +
                                                    type_name(hook)});
                    continue;
                }
                if (!hook.contains("type") || !hook["type"].is_string()) {
                    auto where = at;
                    where.push_back("type");
                    shape.errors.push_back({where, hook.contains("type")
                                                       ? "expected a string (\"command\", \"prompt\", \"agent\", "
                                                         "\"http\"), got " + type_name(hook["type"])
                                                       : "missing: expected \"command\", \"prompt\", \"agent\" or \"http\""});
                    continue;
                }
                std::string type = hook["type"].get<std::string>();
                if (type != "command") {
                    shape.notes.push_back({at, "type \"" + type +
                                                   "\" is not a command hook; left as it is (hookwarden supervises "
                                                   "command hooks only)"});
                    continue;
                }
                auto where = at;
                where.push_back("command");
                if (!hook.contains("command") || !hook["command"].is_string() ||
                    hook["command"].get<std::string>().find_first_not_of(" \t\n") == std::string::npos) {
                    shape.errors.push_back(
                        {where, !hook.contains("command") ? "missing: a command hook needs a \"command\" string"
                                : !hook["command"].is_string() ? "expected a string, got " + type_name(hook["command"])
                                                               : "expected a command, got an empty string"});
                    continue;
                }
                CommandHook c{event, g, h, matcher, hook["command"].get<std::string>(), std::nullopt};
                if (hook.contains("timeout")) {
                    const ojson& t = hook["timeout"];
                    if (!t.is_number() || t.get<double>() <= 0) {
                        auto tw = at;
                        tw.push_back("timeout");
                        shape.errors.push_back({tw, "expected a positive number of seconds, got " +
                                                        (t.is_number() ? t.dump() : type_name(t))});
                        continue;
                    }
                    c.timeout_s = t.get<double>();
                }
                shape.commands.push_back(std::move(c));
            }
        }
    }
    return shape;
}

std::string describe(const std::string& file, const std::string& text, const Problem& p) {
    policy::PositionIndex index(text);
    auto pos = p.where.empty() ? policy::Position{} : index.key(pointer_of(p.where));
    return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " + json_path_of(p.where) +
           ": " + p.message;
}

std::optional<ojson> parse_or_report(const std::string& text, const std::string& file, std::ostream& err) {
    try {
        return ojson::parse(text);
    } catch (const ojson::parse_error& e) {
        std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        auto pos = policy::position_of_offset(text, offset);
        std::string what = e.what();
        if (auto col = what.find("column "); col != std::string::npos)
            if (auto colon = what.find(": ", col); colon != std::string::npos) what = what.substr(colon + 2);
        err << file << ":" << pos.line << ":" << pos.column << ": $: invalid JSON: " << what << "\n";
        return std::nullopt;
    }
}

// ---------------------------------------------------------------- files

std::string home_dir() {
    const char* home = std::getenv("HOME");
    return home && *home ? home : "/root";
}

std::string project_dir_of(const Options& o) {
    if (!o.project_dir.empty()) return o.project_dir;
    std::error_code ec;
    auto cwd = stdfs::current_path(ec);
    return ec ? "." : cwd.string();
}

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto abs = stdfs::absolute(path, ec);
    return (ec ? stdfs::path(path) : abs).lexically_normal().string();
}

// Where a write really lands: a symlinked settings file (dotfile managers) is written
// through to its target instead of being replaced by a plain file.
std::string write_target(const std::string& path) {
    std::error_code ec;
    if (stdfs::is_symlink(path, ec)) {
        auto target = stdfs::canonical(path, ec);
        if (!ec) return target.string();
    }
    return path;
}

// Atomic replace that keeps the mode of the file it replaces (settings may be 0600).
std::string write_keeping_mode(const std::string& path, const std::string& content) {
    std::string target = write_target(path);
    struct stat st {};
    bool existed = ::stat(target.c_str(), &st) == 0;
    std::error_code ec;
    auto dir = stdfs::path(target).parent_path();
    if (!dir.empty() && !stdfs::exists(dir, ec)) {
        stdfs::create_directories(dir, ec);
        if (ec) return "cannot create directory '" + dir.string() + "': " + ec.message();
    }
    if (std::string error = fs::write_file_atomic(target, content); !error.empty()) return error;
    if (existed) ::chmod(target.c_str(), st.st_mode & 07777);
    return "";
}

std::string utc_stamp() {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// FILE.hookwarden-backup-<UTC>, or -<UTC>-2, ...: an existing backup is never replaced.
std::string write_backup(const std::string& path, const std::string& content, std::string& error) {
    std::string base = path + ".hookwarden-backup-" + utc_stamp();
    struct stat st {};
    mode_t mode = ::stat(write_target(path).c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
    for (int n = 1; n < 1000; ++n) {
        std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
        int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0) {
            if (errno == EEXIST) continue;
            error = "cannot create backup '" + candidate + "': " + std::strerror(errno);
            return "";
        }
        std::size_t done = 0;
        while (done < content.size()) {
            ssize_t w = ::write(fd, content.data() + done, content.size() - done);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                error = "cannot write backup '" + candidate + "': " + std::strerror(errno);
                ::close(fd);
                ::unlink(candidate.c_str());
                return "";
            }
            done += static_cast<std::size_t>(w);
        }
        if (::fsync(fd) != 0 || ::close(fd) != 0) {
            error = "cannot write backup '" + candidate + "': " + std::strerror(errno);
            ::unlink(candidate.c_str());
            return "";
        }
        return candidate;
    }
    error = "too many backups of '" + path + "' this second";
    return "";
}

std::string state_path_for(const std::string& policy_path) {
    auto dir = stdfs::path(policy_path).parent_path();
    return (dir / "install-state.json").string();
}

// ---------------------------------------------------------------- policy entries

std::string policy_arg(const Options& o, const std::string& policy_path) {
    // Project and local scope: `run` finds <project>/.hookwarden/policy.json through
    // $CLAUDE_PROJECT_DIR by itself. Anything else is named explicitly, or a project
    // policy would shadow a user-scope one.
    if (o.policy_path.empty() && o.scope != "user") return "";
    return policy_path;
}

std::int64_t hookwarden_timeout_ms(double claude_seconds) {
    // Claude kills the hook at its own timeout. hookwarden must answer first: its
    // deadline + kill grace (200 ms) + its overhead stay under Claude's.
    auto claude_ms = static_cast<std::int64_t>(claude_seconds * 1000.0);
    if (claude_ms >= 1000) return claude_ms - 500;
    return std::max<std::int64_t>(1, claude_ms / 2);
}

ojson policy_entry(const CommandHook& c, const std::string& settings_file) {
    ojson e = ojson::object();
    e["description"] = "installed from " + settings_file + " (" + c.event + "): " + c.command;
    e["event"] = c.event;
    if (!c.matcher.empty() && c.matcher != "*") e["matcher"] = c.matcher;
    if (auto argv = split_simple(c.command))
        e["command"] = *argv;
    else
        e["command"] = ojson::array({"sh", "-c", c.command});
    if (c.timeout_s) {
        auto claude_ms = static_cast<std::int64_t>(*c.timeout_s * 1000.0);
        ojson limits = ojson::object();
        limits["timeout_ms"] = hookwarden_timeout_ms(*c.timeout_s);
        if (claude_ms < 1000) limits["kill_grace_ms"] = std::max<std::int64_t>(1, claude_ms / 5);
        e["limits"] = limits;
    }
    return e;
}

bool same_definition(const ojson& a, const ojson& b) {
    auto field = [](const ojson& x, const char* k) { return x.is_object() && x.contains(k) ? x[k] : ojson(); };
    return field(a, "event") == field(b, "event") && field(a, "command") == field(b, "command") &&
           field(a, "matcher") == field(b, "matcher");
}

struct Loaded {
    bool exists = false;
    std::string text;
    ojson value;
};

bool load_json_file(const std::string& path, const char* what, Loaded& out, std::ostream& err) {
    auto text = fs::read_file(path);
    if (!text) {
        if (errno == ENOENT) return true;
        err << path << ": cannot read " << what << ": " << std::strerror(errno) << "\n";
        return false;
    }
    out.exists = true;
    out.text = *text;
    auto value = parse_or_report(*text, path, err);
    if (!value) return false;
    if (!value->is_object()) {
        err << path << ":1:1: $: expected " << what << " object, got " << type_name(*value) << "\n";
        return false;
    }
    out.value = std::move(*value);
    return true;
}

bool is_dispatch_command(const std::string& command) {
    Scan sc = scan(command);
    if (sc.segments.empty() || sc.segments[0].size() < 2) return false;
    const auto& w = sc.segments[0];
    return stdfs::path(w[0].value).filename() == "hookwarden" && w[1].value == "dispatch";
}

bool group_is_dispatch(const ojson& group) {
    if (!group.is_object() || !group.contains("hooks") || !group["hooks"].is_array()) return false;
    for (const auto& h : group["hooks"])
        if (h.is_object() && h.value("type", "") == "command" && h.contains("command") && h["command"].is_string() &&
            is_dispatch_command(h["command"].get<std::string>()))
            return true;
    return false;
}

// Everything both commands need about one settings file.
struct Context {
    std::string settings;      // as given (for messages and backups)
    std::string settings_key;  // absolute, the state key
    std::string policy;
    std::string state;
    Loaded file;
    Loaded policy_file;
    Loaded state_file;
};

int prepare(const Options& o, Context& ctx, bool& missing, std::ostream& err) {
    if (o.agent != "claude") {
        err << "hookwarden: install: unknown agent '" << o.agent << "' (supported: claude)\n";
        return kConfigError;
    }
    if (o.settings_path.empty() && o.scope != "user" && o.scope != "project" && o.scope != "local") {
        err << "hookwarden: install: unknown scope '" << o.scope << "' (user, project or local)\n";
        return kConfigError;
    }
    ctx.settings = settings_path_for(o);
    ctx.settings_key = absolute(ctx.settings);
    ctx.policy = policy_path_for(o);
    ctx.state = state_path_for(ctx.policy);
    auto text = fs::read_file(ctx.settings);
    if (!text) {
        if (errno == ENOENT) {
            missing = true;
            return 0;
        }
        err << ctx.settings << ": cannot read: " << std::strerror(errno) << "\n";
        return kConfigError;
    }
    ctx.file.exists = true;
    ctx.file.text = *text;
    auto value = parse_or_report(*text, ctx.settings, err);
    if (!value) {
        err << ctx.settings << ": left unchanged\n";
        return kConfigError;
    }
    ctx.file.value = std::move(*value);
    if (!load_json_file(ctx.state, "an install state", ctx.state_file, err)) return kConfigError;
    if (ctx.state_file.exists &&
        (!ctx.state_file.value.contains("settings") || !ctx.state_file.value["settings"].is_object())) {
        err << ctx.state << ": $.settings: expected an object; move the file away to start afresh\n";
        return kConfigError;
    }
    return 0;
}

std::optional<ojson> state_entry(const Context& ctx) {
    if (!ctx.state_file.exists) return std::nullopt;
    const ojson& s = ctx.state_file.value["settings"];
    if (!s.contains(ctx.settings_key) || !s[ctx.settings_key].is_object()) return std::nullopt;
    return s[ctx.settings_key];
}

std::string state_text_with(const Context& ctx, const std::optional<ojson>& entry) {
    ojson state = ctx.state_file.exists ? ctx.state_file.value : ojson::object();
    if (!state.contains("$comment"))
        state["$comment"] =
            "Written by `hookwarden install`; `hookwarden uninstall` reads it to restore the settings exactly. "
            "Keep it while hookwarden is installed.";
    state["version"] = 1;
    if (!state.contains("settings") || !state["settings"].is_object()) state["settings"] = ojson::object();
    if (entry)
        state["settings"][ctx.settings_key] = *entry;
    else
        state["settings"].erase(ctx.settings_key);
    return state.dump(2, ' ', false, ojson::error_handler_t::replace) + "\n";
}

void print_diff(std::ostream& out, const std::string& path, const std::string& before, const std::string& after,
                bool created) {
    out << unified_diff(before, after, created ? "/dev/null" : "a/" + path, "b/" + path);
}

std::string apply_write(const std::string& path, const std::string& content, std::ostream& out, const char* what) {
    if (auto e = write_keeping_mode(path, content); !e.empty()) return path + ": " + e;
    out << "wrote " << what << " " << path << "\n";
    return "";
}

}  // namespace

// ================================================================ public helpers

std::string settings_path_for(const Options& o) {
    if (!o.settings_path.empty()) return o.settings_path;
    if (o.scope == "user") return (stdfs::path(home_dir()) / ".claude" / "settings.json").string();
    auto project = stdfs::path(project_dir_of(o));
    return (project / ".claude" / (o.scope == "local" ? "settings.local.json" : "settings.json")).string();
}

std::string policy_path_for(const Options& o) {
    if (!o.policy_path.empty()) return o.policy_path;
    if (o.scope == "user" && o.settings_path.empty()) {
        const char* xdg = std::getenv("XDG_CONFIG_HOME");
        stdfs::path base = xdg && *xdg ? stdfs::path(xdg) : stdfs::path(home_dir()) / ".config";
        return (base / "hookwarden" / "policy.json").string();
    }
    return (stdfs::path(project_dir_of(o)) / ".hookwarden" / "policy.json").string();
}

std::string shell_quote(const std::string& word) {
    if (!word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
            return is_name_char(c, false) || c == '/' || c == '.' || c == '-' || c == '+' || c == ',' || c == ':' ||
                   c == '@' || c == '%' || c == '=';
        }))
        return word;
    return single_quote_always(word);
}

std::optional<std::vector<std::string>> split_simple(const std::string& command) {
    Scan sc = scan(command);
    if (!sc.balanced || sc.has_operator || sc.has_comment || sc.segments.size() != 1 || sc.segments[0].empty())
        return std::nullopt;
    std::vector<std::string> argv;
    for (const auto& w : sc.segments[0]) {
        if (w.expands) return std::nullopt;
        argv.push_back(w.value);
    }
    if (sc.segments[0][0].assignment || is_shell_keyword_or_builtin(argv[0]) || argv[0].empty()) return std::nullopt;
    return argv;
}

std::string derive_name(const std::string& command) {
    static const std::set<std::string> launchers = {
        "uv", "uvx", "run", "python", "python3", "node", "bun", "deno", "npx", "pnpm", "yarn", "npm", "bash", "sh",
        "zsh", "dash", "ruby", "perl", "php", "env", "exec", "cd", "sudo", "nice", "timeout", "tsx", "ts-node",
        "poetry", "pipx", "exec", "command", "source", "."};
    static const std::set<std::string> script_ext = {".py", ".sh", ".bash", ".zsh", ".js", ".mjs", ".cjs", ".ts",
                                                     ".rb", ".pl", ".php", ".lua", ".ps1", ".fish"};
    Scan sc = scan(command);
    // sh -c 'SCRIPT': the name comes from the script.
    for (const auto& seg : sc.segments)
        for (std::size_t i = 0; i + 2 < seg.size(); ++i) {
            std::string shell = stdfs::path(seg[i].value).filename().string();
            if ((shell == "sh" || shell == "bash" || shell == "zsh" || shell == "dash") && seg[i + 1].value == "-c")
                return derive_name(seg[i + 2].value);
        }
    std::vector<std::string> candidates;
    for (const auto& seg : sc.segments)
        for (const auto& w : seg) {
            if (w.assignment || w.redirect_target || w.value.empty() || w.value[0] == '-') continue;
            std::string base = stdfs::path(w.value).filename().string();
            if (base.empty()) continue;
            bool versioned_python = base.rfind("python", 0) == 0;
            if (launchers.count(base) || versioned_python) continue;
            candidates.push_back(w.value);
        }
    auto pick = [&]() -> std::string {
        for (const auto& c : candidates)
            if (script_ext.count(stdfs::path(c).extension().string())) return c;
        for (const auto& c : candidates)
            if (c.find('/') != std::string::npos) return c;
        return candidates.empty() ? "" : candidates.front();
    };
    std::string chosen = pick();
    std::string name = stdfs::path(chosen).filename().string();
    if (script_ext.count(stdfs::path(name).extension().string())) name = stdfs::path(name).stem().string();
    for (auto& c : name)
        if (!(is_name_char(c, false) || c == '.' || c == '-')) c = '_';
    while (!name.empty() && (name.front() == '.' || name.front() == '_' || name.front() == '-')) name.erase(0, 1);
    while (!name.empty() && (name.back() == '_' || name.back() == '.')) name.pop_back();
    if (name.size() > 64) name.resize(64);
    return name.empty() ? "hook" : name;
}

namespace {

std::string prefix_of(const std::string& hookwarden_path, const std::string& name, const std::string& policy) {
    std::string prefix = shell_quote(hookwarden_path) + " run";
    if (!policy.empty()) prefix += " --policy " + shell_quote(policy);
    return prefix + " --name " + shell_quote(name) + " -- ";
}

std::string wrap_with_policy(const std::string& hookwarden_path, const std::string& name, const std::string& original,
                             const std::string& policy) {
    std::string prefix = prefix_of(hookwarden_path, name, policy);
    if (direct_form_ok(original) && !looks_like_shell_form(original)) return prefix + original;
    return prefix + kShellPrefix + single_quote_always(original);
}

}  // namespace

std::string wrap_command(const std::string& hookwarden_path, const std::string& name, const std::string& original) {
    return wrap_with_policy(hookwarden_path, name, original, "");
}

bool is_hookwarden_command(const std::string& command) {
    Scan sc = scan(command);
    if (sc.segments.empty() || sc.segments[0].size() < 2) return false;
    const auto& w = sc.segments[0];
    std::size_t i = 0;
    while (i < w.size() && w[i].assignment) ++i;
    if (i + 1 >= w.size()) return false;
    return stdfs::path(w[i].value).filename() == "hookwarden" &&
           (w[i + 1].value == "run" || w[i + 1].value == "dispatch");
}

namespace {

struct ParsedWrap {
    std::string hookwarden, name, policy, original;
};

std::optional<ParsedWrap> parse_wrap(const std::string& command) {
    Scan full = scan(command);
    if (full.segments.empty()) return std::nullopt;
    const auto& w = full.segments[0];
    if (w.size() < 5 || w[1].value != "run" || stdfs::path(w[0].value).filename() != "hookwarden") return std::nullopt;
    ParsedWrap p;
    p.hookwarden = w[0].value;
    std::size_t i = 2;
    if (i + 1 < w.size() && w[i].value == "--policy") {
        p.policy = w[i + 1].value;
        i += 2;
    }
    if (i + 2 >= w.size() || w[i].value != "--name" || w[i + 2].value != "--" || w[i + 2].quoted) return std::nullopt;
    p.name = w[i + 1].value;
    std::size_t rest = w[i + 2].end + 1;
    if (rest > command.size() || w[i + 2].end >= command.size() || command[w[i + 2].end] != ' ') return std::nullopt;
    std::string tail = command.substr(rest);
    if (looks_like_shell_form(tail))
        p.original = *unquote_canonical(tail.substr(6));
    else
        p.original = tail;
    // Canonical only: what install itself would write. Anything else is the user's own.
    if (wrap_with_policy(p.hookwarden, p.name, p.original, p.policy) != command) return std::nullopt;
    return p;
}

}  // namespace

std::optional<Unwrapped> unwrap_command(const std::string& command) {
    auto p = parse_wrap(command);
    if (!p) return std::nullopt;
    return Unwrapped{p->name, p->original};
}

// ---------------------------------------------------------------- diff

std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_name,
                         const std::string& new_name) {
    if (old_text == new_text) return "";
    auto lines = [](const std::string& t) {
        std::vector<std::string> v;
        std::size_t start = 0;
        while (start < t.size()) {
            auto nl = t.find('\n', start);
            if (nl == std::string::npos) {
                v.push_back(t.substr(start) + "\n\\ No newline at end of file");
                break;
            }
            v.push_back(t.substr(start, nl - start));
            start = nl + 1;
        }
        return v;
    };
    auto a = lines(old_text), b = lines(new_text);
    std::size_t n = a.size(), m = b.size();
    // ops: ' ' keep, '-' old only, '+' new only
    std::vector<std::pair<char, std::string>> ops;
    if (n * m <= 4'000'000) {
        std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
        for (std::size_t i = n; i-- > 0;)
            for (std::size_t j = m; j-- > 0;)
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        std::size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[i] == b[j]) {
                ops.push_back({' ', a[i++]});
                ++j;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.push_back({'-', a[i++]});
            } else {
                ops.push_back({'+', b[j++]});
            }
        }
    } else {
        for (const auto& l : a) ops.push_back({'-', l});
        for (const auto& l : b) ops.push_back({'+', l});
    }
    std::ostringstream out;
    out << "--- " << old_name << "\n+++ " << new_name << "\n";
    constexpr std::size_t context = 3;
    std::size_t k = 0;
    while (k < ops.size()) {
        while (k < ops.size() && ops[k].first == ' ') ++k;
        if (k == ops.size()) break;
        std::size_t start = k >= context ? k - context : 0;
        std::size_t end = k;  // extend while changes are within 2*context of each other
        std::size_t last_change = k;
        while (end < ops.size()) {
            if (ops[end].first != ' ') last_change = end;
            if (end - last_change > 2 * context) break;
            ++end;
        }
        end = std::min(ops.size(), last_change + context + 1);
        std::size_t old_start = 0, new_start = 0;
        for (std::size_t x = 0; x < start; ++x) {
            if (ops[x].first != '+') ++old_start;
            if (ops[x].first != '-') ++new_start;
        }
        std::size_t old_count = 0, new_count = 0;
        for (std::size_t x = start; x < end; ++x) {
            if (ops[x].first != '+') ++old_count;
            if (ops[x].first != '-') ++new_count;
        }
        out << "@@ -" << (old_count ? old_start + 1 : old_start) << "," << old_count << " +"
            << (new_count ? new_start + 1 : new_start) << "," << new_count << " @@\n";
        for (std::size_t x = start; x < end; ++x) out << ops[x].first << ops[x].second << "\n";
        k = end;
    }
    return out.str();
}

// ================================================================ install

int install_command(const Options& o, std::ostream& out, std::ostream& err) {
    Context ctx;
    bool missing = false;
    if (int rc = prepare(o, ctx, missing, err); rc != 0) return rc;
    if (missing) {
        if (!o.settings_path.empty()) {
            err << ctx.settings << ": no such settings file\n";
            return kConfigError;
        }
        out << ctx.settings << ": no settings file, so no hooks to wrap; nothing done\n";
        return 0;
    }
    Shape shape = check_shape(ctx.file.value);
    for (const auto& n : shape.notes) err << "note: " << describe(ctx.settings, ctx.file.text, n) << "\n";
    if (!shape.errors.empty()) {
        for (const auto& e : shape.errors) err << describe(ctx.settings, ctx.file.text, e) << "\n";
        err << ctx.settings << ": left unchanged (" << shape.errors.size()
            << (shape.errors.size() == 1 ? " problem" : " problems") << ")\n";
        return kConfigError;
    }
    if (!load_json_file(ctx.policy, "a policy", ctx.policy_file, err)) {
        err << ctx.policy << ": fix or move the policy away first; nothing was changed\n";
        return kConfigError;
    }
    if (ctx.policy_file.exists && ctx.policy_file.value.contains("hooks") &&
        !ctx.policy_file.value["hooks"].is_object()) {
        err << ctx.policy << ": $.hooks: expected an object; nothing was changed\n";
        return kConfigError;
    }

    ojson settings = ctx.file.value;
    ojson policy_doc = ctx.policy_file.exists ? ctx.policy_file.value : ojson::parse(policy::starter_policy_json());
    if (!policy_doc.contains("hooks")) policy_doc["hooks"] = ojson::object();
    ojson& policy_hooks = policy_doc["hooks"];
    auto previous = state_entry(ctx);
    auto entry = previous.value_or(ojson::object());
    if (!entry.contains("wrapped")) entry["wrapped"] = ojson::object();
    std::string policy_for_run = policy_arg(o, ctx.policy);

    // Names taken in this settings file: already-wrapped commands keep theirs.
    std::set<std::string> taken;
    std::size_t already = 0;
    for (const auto& c : shape.commands) {
        if (!is_hookwarden_command(c.command)) continue;
        ++already;
        if (auto p = parse_wrap(c.command)) taken.insert(p->name);
    }
    std::vector<std::string> added_names;
    auto name_for = [&](const CommandHook& c, const ojson& def) {
        std::string base = derive_name(c.command);
        for (int n = 1;; ++n) {
            std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
            if (taken.count(candidate)) continue;
            if (policy_hooks.contains(candidate) && !same_definition(policy_hooks[candidate], def)) continue;
            taken.insert(candidate);
            return candidate;
        }
    };
    const auto& known = policy::known_events();
    auto known_event = [&](const std::string& ev) { return std::find(known.begin(), known.end(), ev) != known.end(); };
    std::set<std::string> unknown_events;
    auto add_to_policy = [&](const std::string& name, const ojson& def) {
        if (!known_event(def["event"].get<std::string>())) {
            unknown_events.insert(def["event"].get<std::string>());
            return;
        }
        if (!policy_hooks.contains(name)) {
            policy_hooks[name] = def;
            added_names.push_back(name);
        }
    };
    std::set<std::string> events_seen;
    std::size_t changed = 0;

    if (!o.dispatch) {
        for (const auto& c : shape.commands) {
            if (is_hookwarden_command(c.command)) continue;
            ojson def = policy_entry(c, ctx.settings);
            std::string name = name_for(c, def);
            std::string wrapped = wrap_with_policy(o.hookwarden_path, name, c.command, policy_for_run);
            settings["hooks"][c.event][c.group]["hooks"][c.index]["command"] = wrapped;
            entry["wrapped"][wrapped] = c.command;
            add_to_policy(name, def);
            events_seen.insert(c.event);
            ++changed;
        }
    } else {
        if (!entry.contains("events")) entry["events"] = ojson::object();
        std::string dispatch = shell_quote(o.hookwarden_path) + " dispatch";
        if (!policy_for_run.empty()) dispatch += " --policy " + shell_quote(policy_for_run);
        for (const auto& [event, groups] : ctx.file.value["hooks"].items()) {
            bool has_dispatch = std::any_of(groups.begin(), groups.end(), group_is_dispatch);
            std::vector<const CommandHook*> mine;
            for (const auto& c : shape.commands)
                if (c.event == event) mine.push_back(&c);
            if (has_dispatch || mine.empty()) continue;
            if (!known_event(event)) {
                unknown_events.insert(event);
                continue;
            }
            ojson replaced = ojson::array();
            ojson dispatch_hook = {{"type", "command"}, {"command", dispatch}};
            replaced.push_back(ojson{{"hooks", ojson::array({dispatch_hook})}});
            for (const auto& group : groups) {  // non-command hooks stay where Claude runs them
                ojson rest = group;
                rest["hooks"] = ojson::array();
                for (const auto& h : group["hooks"])
                    if (h["type"] != "command") rest["hooks"].push_back(h);
                if (!rest["hooks"].empty()) replaced.push_back(rest);
            }
            for (const CommandHook* c : mine) {
                CommandHook original = *c;
                if (auto p = parse_wrap(c->command)) original.command = p->original;
                ojson def = policy_entry(original, ctx.settings);
                std::string name;
                if (auto p = parse_wrap(c->command); p && policy_hooks.contains(p->name))
                    name = p->name;  // wrapped earlier: its policy entry moves over as it is
                else
                    name = name_for(original, def);
                add_to_policy(name, def);
                ++changed;
            }
            entry["events"][event] = ojson{{"before", groups}, {"after", replaced}};
            settings["hooks"][event] = replaced;
            events_seen.insert(event);
        }
    }

    for (const auto& ev : unknown_events)
        err << "note: " << ctx.settings << ": $.hooks." << ev << ": an event hookwarden's policy does not know; "
            << (o.dispatch ? "left as it is" : "its hooks run under the default limits, without a policy entry") << "\n";
    if (changed == 0) {
        out << ctx.settings << ": nothing to do (" << already << (already == 1 ? " hook" : " hooks")
            << " already run under hookwarden)\n";
        return 0;
    }

    // Events the settings use get a visible default in a new policy.
    if (!ctx.policy_file.exists) {
        if (!policy_doc.contains("events")) policy_doc["events"] = ojson::object();
        for (const auto& ev : events_seen)
            if (!policy_doc["events"].contains(ev) && known_event(ev))
                policy_doc["events"][ev] = ojson{{"limits", {{"timeout_ms", agents::claude::builtin_timeout_ms(ev)}}}};
    }
    std::string new_settings = dump_with(settings, detect_indent(ctx.file.text));
    std::string new_policy = added_names.empty() ? ctx.policy_file.text : policy_text(policy_doc);
    if (auto check = policy::load_string(new_policy, ctx.policy); !check.policy && !added_names.empty()) {
        // Never leave a policy `run` would refuse; the starter is valid, so this is the user's.
        for (const auto& d : check.errors) err << d.to_string() << "\n";
        err << ctx.policy << ": the policy would not validate after adding the hooks; nothing was changed\n";
        return kConfigError;
    }

    entry["mode"] = o.dispatch ? "dispatch" : (entry.value("mode", "") == "dispatch" ? "dispatch" : "wrap");
    entry["policy"] = absolute(ctx.policy);

    if (o.dry_run) {
        out << "dry run: nothing is written. Changes to " << ctx.settings << " and " << ctx.policy << ":\n";
        print_diff(out, ctx.settings, ctx.file.text, new_settings, false);
        if (!added_names.empty()) print_diff(out, ctx.policy, ctx.policy_file.text, new_policy, !ctx.policy_file.exists);
        out << "would also write a backup " << ctx.settings << ".hookwarden-backup-<time> and " << ctx.state << "\n";
        return 0;
    }

    std::string error;
    std::string backup = write_backup(ctx.settings, ctx.file.text, error);
    if (backup.empty()) {
        err << error << "; nothing was changed\n";
        return kConfigError;
    }
    out << "backup " << backup << "\n";
    if (!entry.contains("backups")) entry["backups"] = ojson::array();
    entry["backups"].push_back(absolute(backup));
    if (!added_names.empty())
        if (auto e = apply_write(ctx.policy, new_policy, out, "policy"); !e.empty()) {
            err << e << "; settings unchanged\n";
            return kConfigError;
        }
    if (auto e = apply_write(ctx.state, state_text_with(ctx, entry), out, "install state"); !e.empty()) {
        err << e << "; settings unchanged\n";
        return kConfigError;
    }
    if (auto e = apply_write(ctx.settings, new_settings, out, "settings"); !e.empty()) {
        err << e << "\n";
        return kConfigError;
    }
    out << (o.dispatch ? "moved " : "wrapped ") << changed << (changed == 1 ? " hook" : " hooks")
        << (o.dispatch ? " into the policy behind `hookwarden dispatch`" : " in `hookwarden run`");
    if (!added_names.empty()) {
        out << "; policy entries:";
        for (const auto& n : added_names) out << " " << n;
    }
    out << "\nHooks without a timeout get their event's default limit (policy \"events\"; Stop: 500 ms); "
           "check with `hookwarden policy check "
        << ctx.policy << "`. Undo with `hookwarden uninstall`.\n";
    return 0;
}

// ================================================================ uninstall

int uninstall_command(const Options& o, std::ostream& out, std::ostream& err) {
    Context ctx;
    bool missing = false;
    if (int rc = prepare(o, ctx, missing, err); rc != 0) return rc;
    if (missing) {
        if (!o.settings_path.empty()) {
            err << ctx.settings << ": no such settings file\n";
            return kConfigError;
        }
        out << ctx.settings << ": no settings file; nothing to uninstall\n";
        return 0;
    }
    Shape shape = check_shape(ctx.file.value);
    if (!shape.errors.empty()) {
        for (const auto& e : shape.errors) err << describe(ctx.settings, ctx.file.text, e) << "\n";
        err << ctx.settings << ": left unchanged\n";
        return kConfigError;
    }
    auto entry = state_entry(ctx);
    std::string new_text;
    std::size_t restored = 0;
    std::vector<std::string> warnings;

    {
        ojson settings = ctx.file.value;
        if (entry && entry->contains("events") && settings.contains("hooks")) {
            for (const auto& [event, change] : (*entry)["events"].items()) {
                if (!settings["hooks"].contains(event)) {
                    warnings.push_back("$.hooks." + event + " was removed since install; not restored");
                    continue;
                }
                ojson& current = settings["hooks"][event];
                if (current == change["after"]) {
                    current = change["before"];
                } else {
                    // Edited since install: the original groups come back, later additions stay.
                    ojson merged = change["before"];
                    for (const auto& g : current)
                        if (!group_is_dispatch(g) &&
                            std::find(change["after"].begin(), change["after"].end(), g) == change["after"].end())
                            merged.push_back(g);
                    current = merged;
                    warnings.push_back("$.hooks." + event +
                                       " was edited since install; restored its original hooks and kept the additions");
                }
                ++restored;
            }
        }
        // Wrapped commands, from the state when there is one, else every canonical wrapper.
        Shape now = check_shape(settings);
        for (const auto& c : now.commands) {
            std::optional<std::string> original;
            if (entry && entry->contains("wrapped")) {
                if ((*entry)["wrapped"].contains(c.command)) original = (*entry)["wrapped"][c.command].get<std::string>();
            } else if (auto u = unwrap_command(c.command)) {
                original = u->original;
            }
            if (!original) continue;
            settings["hooks"][c.event][c.group]["hooks"][c.index]["command"] = *original;
            ++restored;
        }
        new_text = restored ? dump_with(settings, detect_indent(ctx.file.text)) : ctx.file.text;
        // A backup holding exactly this value gives the original bytes back (its
        // formatting, escapes and number spellings), not just the value.
        std::vector<std::string> backups;
        if (entry && entry->contains("backups"))
            for (const auto& b : (*entry)["backups"]) backups.push_back(b.get<std::string>());
        std::error_code ec;
        auto target = stdfs::path(ctx.settings);
        std::vector<std::string> found;
        for (const auto& e : stdfs::directory_iterator(target.parent_path().empty() ? "." : target.parent_path(), ec))
            if (e.path().filename().string().rfind(target.filename().string() + ".hookwarden-backup-", 0) == 0)
                found.push_back(e.path().string());
        std::sort(found.begin(), found.end());
        backups.insert(backups.end(), found.begin(), found.end());
        if (restored)
            for (const auto& b : backups) {
                auto text = fs::read_file(b);
                if (!text) continue;
                try {
                    if (ojson::parse(*text) == settings) {
                        new_text = *text;
                        break;
                    }
                } catch (const ojson::parse_error&) {
                }
            }
        if (!entry && restored)
            warnings.push_back("no install state (" + ctx.state + "): unwrapped every `hookwarden run` command install "
                               "would have written");
    }
    for (const auto& w : warnings) err << "note: " << ctx.settings << ": " << w << "\n";
    if (new_text == ctx.file.text) {
        if (entry && !o.dry_run) apply_write(ctx.state, state_text_with(ctx, std::nullopt), out, "install state");
        out << ctx.settings << ": nothing to uninstall\n";
        return 0;
    }
    if (o.dry_run) {
        out << "dry run: nothing is written. Changes to " << ctx.settings << ":\n";
        print_diff(out, ctx.settings, ctx.file.text, new_text, false);
        return 0;
    }
    std::string error;
    std::string backup = write_backup(ctx.settings, ctx.file.text, error);
    if (backup.empty()) {
        err << error << "; nothing was changed\n";
        return kConfigError;
    }
    out << "backup " << backup << "\n";
    if (auto e = apply_write(ctx.settings, new_text, out, "settings"); !e.empty()) {
        err << e << "\n";
        return kConfigError;
    }
    if (entry) {
        if (auto e = apply_write(ctx.state, state_text_with(ctx, std::nullopt), out, "install state"); !e.empty())
            err << "warning: " << e << "\n";
    }
    out << "restored the original hooks of " << ctx.settings << "; the policy " << ctx.policy
        << " is kept (delete it if you no longer want it)\n";
    return 0;
}

}  // namespace hookwarden::install
