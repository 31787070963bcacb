// The client's resource limits (ulimit), handed over with its run (docs/serve.md): the
// worker takes them on before it runs the client's command line, so that a served hook
// is held by the same RLIMIT_* values as one run in-process.
#pragma once

#include <string>
#include <vector>

#include "serve/wire.h"

namespace hookwarden::serve {

// Every limit of this process, as getrlimit reports it.
std::vector<wire::Rlimit> current_rlimits();

// Sets this process's limits to `limits`. A hard limit above ours can be raised only
// with CAP_SYS_RESOURCE: without it the limit is left at ours (the hook is then held
// tighter than in-process, never looser), and the returned notes say which. A resource
// this kernel does not know is skipped.
std::vector<std::string> take_rlimits(const std::vector<wire::Rlimit>& limits);

}  // namespace hookwarden::serve
