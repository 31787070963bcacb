#include "cmd/command.h"

#include <CLI/CLI.hpp>

namespace hookwarden::cmd {

const std::vector<std::string> kBackends{"auto", "cgroup-v2", "cgroup-v1", "none"};

bool parsed(const CLI::App* subcommand) { return subcommand != nullptr && subcommand->parsed(); }

}  // namespace hookwarden::cmd
