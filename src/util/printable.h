// Names and texts that reach a line-oriented output (status, the table and markdown
// reports) come from hooks and their users: a newline in a `run --name` used to split
// a row in two. Control characters are shown escaped, never dropped, so two names that
// differ only in one stay apart.
#pragma once

#include <string>
#include <string_view>

namespace hookwarden::text {

// `in` with \n, \r, \t as those two-character escapes, the other C0 controls and DEL as
// \xNN; a backslash stays one (the escapes are for reading, not for parsing back).
std::string escape_controls(std::string_view in);

}  // namespace hookwarden::text
