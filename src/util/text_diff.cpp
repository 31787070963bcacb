#include "util/text_diff.h"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <utility>
#include <vector>

namespace hookwarden::text {

namespace {

constexpr std::size_t kContext = 3;
constexpr std::size_t kMaxTableCells = 4'000'000;  // the LCS table: 16 MB

// ' ' in both, '-' old only, '+' new only.
using Edit = std::pair<char, std::string>;

std::vector<std::string> split_lines(const std::string& t) {
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
}

// The edits along a longest common subsequence of lines.
std::vector<Edit> edit_script(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::size_t n = a.size(), m = b.size();
    std::vector<Edit> ops;
    if (n * m > kMaxTableCells) {
        for (const auto& l : a) ops.push_back({'-', l});
        for (const auto& l : b) ops.push_back({'+', l});
        return ops;
    }
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
    return ops;
}

// One hunk: edits [start, end), numbered by the lines before it.
void write_hunk(std::ostream& out, const std::vector<Edit>& ops, std::size_t start, std::size_t end) {
    std::size_t old_start = 0, new_start = 0, old_count = 0, new_count = 0;
    for (std::size_t x = 0; x < end; ++x) {
        std::size_t& old_n = x < start ? old_start : old_count;
        std::size_t& new_n = x < start ? new_start : new_count;
        if (ops[x].first != '+') ++old_n;
        if (ops[x].first != '-') ++new_n;
    }
    out << "@@ -" << (old_count ? old_start + 1 : old_start) << "," << old_count << " +"
        << (new_count ? new_start + 1 : new_start) << "," << new_count << " @@\n";
    for (std::size_t x = start; x < end; ++x) out << ops[x].first << ops[x].second << "\n";
}

// Where the hunk that holds the change at `first_change` ends: changes closer than
// twice the context share a hunk.
std::size_t hunk_end(const std::vector<Edit>& ops, std::size_t first_change) {
    std::size_t last_change = first_change;
    for (std::size_t end = first_change; end < ops.size(); ++end) {
        if (ops[end].first != ' ') last_change = end;
        if (end - last_change > 2 * kContext) break;
    }
    return std::min(ops.size(), last_change + kContext + 1);
}

}  // namespace

std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_name,
                         const std::string& new_name) {
    if (old_text == new_text) return "";
    std::vector<Edit> ops = edit_script(split_lines(old_text), split_lines(new_text));
    std::ostringstream out;
    out << "--- " << old_name << "\n+++ " << new_name << "\n";
    std::size_t k = 0;
    while (k < ops.size()) {
        while (k < ops.size() && ops[k].first == ' ') ++k;
        if (k == ops.size()) break;
        std::size_t start = k >= kContext ? k - kContext : 0;
        std::size_t end = hunk_end(ops, k);
        write_hunk(out, ops, start, end);
        k = end;
    }
    return out.str();
}

}  // namespace hookwarden::text
