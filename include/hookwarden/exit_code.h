// The exit status of every command that is not a hook (docs/commands.md, "Exit codes").
// `run` and `dispatch` exit with the hook's, or the merged answer's, code instead.
#pragma once

namespace hookwarden {

enum class ExitCode : int {
    ok = 0,         // done, nothing found
    violation = 1,  // a violation found: a budget broken, an invalid policy, weaker enforcement
    usage = 2,      // usage or configuration error: bad arguments, unusable files, store errors
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace hookwarden
