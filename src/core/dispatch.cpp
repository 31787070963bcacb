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

#include "core/run.h"
#include "core/supervisor.h"
#include "util/fs.h"

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

struct Child {
    std::size_t index;
    pid_t pid;
    int fd;
    std::string data;
};

}  // namespace

int dispatch(const DispatchOptions& options) {
    prepare_process();
    Invocation inv = begin_invocation(options.policy_path, options.event, options.process_start);
    const std::string& event = inv.info.event;
    if (event.empty()) {
        std::cerr << "hookwarden: dispatch: no event name (neither hook_event_name in the input nor --event)\n";
        return 2;
    }
    std::vector<const policy::HookEntry*> hooks;
    if (inv.policy) {
        for (const auto* hook : policy::hooks_for_event(*inv.policy, event))
            if (!protocol::matcher_applies(event) || protocol::matcher_matches(hook->matcher, inv.info.matcher_target))
                hooks.push_back(hook);
    }
    if (!inv.policy && !policy::discover(options.policy_path))
        std::cerr << "hookwarden: dispatch: no policy found ($HOOKWARDEN_POLICY, "
                     "$CLAUDE_PROJECT_DIR/.hookwarden/policy.json, .hookwarden/policy.json in the working "
                     "directory or above, ~/.config/hookwarden/policy.json); no hook runs\n";
    spdlog::debug("dispatch {} '{}': {} matching hook(s)", event, inv.info.matcher_target, hooks.size());

    std::vector<protocol::HookAnswer> answers(hooks.size());
    std::vector<nlohmann::json> records(hooks.size());
    std::map<int, Child> running;
    std::size_t next = 0;
    sigset_t signals = handled_signals();
    int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    const pid_t dispatcher = ::getpid();
    bool stopping = false;

    // A hook whose supervisor could not start or died: its degradation policy answers.
    auto supervisor_failed = [&](const policy::HookEntry& hook, const std::string& detail) {
        const auto on_failure = policy::resolve(&*inv.policy, hook.name, event, {}).on_failure;
        return protocol::HookAnswer{hook.name, Outcome::internal_error,
                                    protocol::degrade(on_failure, event, hook.name, Outcome::internal_error, detail,
                                                      inv.info.stop_hook_active)};
    };

    auto start_next = [&] {
        const std::size_t index = next++;
        const policy::HookEntry* hook = hooks[index];
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) return false;
        pid_t pid = ::fork();
        if (pid < 0) {
            ::close(fds[0]);
            ::close(fds[1]);
            return false;
        }
        if (pid == 0) {
            // One supervisor per hook: its own subreaper, sandbox and guardian. If the
            // dispatcher dies, SIGTERM makes it take its hook down.
            ::close(fds[0]);
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != dispatcher) ::_exit(1);
            policy::Resolved resolved = policy::resolve(&*inv.policy, hook->name, event, {});
            HookResult result = execute(inv, hook->name, hook->command, resolved, options.backend, options.record_path.empty());
            std::string buffer;
            put(buffer, std::to_string(static_cast<int>(result.record.outcome)));
            put(buffer, std::to_string(result.answer.exit_code));
            put(buffer, result.answer.stdout_data);
            put(buffer, result.answer.stderr_data);
            put(buffer, dump(nlohmann::json(result.record)));
            fs::write_all(fds[1], buffer);
            ::_exit(0);
        }
        ::close(fds[1]);
        running[fds[0]] = Child{index, pid, fds[0], {}};
        return true;
    };

    while (next < hooks.size() || !running.empty()) {
        while (!stopping && next < hooks.size() && static_cast<int>(running.size()) < std::max(1, options.jobs)) {
            std::size_t index = next;
            if (!start_next()) {
                answers[index] = supervisor_failed(*hooks[index], std::string("fork: ") + std::strerror(errno));
            }
        }
        if (stopping) next = hooks.size();
        std::vector<pollfd> fds;
        fds.push_back({signal_fd, POLLIN, 0});
        for (const auto& [fd, child] : running) fds.push_back({fd, POLLIN, 0});
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
        for (const auto& p : fds) {
            if (p.revents == 0) continue;
            if (p.fd == signal_fd) {
                signalfd_siginfo info{};
                while (::read(signal_fd, &info, sizeof info) == sizeof info) {
                    if (info.ssi_signo == SIGCHLD || stopping) continue;
                    stopping = true;  // the agent gave up: every supervisor takes its hook down
                    for (const auto& [fd, child] : running) ::kill(child.pid, SIGTERM);
                }
                continue;
            }
            Child& child = running.at(p.fd);
            char buffer[65536];
            ssize_t n = ::read(p.fd, buffer, sizeof buffer);
            if (n > 0) {
                child.data.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            ::close(p.fd);
            ::waitpid(child.pid, nullptr, 0);
            const auto* hook = hooks[child.index];
            std::string outcome, exit_code, out, err, record;
            std::size_t pos = 0;
            if (take(child.data, pos, outcome) && take(child.data, pos, exit_code) && take(child.data, pos, out) &&
                take(child.data, pos, err) && take(child.data, pos, record)) {
                answers[child.index] = {hook->name, static_cast<Outcome>(std::stoi(outcome)),
                                        {std::stoi(exit_code), std::move(out), std::move(err)}};
                records[child.index] = nlohmann::json::parse(record, nullptr, false);
            } else {
                answers[child.index] = supervisor_failed(*hook, "its supervisor died");
            }
            running.erase(p.fd);
            break;  // the map changed under the loop
        }
    }
    ::close(signal_fd);
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }

    std::vector<std::string> warnings;
    protocol::Answer merged = protocol::merge(event, answers, warnings);
    for (const auto& warning : warnings) spdlog::warn("dispatch: {}", warning);
    if (!options.record_path.empty()) {
        std::string error = fs::write_file_atomic(options.record_path, dump(nlohmann::json(records)) + "\n");
        if (!error.empty()) spdlog::error("--record: {}", error);
    }
    fs::write_all(1, merged.stdout_data);
    fs::write_all(2, merged.stderr_data);
    if (stopping) return 128 + SIGTERM;
    return merged.exit_code;
}

}  // namespace hookwarden::core
