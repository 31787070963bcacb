// What /proc/self/cmdline shows — and so `ps`, `pgrep -f` and `pkill -f`.
#pragma once

#include <string_view>

namespace hookwarden {

// Overwrites this process's argument area with `title` (cut to fit). Why: hookwarden's
// argv contains the hook's own command, so a hook that kills "other copies of itself"
// with `pkill -f` would kill its supervisor and guardian and turn its verdict into the
// agent's "non-blocking error". Call only once argv has been parsed into copies.
// Returns false when the area could not be found.
bool set_process_title(std::string_view title);

}  // namespace hookwarden
