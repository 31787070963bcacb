// The state directory as one verified directory fd (docs/security.md): checked when a
// command starts — not a link, owned by the user, not writable by group or others unless
// sticky, and every directory above it owned by the user or root and writable by no one
// else unless sticky — and every file in its subdirectories opened relative to that fd
// with O_NOFOLLOW. A rename of a parent, or a link swapped in for `pending/` or
// `alerts/` after the check, cannot redirect a write.
#pragma once

#include <string>
#include <sys/types.h>

#include "util/fd.h"

namespace hookwarden::store {

// Why `dir` may not be used ("" when it may, or when it does not exist yet). Checks it
// every time; on success remembers the verified fd (state_dir_fd).
std::string verify_state_dir(const std::string& dir);

// The verified fd of `dir` (opened and checked on first use; -1 with `error` set when
// refused or missing). Owned by this process for its lifetime.
int state_dir_fd(const std::string& dir, std::string* error = nullptr);

// `sub` (one name, e.g. "pending") of the verified state directory, never through a link;
// created 0700 when `create` and missing. Invalid with errno set when it cannot be.
UniqueFd open_state_subdir(const std::string& dir, const char* sub, bool create);

}  // namespace hookwarden::store
