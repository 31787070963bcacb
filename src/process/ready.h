// A ready run (serve's pool, docs/serve.md): the sandbox, the guardian and, where joining
// a cgroup is a migration (cgroup v1), a child already placed in the sandbox's leaves,
// all made before the run they serve is known. A run that fits takes them, so that on
// its path no cgroup is created, no process migrated and no guardian forked; a run that
// does not makes its own, as without a pool. One run at most: taking empties it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "process/guardian.h"
#include "sandbox/sandbox.h"
#include "store/handed_over.h"

namespace hookwarden::process {

class ReadyRun {
public:
    // Backend `auto` as a run would resolve it here, with placeholder limits (the built-in
    // ones). nullptr (with `why`) when that is backend `none`, which has nothing to make
    // ahead, or when something failed (nothing is left behind then).
    static std::unique_ptr<ReadyRun> prepare(std::string& why);
    ReadyRun(const ReadyRun&) = delete;
    ReadyRun& operator=(const ReadyRun&) = delete;
    // Unused: the placed child is killed, the cgroups removed (and by the guardian).
    ~ReadyRun();

    // For a run of `backend` with `limits`: the sandbox with those limits written in, and
    // the started guardian moved into `guardian` (it commits the record with `commit`).
    // nullptr when the run does not fit (another backend asked, a nested run, already
    // taken, a limit that would not take): the caller then makes its own, and this ready
    // run is discarded first (nothing of it may be alive beside that run: the `none`
    // backend counts our children).
    std::unique_ptr<sandbox::Sandbox> take(const std::string& backend, const Limits& limits, Guardian& guardian,
                                           const std::optional<store::HandedOverCommit>& commit, bool pid_namespace,
                                           std::string& why);

    // The backend made ahead ("cgroup-v1", "cgroup-v2").
    std::string backend() const;

private:
    ReadyRun() = default;
    void discard();
    std::unique_ptr<sandbox::Sandbox> box_;
    Guardian guardian_;
};

// The ready run this process holds (a ready worker of `serve` holds one), or nullptr.
// `hold` replaces it; `held` gives it up to the caller.
void hold_ready(std::unique_ptr<ReadyRun> ready);
std::unique_ptr<ReadyRun> held_ready();

}  // namespace hookwarden::process
