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

// Reads the options of `words` from `i` on, in prefix_words' order, up to the "--".
// nullopt unless they are exactly the options install writes.
std::optional<std::size_t> parse_options(const std::vector<std::string>& words, std::size_t i, RunPrefix& p) {
    auto value_of = [&](const char* flag, std::string& target) {
        if (i + 1 < words.size() && words[i] == flag) {
            target = words[i + 1];
            i += 2;
        }
    };
    value_of("--agent", p.agent);
    value_of("--policy", p.policy);
    std::string timeout;
    value_of("--timeout", timeout);
    if (!timeout.empty()) {
        if (timeout.find_first_not_of("0123456789") != std::string::npos || timeout.size() > 12) return std::nullopt;
        p.timeout_ms = std::stoll(timeout);
    }
    value_of("--on-failure", p.on_failure);
    if (i < words.size() && words[i] == "--exit-0-or-2") {
        p.exit_0_or_2 = true;
        ++i;
    }
    if (i + 2 >= words.size() || words[i] != "--name") return std::nullopt;
    p.name = words[i + 1];
    if (words[i + 2] != "--") return std::nullopt;
    return i + 3;
}

}  // namespace

std::vector<std::string> prefix_words(const RunPrefix& p) {
    std::vector<std::string> w{p.hookwarden, "run"};
    if (!p.agent.empty()) w.insert(w.end(), {"--agent", p.agent});
    if (!p.policy.empty()) w.insert(w.end(), {"--policy", p.policy});
    if (p.timeout_ms) w.insert(w.end(), {"--timeout", std::to_string(*p.timeout_ms)});
    if (!p.on_failure.empty()) w.insert(w.end(), {"--on-failure", p.on_failure});
    if (p.exit_0_or_2) w.emplace_back("--exit-0-or-2");
    w.insert(w.end(), {"--name", p.name, "--"});
    return w;
}

std::string wrap_with(const RunPrefix& p, const std::string& original) {
    std::string prefix;
    for (const auto& word : prefix_words(p)) prefix += (word == "--" ? word : shell::quote(word)) + " ";
    if (direct_form_ok(original) && !looks_like_shell_form(original)) return prefix + original;
    return prefix + kShellPrefix + shell::quote_always(original);
}

std::vector<std::string> wrap_args(const RunPrefix& p, const std::vector<std::string>& original) {
    std::vector<std::string> args = prefix_words(p);
    args.insert(args.end(), original.begin(), original.end());
    return args;
}

std::string wrap_with_policy(const std::string& hookwarden_path, const std::string& name, const std::string& original,
                             const std::string& policy) {
    RunPrefix p;
    p.hookwarden = hookwarden_path;
    p.policy = policy;
    p.name = name;
    return wrap_with(p, original);
}

std::string wrap_command(const std::string& hookwarden_path, const std::string& name, const std::string& original) {
    return wrap_with_policy(hookwarden_path, name, original, "");
}

std::optional<ParsedWrap> parse_wrap(const std::string& command) {
    shell::Lexed full = shell::lex(command);
    if (full.segments.empty()) return std::nullopt;
    const auto& w = full.segments[0];
    if (w.size() < 5 || w[1].value != "run" || !is_hookwarden_binary(w[0].value)) return std::nullopt;
    std::vector<std::string> words;
    for (const auto& word : w) words.push_back(word.value);
    ParsedWrap p;
    p.prefix.hookwarden = w[0].value;
    auto after = parse_options(words, 2, p.prefix);
    if (!after || w[*after - 1].quoted) return std::nullopt;
    std::size_t dashes_end = w[*after - 1].end;
    if (dashes_end >= command.size() || command[dashes_end] != ' ') return std::nullopt;
    std::string tail = command.substr(dashes_end + 1);
    p.original = looks_like_shell_form(tail) ? *shell::unquote_always(tail.substr(kShellPrefixLength)) : tail;
    // Canonical only: what install itself would write. Anything else is the user's own.
    if (wrap_with(p.prefix, p.original) != command) return std::nullopt;
    p.hookwarden = p.prefix.hookwarden;
    p.name = p.prefix.name;
    p.policy = p.prefix.policy;
    return p;
}

std::optional<ParsedArgs> parse_wrapped_args(const std::vector<std::string>& args) {
    if (args.size() < 6 || args[1] != "run" || !is_hookwarden_binary(args[0])) return std::nullopt;
    ParsedArgs p;
    p.prefix.hookwarden = args[0];
    auto after = parse_options(args, 2, p.prefix);
    if (!after || *after >= args.size()) return std::nullopt;
    p.original.assign(args.begin() + static_cast<std::ptrdiff_t>(*after), args.end());
    if (wrap_args(p.prefix, p.original) != args) return std::nullopt;
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

bool is_hookwarden_argv(const std::vector<std::string>& args) {
    return args.size() >= 2 && is_hookwarden_binary(args[0]) && (args[1] == "run" || args[1] == "dispatch");
}

bool is_dispatch_command(const std::string& command) {
    shell::Lexed lexed = shell::lex(command);
    if (lexed.segments.empty() || lexed.segments[0].size() < 2) return false;
    const auto& w = lexed.segments[0];
    return is_hookwarden_binary(w[0].value) && w[1].value == "dispatch";
}

}  // namespace hookwarden::install
