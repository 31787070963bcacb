// A unified diff of two texts, for showing a change before it is made (`install
// --dry-run`). Meant for files of a few hundred lines: beyond about 2000 x 2000 lines it
// shows the whole old text removed and the new one added rather than a minimal diff.
#pragma once

#include <string>

namespace hookwarden::text {

// `diff -u` style, 3 lines of context; "" when the texts are equal. A last line without
// a newline is marked "\ No newline at end of file".
std::string unified_diff(const std::string& old_text, const std::string& new_text, const std::string& old_name,
                         const std::string& new_name);

}  // namespace hookwarden::text
