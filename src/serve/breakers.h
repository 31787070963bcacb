// The daemon's breaker keeper (docs/serve.md, "Breakers"): one process, started with the
// daemon, that keeps the store open and takes the breaker admissions of served runs, so
// that no worker opens SQLite on its answer's path. It decides with Store::admit on its
// open connection, the same code and the same database as an in-process run: a breaker
// opened by served runs stops in-process runs and the other way round, `hookwarden
// breaker` acts on both, and a restarted daemon finds every breaker where it was. The
// records stay committed by each run's guardian, which outlives a killed daemon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hookwarden/policy_types.h"
#include "store/store.h"
#include "util/fd.h"

namespace hookwarden::serve {

// Forks the keeper, listening on `socket_path` + ".breakers" (the daemon's socket
// directory: 0700 and ours), with the store of `state_dir` opened at once; `opening`
// reaches end of file when that open is over (or the keeper died). Returns its pid, or
// -1 with `error` (the workers then admit as in-process runs do). It closes `daemon_fds`
// (the daemon's listener, lock and signalfd) and dies with the daemon
// (PR_SET_PDEATHSIG). Workers forked afterwards find it (ask_breaker_keeper).
pid_t start_breaker_keeper(const std::string& socket_path, const std::string& state_dir,
                           const std::vector<int>& daemon_fds, UniqueFd& opening, std::string& error);

// In a worker (or a process it forked): the keeper's admission for `hook` in the store of
// `state_dir`, or nullopt when there is no keeper, it did not answer within its bound,
// or it could not open that store: the caller then admits in-process, as without a daemon.
std::optional<store::Admission> ask_breaker_keeper(const std::string& state_dir, const std::string& hook,
                                                   const BreakerConfig& config, std::int64_t now_ms,
                                                   std::int64_t probe_ttl_ms);

}  // namespace hookwarden::serve
