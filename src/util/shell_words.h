// POSIX shell words, as far as hookwarden needs them: to tell whether a command string
// is one plain command (and get the argv a shell would exec), to find the script a
// command runs, and to quote words back. Not a shell: expansions are recognised and
// left as written, never performed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hookwarden::shell {

struct Word {
    std::string value;               // after quote removal (expansions left as written)
    std::size_t begin = 0, end = 0;  // raw extent in the command
    bool quoted = false;             // some part was quoted or escaped
    bool expands = false;            // contains $, ` or a glob/tilde outside single quotes
    bool assignment = false;         // NAME=... before any quoting
    bool redirect_target = false;    // the word after < or >
};

struct Lexed {
    std::vector<std::vector<Word>> segments;  // simple commands, split at operators
    bool balanced = true;                     // quotes and escapes closed
    bool has_operator = false;                // ; & | < > ( ) newline, or a line continuation
    bool has_comment = false;
};

Lexed lex(const std::string& command);

// POSIX single-quoting: abc -> abc (when nothing needs quoting), a'b -> 'a'\''b'.
std::string quote(const std::string& word);
// Always single-quoted, even when nothing needs it: 'abc'.
std::string quote_always(const std::string& text);
// The inverse of quote_always for its own output only; nullopt for anything else.
std::optional<std::string> unquote_always(const std::string& quoted);

// The words of `command` if it is one simple command a shell would run as plain argv:
// only literal words (quotes allowed), no expansions, globs, operators, redirections,
// assignments or comments. nullopt otherwise.
std::optional<std::vector<std::string>> split_simple(const std::string& command);

// Words a shell runs itself rather than exec'ing a program (if, cd, exec, export, ...).
bool is_keyword_or_builtin(const std::string& word);

}  // namespace hookwarden::shell
