#include "core/dispatch.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "agents/claude/protocol.h"
#include "core/run.h"
#include "process/supervisor.h"
#include "util/fd.h"
#include "util/fs.h"
#include "util/process_title.h"

namespace hookwarden::core {

namespace {

// A child supervisor's result travels back as length-prefixed fields: hook output is
// arbitrary bytes, so it is not squeezed through JSON strings.
void put(std::string& buffer, const std::string& field) {
    std::uint64_t size = field.size();
    buffer.append(reinterpret_cast<const char*>(&size), sizeof size);
    buffer.append(field);
}

bool take(const std::string& buffer, std::size_t& pos, std::string& field) {
    std::uint64_t size = 0;
    if (pos + sizeof size > buffer.size()) return false;
    std::memcpy(&size, buffer.data() + pos, sizeof size);
    pos += sizeof size;
    if (pos + size > buffer.size()) return false;
    field.assign(buffer, pos, size);
    pos += size;
    return true;
}

std::string dump(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Which policy hooks the event runs, in policy order: registered for the event, and
// matching its target where the event has matchers.
std::vector<const policy::HookEntry*> matching_hooks(const Invocation& inv, const std::string& policy_path) {
    std::vector<const policy::HookEntry*> hooks;
    const std::string& event = inv.info.event;
    if (inv.policy) {
        // An event read only in part has no known target: a guard with a matcher runs
        // rather than being skipped by a byte nobody could read (docs/protocol.md).
        const bool every_matcher = !agents::matcher_applies(inv.info.agent, event) || inv.info.partial;
        for (const auto* hook : policy::hooks_for_event(*inv.policy, event))
            if (every_matcher || agents::claude::matcher_matches(hook->matcher, inv.info.matcher_target))
                hooks.push_back(hook);
    }
    if (!inv.policy && !policy::discover(policy_path))
        std::cerr << "hookwarden: dispatch: no policy found ($HOOKWARDEN_POLICY, "
                     "$CLAUDE_PROJECT_DIR/.hookwarden/policy.json, .hookwarden/policy.json in the working "
                     "directory or above, ~/.config/hookwarden/policy.json); no hook runs\n";
    spdlog::debug("dispatch {} '{}': {} matching hook(s)", event, inv.info.matcher_target, hooks.size());
    return hooks;
}

// A hook whose supervisor could not start or died: its degradation policy answers.
agents::HookAnswer failed_hook_answer(const Invocation& inv, const policy::HookEntry& hook, const std::string& detail) {
    const policy::Policy* policy = inv.policy ? &*inv.policy : nullptr;
    const auto on_failure = policy::resolve(policy, hook.name, inv.info.event, {}).on_failure;
    return {hook.name, Outcome::internal_error,
            agents::degrade(inv.info.agent, on_failure,
                            {inv.info.event, hook.name, Outcome::internal_error, detail, inv.info.stop_hook_active})};
}

// One supervisor process per hook, at most `jobs` at once, each with its own subreaper,
// sandbox and guardian: a hook's process tree must not be able to disturb another's.
// Each sends its answer and record back through a pipe; a supervisor that dies or cannot
// be forked is answered by its hook's degradation policy.
class Dispatcher {
public:
    Dispatcher(const Invocation& inv, const DispatchOptions& options, std::vector<const policy::HookEntry*> hooks)
        : inv_(inv), options_(options), hooks_(std::move(hooks)), answers_(hooks_.size()), records_(hooks_.size()) {
        sigset_t signals = process::handled_signals();
        signal_fd_.reset(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
        if (inv_.signal) stop_before_start(*inv_.signal);
    }

    void run() {
        while (next_ < hooks_.size() || !running_.empty()) {
            start_more();
            if (!wait_once()) break;
        }
        signal_fd_.reset();
        while (::waitpid(-1, nullptr, WNOHANG) > 0) {
        }
    }

    bool stopped() const { return stopping_; }
    const std::vector<agents::HookAnswer>& answers() const { return answers_; }
    const std::vector<nlohmann::json>& records() const { return records_; }

private:
    struct Child {
        std::size_t index;
        pid_t pid;
        UniqueFd fd;
        std::string data;
    };

    void start_more() {
        while (!stopping_ && next_ < hooks_.size() && static_cast<int>(running_.size()) < std::max(1, options_.jobs)) {
            const std::size_t index = next_++;
            if (!start(index))
                answers_[index] = supervisor_failed(*hooks_[index], std::string("fork: ") + std::strerror(errno));
        }
        if (stopping_) next_ = hooks_.size();
    }

    bool start(std::size_t index) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return false;
        UniqueFd read_end(fds[0]), write_end(fds[1]);
        pid_t pid = ::fork();
        if (pid < 0) return false;
        if (pid == 0) {
            read_end.reset();
            supervise_in_child(*hooks_[index], write_end.get());
        }
        const int fd = read_end.get();
        running_.emplace(fd, Child{index, pid, std::move(read_end), {}});
        return true;
    }

    // If the dispatcher dies, SIGTERM makes this supervisor take its hook down.
    [[noreturn]] void supervise_in_child(const policy::HookEntry& hook, int result_fd) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != dispatcher_) ::_exit(1);
        if (options_.in_supervisor) options_.in_supervisor();
        policy::Resolved resolved = policy::resolve(&*inv_.policy, hook.name, inv_.info.event, {});
        const bool record_after_answer = options_.record_path.empty();
        // The record goes to the guardian: the answer goes back first, and the dispatcher
        // (which needs the records only for --record) does not wait for the record.
        auto answer_first = [&](agents::Answer& answer, Outcome outcome) {
            send_result(result_fd, outcome, answer, std::string());
            ::close(result_fd);
            result_fd = -1;
            ::prctl(PR_SET_PDEATHSIG, 0);  // answered: the hand-over must not die with the dispatcher
            release_stdio();
        };
        HookResult result = execute(inv_, hook.name, hook.command, resolved, options_.backend, record_after_answer,
                                    nullptr, record_after_answer ? AnswerFirst(answer_first) : AnswerFirst());
        if (!result.answered)
            send_result(result_fd, result.record.outcome, result.answer, dump(nlohmann::json(result.record)));
        ::_exit(0);
    }

    static void send_result(int fd, Outcome outcome, const agents::Answer& answer, const std::string& record) {
        std::string buffer;
        put(buffer, std::to_string(static_cast<int>(outcome)));
        put(buffer, std::to_string(answer.exit_code));
        put(buffer, answer.stdout_data);
        put(buffer, answer.stderr_data);
        put(buffer, record);
        fs::write_all(fd, buffer);
    }

    // The agent's pipes (fds 0, 1, 2) are not held past our answer.
    static void release_stdio() {
        const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd < 0) return;
        for (int fd = 0; fd < 3; ++fd) ::dup2(null_fd, fd);
        ::close(null_fd);
    }

    // Waits for a signal or for data from one supervisor. False when polling failed.
    bool wait_once() {
        std::vector<pollfd> fds;
        fds.push_back({signal_fd_.get(), POLLIN, 0});
        for (const auto& [fd, child] : running_) fds.push_back({fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return false;
        for (const auto& p : fds) {
            if (p.revents == 0) continue;
            if (p.fd == signal_fd_.get()) {
                on_signals();
            } else if (on_child_data(p.fd)) {
                break;  // a child finished: the map changed under the loop
            }
        }
        return true;
    }

    // The agent gave up before any hook started: each is answered by its policy.
    void stop_before_start(int signal) {
        stopping_ = true;
        for (std::size_t i = 0; i < hooks_.size(); ++i)
            answers_[i] = supervisor_failed(*hooks_[i], "hookwarden received signal " + std::to_string(signal) +
                                                            " while reading the event");
        next_ = hooks_.size();
    }

    // The agent gave up: every supervisor takes its hook down, no new one starts.
    void on_signals() {
        signalfd_siginfo info{};
        while (::read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
            if (info.ssi_signo == SIGCHLD || stopping_) continue;
            stopping_ = true;
            for (const auto& [fd, child] : running_) ::kill(child.pid, SIGTERM);
        }
    }

    // Reads what one supervisor sent; true once it has finished (and is removed).
    bool on_child_data(int fd) {
        Child& child = running_.at(fd);
        char buffer[65536];
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            child.data.append(buffer, static_cast<std::size_t>(n));
            return false;
        }
        if (n < 0 && errno == EINTR) return false;
        // Not waited for: a supervisor that answered goes on to hand its record to its
        // guardian; it is reaped at the end if it has exited by then (else by our reaper).
        ::waitpid(child.pid, nullptr, WNOHANG);
        collect(child);
        running_.erase(fd);
        return true;
    }

    void collect(const Child& child) {
        const auto* hook = hooks_[child.index];
        std::string outcome, exit_code, out, err, record;
        std::size_t pos = 0;
        if (take(child.data, pos, outcome) && take(child.data, pos, exit_code) && take(child.data, pos, out) &&
            take(child.data, pos, err) && take(child.data, pos, record)) {
            answers_[child.index] = {hook->name, static_cast<Outcome>(std::stoi(outcome)),
                                     {std::stoi(exit_code), std::move(out), std::move(err)}};
            records_[child.index] = nlohmann::json::parse(record, nullptr, false);
        } else {
            answers_[child.index] = supervisor_failed(*hook, "its supervisor died");
        }
    }

    agents::HookAnswer supervisor_failed(const policy::HookEntry& hook, const std::string& detail) const {
        return failed_hook_answer(inv_, hook, detail);
    }

    const Invocation& inv_;
    const DispatchOptions& options_;
    const std::vector<const policy::HookEntry*> hooks_;
    std::vector<agents::HookAnswer> answers_;
    std::vector<nlohmann::json> records_;
    std::map<int, Child> running_;
    std::size_t next_ = 0;
    UniqueFd signal_fd_;
    const pid_t dispatcher_ = ::getpid();
    bool stopping_ = false;
};

// stdin is awaited no longer than the longest-running hook the event may start (the
// event is in stdin, so every hook counts), or the built-in timeout without a policy.
std::chrono::milliseconds longest_timeout(const policy::Policy* policy) {
    if (!policy || policy->hooks.empty()) return std::chrono::milliseconds(policy::resolve(policy, "", "", {}).limits.timeout_ms);
    std::int64_t longest = 0;
    for (const auto& hook : policy->hooks)
        longest = std::max(longest, policy::resolve(policy, hook.name, hook.event, {}).limits.timeout_ms);
    return std::chrono::milliseconds(longest);
}

// The other agents do not all read exit 2 as a block (Copilot skips a failing hook): the
// agent's own most conservative form for an event it cannot name.
int no_event_answer(const Invocation& inv) {
    OnFailure block;
    block.action = FailureAction::block;
    const agents::Answer answer = agents::degrade(
        inv.info.agent, block, {"", "dispatch", Outcome::internal_error, "no event name: pass --event", inv.info.stop_hook_active});
    fs::write_all(1, answer.stdout_data);
    fs::write_all(2, answer.stderr_data);
    return answer.exit_code;
}

}  // namespace

agents::Answer all_failed_answer(const Invocation& inv, const std::vector<const policy::HookEntry*>& hooks,
                                 const std::string& detail) {
    std::vector<agents::HookAnswer> answers;
    for (const auto* hook : hooks) answers.push_back(failed_hook_answer(inv, *hook, detail));
    std::vector<std::string> warnings;
    return agents::merge(inv.info.agent, inv.info.event, answers, warnings);
}

namespace {

// dispatch, up to its final answer written to fds 1 and 2; returns its exit code.
int dispatch_and_answer(const DispatchOptions& options) {
    process::prepare_process();
    set_process_title("hookwarden dispatch");  // argv holds the hook's command: see util/process_title.h
    Invocation inv =
        begin_invocation(options.policy_path, options.event, options.agent, options.process_start, longest_timeout);
    inv.served_by = options.served_by;
    inv.errors.insert(inv.errors.end(), options.notes.begin(), options.notes.end());
    if (inv.info.event.empty()) {
        std::cerr << "hookwarden: dispatch: no event name (neither hook_event_name in the input nor --event)\n";
        // A configuration error blocks (exit 2), except where blocking again would keep
        // an agent that is already continuing because of a Stop hook from ever stopping.
        if (inv.info.agent == Agent::claude) return inv.info.stop_hook_active ? 0 : 2;
        return no_event_answer(inv);
    }
    std::vector<const policy::HookEntry*> hooks = matching_hooks(inv, options.policy_path);
    if (options.on_matched) options.on_matched(inv, hooks);
    Dispatcher dispatcher(inv, options, std::move(hooks));
    dispatcher.run();  // after a signal while stdin was read: answers every hook by its policy

    std::vector<std::string> warnings;
    agents::Answer merged = agents::merge(inv.info.agent, inv.info.event, dispatcher.answers(), warnings);
    for (const auto& warning : warnings) spdlog::warn("dispatch: {}", warning);
    if (!options.record_path.empty()) {
        std::string error =
            fs::write_file_atomic(options.record_path, dump(nlohmann::json(dispatcher.records())) + "\n", 0600);
        if (!error.empty()) spdlog::error("--record: {}", error);
    }
    fs::write_all(1, merged.stdout_data);
    fs::write_all(2, merged.stderr_data);
    return dispatcher.stopped() ? 128 + SIGTERM : merged.exit_code;
}

}  // namespace

int dispatch(const DispatchOptions& options) {
    const int exit_code = dispatch_and_answer(options);
    if (options.answered) options.answered(exit_code);
    return exit_code;
}

}  // namespace hookwarden::core
