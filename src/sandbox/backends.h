// Constructors of the concrete backends; only sandbox.cpp chooses between them.
#pragma once

#include <memory>
#include <string>

#include "sandbox/sandbox.h"

namespace hookwarden::sandbox {

std::unique_ptr<Sandbox> create_cgroup_v2(const Limits& limits, std::string& error);
std::unique_ptr<Sandbox> create_cgroup_v1(const Limits& limits, std::string& error);
std::unique_ptr<Sandbox> create_none(const Limits& limits);

// Where cgroup v2 run cgroups would go, or "" with `why` when v2 is not usable here.
std::string cgroup_v2_parent(std::string& why);

}  // namespace hookwarden::sandbox
