#include "util/shell_words.h"

#include <algorithm>
#include <set>

namespace hookwarden::shell {

namespace {

bool is_name_char(char c, bool first) {
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
}

bool is_operator(char c) {
    return c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
}

// Characters that make an unquoted word expand: parameters, command substitution, globs
// and braces. A tilde only at the start of a word.
bool expands_unquoted(char c, bool at_word_start) {
    return c == '$' || c == '`' || c == '*' || c == '?' || c == '[' || c == '{' || c == '}' || (c == '~' && at_word_start);
}

// Inside double quotes a backslash escapes only these.
bool escapable_in_double_quotes(char c) { return c == '$' || c == '`' || c == '"' || c == '\\' || c == '\n'; }

class Lexer {
public:
    explicit Lexer(const std::string& text) : s_(text) { out_.segments.emplace_back(); }

    Lexed run() {
        while (i_ < s_.size()) step(s_[i_]);
        finish_word(s_.size());
        if (out_.segments.back().empty() && out_.segments.size() > 1) out_.segments.pop_back();
        return std::move(out_);
    }

private:
    void step(char c) {
        if (c == ' ' || c == '\t') {
            finish_word(i_++);
        } else if (is_operator(c)) {
            finish_word(i_++);
            out_.has_operator = true;
            if (!out_.segments.back().empty()) out_.segments.emplace_back();
            after_redirect_ = c == '<' || c == '>';
        } else if (c == '#' && !word_) {
            out_.has_comment = true;
            i_ = s_.size();
        } else if (c == '\'') {
            single_quoted();
        } else if (c == '"') {
            double_quoted();
        } else if (c == '\\') {
            escaped();
        } else {
            plain(c);
        }
    }

    void start_word() {
        if (word_) return;
        word_ = Word{};
        word_->begin = i_;
        word_->redirect_target = after_redirect_;
        after_redirect_ = false;
    }

    void finish_word(std::size_t at) {
        if (!word_) return;
        word_->end = at;
        out_.segments.back().push_back(std::move(*word_));
        word_.reset();
    }

    void single_quoted() {
        start_word();
        word_->quoted = true;
        auto close = s_.find('\'', i_ + 1);
        if (close == std::string::npos) {
            out_.balanced = false;
            word_->value += s_.substr(i_ + 1);
            i_ = s_.size();
        } else {
            word_->value += s_.substr(i_ + 1, close - i_ - 1);
            i_ = close + 1;
        }
    }

    void double_quoted() {
        start_word();
        word_->quoted = true;
        for (++i_; i_ < s_.size(); ++i_) {
            char d = s_[i_];
            if (d == '"') {
                ++i_;
                return;
            }
            if (d == '\\' && i_ + 1 < s_.size() && escapable_in_double_quotes(s_[i_ + 1])) {
                if (s_[i_ + 1] == '\n') out_.has_operator = true;  // line continuation: not one plain word
                word_->value += s_[++i_];
                continue;
            }
            if (d == '$' || d == '`') word_->expands = true;
            word_->value += d;
        }
        out_.balanced = false;
    }

    void escaped() {
        start_word();
        word_->quoted = true;
        if (i_ + 1 >= s_.size()) {
            out_.balanced = false;
            ++i_;
            return;
        }
        if (s_[i_ + 1] == '\n') out_.has_operator = true;
        word_->value += s_[i_ + 1];
        i_ += 2;
    }

    void plain(char c) {
        bool at_start = !word_;
        start_word();
        if (expands_unquoted(c, at_start)) word_->expands = true;
        if (c == '=' && !word_->quoted && !word_->value.empty() && !word_->assignment) {
            bool name = is_name_char(word_->value[0], true);
            for (char n : word_->value) name = name && is_name_char(n, false);
            word_->assignment = name;
        }
        word_->value += c;
        ++i_;
    }

    const std::string& s_;
    std::size_t i_ = 0;
    Lexed out_;
    std::optional<Word> word_;
    bool after_redirect_ = false;
};

}  // namespace

Lexed lex(const std::string& command) { return Lexer(command).run(); }

std::string quote(const std::string& word) {
    if (!word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
            return is_name_char(c, false) || c == '/' || c == '.' || c == '-' || c == '+' || c == ',' || c == ':' ||
                   c == '@' || c == '%' || c == '=';
        }))
        return word;
    return quote_always(word);
}

std::string quote_always(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::optional<std::string> unquote_always(const std::string& quoted) {
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
    if (quote_always(out) != quoted) return std::nullopt;
    return out;
}

std::optional<std::vector<std::string>> split_simple(const std::string& command) {
    Lexed lexed = lex(command);
    if (!lexed.balanced || lexed.has_operator || lexed.has_comment || lexed.segments.size() != 1 ||
        lexed.segments[0].empty())
        return std::nullopt;
    std::vector<std::string> argv;
    for (const auto& w : lexed.segments[0]) {
        if (w.expands) return std::nullopt;
        argv.push_back(w.value);
    }
    if (lexed.segments[0][0].assignment || is_keyword_or_builtin(argv[0]) || argv[0].empty()) return std::nullopt;
    return argv;
}

bool is_keyword_or_builtin(const std::string& word) {
    static const std::set<std::string> words = {
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for", "in",
        "{", "}", "!", "[[", "]]", "function", "select", "time", "cd", ".", ":", "source", "exec", "eval",
        "export", "set", "unset", "trap", "ulimit", "umask", "wait", "read", "shift", "alias", "unalias",
        "command", "type", "hash", "local", "readonly", "return", "exit", "break", "continue", "times",
        "getopts", "jobs", "fg", "bg", "builtin", "declare", "typeset", "let", "shopt"};
    return words.count(word) > 0;
}

}  // namespace hookwarden::shell
