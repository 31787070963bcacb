#include "process/ready.h"

#include "process/spawn.h"
#include "sandbox/confine.h"

extern char** environ;

namespace hookwarden::process {

namespace {

std::unique_ptr<ReadyRun> g_held;

}  // namespace

std::unique_ptr<ReadyRun> ReadyRun::prepare(std::string& why) {
    std::unique_ptr<ReadyRun> ready(new ReadyRun());
    std::vector<std::string> notes;
    ready->box_ = sandbox::create("auto", Limits{}, why, notes);
    if (!ready->box_) return nullptr;
    if (ready->box_->kind() == sandbox::Kind::none) {
        why = "backend auto is 'none' here: nothing to make ahead";
        return nullptr;
    }
    GuardianJob job{ready->box_->cgroup_dirs(), ready->box_->stale_parents(), std::nullopt, true};
    if (!ready->guardian_.start(job)) {
        why = "could not start a guardian";
        return nullptr;
    }
    // On v1 the child must join its cgroups by writing cgroup.procs: a migration, done
    // now. On v2 (and for the unified companion) clone3 starts it in its cgroup anyway.
    if (!ready->box_->child_setup().procs_fds.empty()) {
        // The confinement of a run without a sandbox policy: its mount namespace (a root
        // hook's, the same for every root hook here) is made by the placed child now. It
        // reads the mount table too, which the run's confinement then only polls.
        const auto usual = sandbox::prepare(SandboxConfig{}, ::environ);
        sandbox::PlacedChild child = place_child(ready->box_->child_setup(), &usual->child);
        if (child.pid < 0) {
            why = "could not place a child in the ready cgroups";
            return nullptr;
        }
        ready->box_->place(child);
        // It waits now, charging nothing: the peak restarted here is the hook's at take().
        ready->box_->restart_peak();
    }
    return ready;
}

ReadyRun::~ReadyRun() = default;  // the box kills its placed child, removes its cgroups; the guardian checks

std::string ReadyRun::backend() const { return box_ ? sandbox::to_string(box_->kind()) : "none"; }

void ReadyRun::discard() {
    box_.reset();
    guardian_ = Guardian();
}

std::unique_ptr<sandbox::Sandbox> ReadyRun::take(const std::string& backend, const Limits& limits, Guardian& guardian,
                                                 const std::optional<store::HandedOverCommit>& commit,
                                                 bool pid_namespace, std::string& why) {
    if (!box_) why = "ready run already taken";
    // A PID namespace comes only with the clone of the hook; a placed child exists already.
    else if (pid_namespace)
        why = "a PID namespace asked (made only by cloning the hook)";
    else if (backend != "auto" && backend != this->backend())
        why = "backend '" + backend + "' asked, '" + this->backend() + "' ready";
    // A nested run has no guardian and no cgroups of its own (core/run.cpp).
    else if (sandbox::inside_hookwarden_run())
        why = "nested in another hookwarden run";
    else if (!box_->set_limits(limits, why))
        why = "ready sandbox: " + why;
    else
        why.clear();
    if (!why.empty()) {
        discard();
        return nullptr;
    }
    if (commit) guardian_.commit_later(*commit);
    guardian = std::move(guardian_);
    return std::move(box_);
}

void hold_ready(std::unique_ptr<ReadyRun> ready) { g_held = std::move(ready); }

std::unique_ptr<ReadyRun> held_ready() { return std::move(g_held); }

}  // namespace hookwarden::process
