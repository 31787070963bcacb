#pragma once

#include <ostream>

namespace hookwarden::core {

// `hookwarden doctor`: which enforcement works here, why, and how to get more.
// Exit 0 when a cgroup backend works, 1 when only `none` does.
int doctor(std::ostream& out);

}  // namespace hookwarden::core
