#include "util/paths.h"

#include <cstdlib>
#include <sstream>
#include <unistd.h>
#include <vector>

#include "util/fs.h"

namespace hookwarden::paths {

namespace {

// The variable's value when it is an absolute path, else "".
std::string absolute_env(const char* name) {
    const char* value = std::getenv(name);
    return value && value[0] == '/' ? value : "";
}

std::string under_home(const char* xdg_variable, const char* default_below_home) {
    if (std::string dir = absolute_env(xdg_variable); !dir.empty()) return dir;
    std::string home = home_dir();
    return home.empty() ? "" : home + default_below_home;
}

}  // namespace

std::string home_from_passwd(uid_t uid) {
    auto text = fs::read_file("/etc/passwd");
    if (!text) return "";
    std::istringstream lines(*text);
    const std::string wanted = std::to_string(uid);
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> fields;
        std::istringstream parts(line);
        for (std::string field; std::getline(parts, field, ':');) fields.push_back(field);
        if (fields.size() >= 6 && fields[2] == wanted) return fields[5];
    }
    return "";
}

std::string home_dir() {
    if (std::string home = absolute_env("HOME"); !home.empty()) return home;
    return home_from_passwd(::getuid());
}

std::string config_home() { return under_home("XDG_CONFIG_HOME", "/.config"); }

std::string state_home() { return under_home("XDG_STATE_HOME", "/.local/state"); }

std::string runtime_dir() { return absolute_env("XDG_RUNTIME_DIR"); }

}  // namespace hookwarden::paths
