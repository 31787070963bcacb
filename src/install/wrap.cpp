#include "install/wrap.h"

#include <filesystem>

#include "util/shell_words.h"

namespace hookwarden::install {

namespace {

constexpr const char* kShellPrefix = "sh -c ";
constexpr std::size_t kShellPrefixLength = 6;

bool is_hookwarden_binary(const std::string& word) {
    return std::filesystem::path(word).filename() == "hookwarden";
}

// ORIGINAL may follow `hookwarden run ... --` as is: the shell then hands hookwarden the
// very argv it would have run ORIGINAL with.
bool direct_form_ok(const std::string& command) {
    shell::Lexed lexed = shell::lex(command);
    if (!lexed.balanced || lexed.has_operator || lexed.has_comment || lexed.segments.size() != 1 ||
        lexed.segments[0].empty())
        return false;
    // Expansions in the command word ($VAR, ${CLAUDE_PLUGIN_ROOT}, ~) give the same argv
    // after the prefix; command substitution is kept in a shell.
    const shell::Word& first = lexed.segments[0][0];
    bool backtick = command.substr(first.begin, first.end - first.begin).find('`') != std::string::npos;
    if (first.assignment || backtick || shell::is_keyword_or_builtin(first.value)) return false;
    return !first.value.empty() && first.value[0] != '-';
}

bool looks_like_shell_form(const std::string& command) {
    return command.rfind(kShellPrefix, 0) == 0 && shell::unquote_always(command.substr(kShellPrefixLength)).has_value();
}

std::string prefix_of(const std::string& hookwarden_path, const std::string& name, const std::string& policy) {
    std::string prefix = shell::quote(hookwarden_path) + " run";
    if (!policy.empty()) prefix += " --policy " + shell::quote(policy);
    return prefix + " --name " + shell::quote(name) + " -- ";
}

// The words after `hookwarden run`: [--policy P] --name N --, and where the original starts.
std::optional<std::size_t> parse_run_options(const std::vector<shell::Word>& w, const std::string& command,
                                             ParsedWrap& p) {
    std::size_t i = 2;
    if (i + 1 < w.size() && w[i].value == "--policy") {
        p.policy = w[i + 1].value;
        i += 2;
    }
    if (i + 2 >= w.size() || w[i].value != "--name" || w[i + 2].value != "--" || w[i + 2].quoted) return std::nullopt;
    p.name = w[i + 1].value;
    std::size_t dashes_end = w[i + 2].end;
    if (dashes_end >= command.size() || command[dashes_end] != ' ') return std::nullopt;
    return dashes_end + 1;
}

}  // namespace

std::string wrap_with_policy(const std::string& hookwarden_path, const std::string& name, const std::string& original,
                             const std::string& policy) {
    std::string prefix = prefix_of(hookwarden_path, name, policy);
    if (direct_form_ok(original) && !looks_like_shell_form(original)) return prefix + original;
    return prefix + kShellPrefix + shell::quote_always(original);
}

std::string wrap_command(const std::string& hookwarden_path, const std::string& name, const std::string& original) {
    return wrap_with_policy(hookwarden_path, name, original, "");
}

std::optional<ParsedWrap> parse_wrap(const std::string& command) {
    shell::Lexed full = shell::lex(command);
    if (full.segments.empty()) return std::nullopt;
    const auto& w = full.segments[0];
    if (w.size() < 5 || w[1].value != "run" || !is_hookwarden_binary(w[0].value)) return std::nullopt;
    ParsedWrap p;
    p.hookwarden = w[0].value;
    auto rest = parse_run_options(w, command, p);
    if (!rest) return std::nullopt;
    std::string tail = command.substr(*rest);
    p.original = looks_like_shell_form(tail) ? *shell::unquote_always(tail.substr(kShellPrefixLength)) : tail;
    // Canonical only: what install itself would write. Anything else is the user's own.
    if (wrap_with_policy(p.hookwarden, p.name, p.original, p.policy) != command) return std::nullopt;
    return p;
}

std::optional<Unwrapped> unwrap_command(const std::string& command) {
    auto p = parse_wrap(command);
    if (!p) return std::nullopt;
    return Unwrapped{p->name, p->original};
}

bool is_hookwarden_command(const std::string& command) {
    shell::Lexed lexed = shell::lex(command);
    if (lexed.segments.empty() || lexed.segments[0].size() < 2) return false;
    const auto& w = lexed.segments[0];
    std::size_t i = 0;
    while (i < w.size() && w[i].assignment) ++i;
    if (i + 1 >= w.size()) return false;
    return is_hookwarden_binary(w[i].value) && (w[i + 1].value == "run" || w[i + 1].value == "dispatch");
}

bool is_dispatch_command(const std::string& command) {
    shell::Lexed lexed = shell::lex(command);
    if (lexed.segments.empty() || lexed.segments[0].size() < 2) return false;
    const auto& w = lexed.segments[0];
    return is_hookwarden_binary(w[0].value) && w[1].value == "dispatch";
}

}  // namespace hookwarden::install
