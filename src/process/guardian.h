// Guardian: a tiny process that outlives a killed supervisor just long enough to kill
// the hook's tree and remove its cgroups (README "What holds on every backend"). PR_SET_PDEATHSIG reaches only the
// hook's main process; its descendants would otherwise run on in a cgroup nobody owns.
//
// It is forked before the hook's pipes exist, leaves the supervisor's session (so a
// signal to the agent's process group does not take it along), and blocks on a socket
// only the supervisor holds. End of file on that socket — the supervisor exited, normally
// or not — makes it kill and remove whatever of the run's cgroups is still there, sweep
// run cgroups of other dead supervisors, and exit. After a normal run there is nothing
// left to kill, and this happens after the supervisor has already answered the agent.
#pragma once

#include <optional>
#include <unistd.h>
#include <string>
#include <vector>

#include "store/handed_over.h"

namespace hookwarden::process {

// What a guardian does, decided before it is forked: plain data, no code.
struct GuardianJob {
    std::vector<std::string> cgroup_dirs;    // killed and removed once the supervisor is gone
    std::vector<std::string> stale_parents;  // swept for run cgroups of dead supervisors
    // After a normal run, the record handed over is committed here. nullopt: the
    // supervisor commits it itself (`run --record`), nothing is handed over.
    std::optional<store::HandedOverCommit> commit;
    // Started before its run is known (serve's ready pool): the commit comes with the
    // record (Guardian::commit_later), not with the job.
    bool commit_later = false;
};

class Guardian {
public:
    Guardian() = default;
    Guardian(const Guardian&) = delete;
    Guardian& operator=(const Guardian&) = delete;
    // A started guardian changes hands (from serve's ready pool to the run it serves).
    Guardian& operator=(Guardian&& other) noexcept;
    ~Guardian();

    // Returns false (and stays inactive) if the guardian could not be started.
    bool start(const GuardianJob& job);
    // Tells the guardian the hook's process group, which it kills too (the only handle
    // the `none` backend has on the tree once the supervisor is gone).
    // `mount_ns_fd` (or -1): the hook's own mount namespace, which the guardian holds
    // until it exits, so that the namespace's teardown comes after the answer.
    void watch(int hook_pgid, int mount_ns_fd = -1);
    // Only once the hook's tree is reaped: tells the guardian so (it will not signal the
    // hook's process group, whose id may be reused by now), before the record exists. A
    // supervisor that dies after this and before hand_over leaves a record the guardian
    // cannot read, which it says in the state directory's guardian.log, rather than a
    // kill of a reaped group and a silent loss. False if there is no watching guardian.
    bool reaped();
    // Only once the hook's tree is reaped: the guardian removes the cgroups and commits
    // `payload` (the job's commit). Sends reaped() first if it was not. Ends our side of
    // the pipe. False if there is no watching guardian to take it.
    bool hand_over(const std::string& payload);
    // For a guardian started with `commit_later`: what to commit the handed-over record
    // with (sent along with it by hand_over).
    void commit_later(const store::HandedOverCommit& commit) { late_commit_ = store::encode_commit(commit); }
    // The guardian's pid, or -1.
    int pid() const { return pid_; }
    // Our end of its socket: POLLHUP once the guardian is gone (-1 when none).
    int watch_fd() const { return pipe_fd_; }
    // The guardian died before the run was over: it can take nothing any more.
    void lost() {
        if (pipe_fd_ >= 0) ::close(pipe_fd_);
        pipe_fd_ = -1;
    }
    bool active() const { return pipe_fd_ >= 0; }

private:
    int pipe_fd_ = -1;
    int pid_ = -1;
    bool watched_ = false;
    bool reaped_sent_ = false;
    std::string late_commit_;  // encoded; "" = the job's own commit
};

}  // namespace hookwarden::process
