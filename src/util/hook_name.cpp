#include "util/hook_name.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
#include <set>

#include "util/shell_words.h"

namespace hookwarden::naming {

namespace {

using Segments = std::vector<std::vector<std::string>>;

constexpr std::size_t kMaxNameLength = 64;

std::string base_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string extension_of(const std::string& base) {
    auto dot = base.rfind('.');
    return dot == std::string::npos || dot == 0 ? "" : base.substr(dot);
}

// Programs that run the script named after them rather than being the hook themselves.
bool is_launcher(const std::string& base) {
    static const std::set<std::string> launchers = {
        "uv",   "uvx",  "run",  "python", "node",    "bun",    "deno",   "npx",     "pnpm", "yarn", "npm",
        "bash", "sh",   "zsh",  "dash",   "ruby",    "perl",   "php",    "env",     "exec", "cd",   "sudo",
        "nice", "tsx",  "pipx", "poetry", "ts-node", "source", "command", "timeout", "."};
    if (launchers.count(base)) return true;
    // python3, python3.12, python2.7
    return base.rfind("python", 0) == 0 && base.size() > 6 &&
           std::all_of(base.begin() + 6, base.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

bool is_shell(const std::string& base) { return base == "sh" || base == "bash" || base == "zsh" || base == "dash"; }

bool has_script_extension(const std::string& word) {
    static const std::set<std::string> extensions = {".py", ".sh", ".bash", ".zsh", ".js", ".mjs", ".cjs", ".ts",
                                                     ".rb", ".pl", ".php",  ".lua", ".ps1", ".fish"};
    return extensions.count(extension_of(base_name(word))) > 0;
}

// NAME=value, as a shell takes it before the command (or env takes it after itself).
bool is_assignment(const std::string& word) {
    auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    return !std::isdigit(static_cast<unsigned char>(word[0])) && std::all_of(word.begin(), word.begin() + eq, name_char);
}

bool is_candidate(const std::string& word) {
    if (word.empty() || word[0] == '-' || is_assignment(word)) return false;
    std::string base = base_name(word);
    bool number = std::all_of(base.begin(), base.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    return !base.empty() && !number && !is_launcher(base);
}

// The script of `sh -c SCRIPT`, `bash -lc SCRIPT`, ... when words[at] is such a shell.
std::optional<std::string> shell_script(const std::vector<std::string>& words, std::size_t at) {
    if (!is_shell(base_name(words[at]))) return std::nullopt;
    for (std::size_t i = at + 1; i + 1 < words.size() && words[i].size() > 1 && words[i][0] == '-'; ++i) {
        bool short_options = words[i][1] != '-';
        if (short_options && words[i].find('c') != std::string::npos) return words[i + 1];
    }
    return std::nullopt;
}

std::string pick(const std::vector<std::string>& candidates) {
    for (const auto& c : candidates)
        if (has_script_extension(c)) return c;
    for (const auto& c : candidates)
        if (c.find('/') != std::string::npos) return c;
    return candidates.empty() ? "" : candidates.front();
}

// A policy key: [A-Za-z0-9._-]+, not starting with a separator.
std::string clean(const std::string& word) {
    std::string name = base_name(word);
    name.resize(name.size() - extension_of(name).size());
    for (auto& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
    auto first = name.find_first_not_of("._-");
    name = first == std::string::npos ? "" : name.substr(first);
    while (!name.empty() && (name.back() == '_' || name.back() == '.')) name.pop_back();
    if (name.size() > kMaxNameLength) name.resize(kMaxNameLength);
    return name.empty() ? "hook" : name;
}

std::string name_of(const Segments& segments) {
    for (const auto& words : segments)
        for (std::size_t i = 0; i < words.size(); ++i)
            if (auto script = shell_script(words, i)) return derive_name_from_shell(*script);
    std::vector<std::string> candidates;
    for (const auto& words : segments)
        std::copy_if(words.begin(), words.end(), std::back_inserter(candidates), is_candidate);
    if (candidates.empty())  // only launchers: `bun`, `npm test` is a candidate already
        for (const auto& words : segments)
            for (const auto& w : words)
                if (!w.empty() && w[0] != '-' && !is_assignment(w)) return clean(w);
    return clean(pick(candidates));
}

}  // namespace

std::string derive_name(const std::vector<std::string>& argv) { return name_of({argv}); }

std::string derive_name_from_shell(const std::string& command) {
    Segments segments;
    for (const auto& lexed : shell::lex(command).segments) {
        segments.emplace_back();
        for (const auto& word : lexed)
            if (!word.redirect_target) segments.back().push_back(word.value);
    }
    return name_of(segments);
}

}  // namespace hookwarden::naming
