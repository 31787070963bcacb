// Source positions for JSON values. nlohmann::json drops them while parsing, but every
// policy diagnostic must name file:line:col, and SARIF points at a hook's line. So after
// nlohmann has accepted the text, a second, tiny scanner walks the same text and maps
// each JSON pointer to where its key and its value start.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace hookwarden::jsonpos {

// 1-based, as editors show them. Columns count UTF-8 code points, not bytes, so that a
// non-ASCII hook description does not shift the caret.
struct Position {
    int line = 1;
    int column = 1;
};

// Line and column of a byte offset (clamped to the text).
Position position_of_offset(const std::string& text, std::size_t offset);

class PositionIndex {
public:
    // `text` must be JSON that nlohmann::json::parse accepted; anything else gives an
    // index that is merely incomplete (the scanner stops at the first surprise).
    explicit PositionIndex(const std::string& text);

    // Where the member's key starts (its opening quote). For array elements and the
    // root, where the value starts. Unknown pointers fall back to their closest known
    // ancestor, so a diagnostic always has some position.
    Position key(const std::string& pointer) const;
    // Where the value starts.
    Position value(const std::string& pointer) const;

    // A key repeated in one object. nlohmann silently keeps the last one, which hides
    // mistakes such as two "limits" blocks in one hook; the validator reports these.
    struct Duplicate {
        std::string pointer;
        Position position;  // of the repeated (later) key
    };
    const std::vector<Duplicate>& duplicates() const { return duplicates_; }

    struct Entry {
        Position key, value;
    };

private:
    friend class Scanner;
    const Entry* find(const std::string& pointer) const;

    std::map<std::string, Entry> entries_;
    std::vector<Duplicate> duplicates_;
};

// JSON pointer (RFC 6901) of a child member: escapes '~' and '/'.
std::string pointer_append(const std::string& pointer, const std::string& key);

}  // namespace hookwarden::jsonpos
