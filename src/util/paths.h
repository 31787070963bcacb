// Where a user's files live: the home directory and the XDG base directories
// (https://specifications.freedesktop.org/basedir-spec/latest/). One resolver, so that
// `install --scope user` writes the policy exactly where `run` looks for it.
#pragma once

#include <string>
#include <sys/types.h>

namespace hookwarden::paths {

// $HOME when it is an absolute path, else the home field of the caller's /etc/passwd
// entry, else "". /etc/passwd is read directly: the binary is static, and glibc's
// getpwuid would dlopen the NSS modules of whatever glibc is installed at run time.
std::string home_dir();
// The home field of `uid`'s line in /etc/passwd, "" when there is none.
std::string home_from_passwd(uid_t uid);

// $XDG_CONFIG_HOME, $XDG_STATE_HOME: used only when absolute; the spec says a relative
// value is invalid and must be ignored. Otherwise HOME/.config and HOME/.local/state,
// or "" when there is no home directory either.
std::string config_home();
std::string state_home();
// $XDG_RUNTIME_DIR when absolute, else "" (the spec has no default; the caller picks
// its own fallback and says so).
std::string runtime_dir();

}  // namespace hookwarden::paths
