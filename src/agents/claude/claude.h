// Claude Code behind the common adapter interface (agents/adapter.h).
#pragma once

#include "agents/adapter.h"

namespace hookwarden::agents::claude {

const Adapter& adapter();

}  // namespace hookwarden::agents::claude
