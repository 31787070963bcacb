// `hookwarden serve`: the resident supervisor (docs/serve.md). It runs each client's
// `hookwarden run` through this same command line in a worker of its own.
#include <algorithm>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include <spdlog/spdlog.h>

#include "cmd/command.h"
#include "process/ready.h"
#include "serve/daemon.h"
#include "serve/http_front.h"
#include "serve/socket_path.h"
#include "store/store.h"

namespace hookwarden::cmd {

namespace {

// "0" (never), or a number with ms, s, m or h.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
    if (text == "0") return std::chrono::milliseconds(0);
    std::size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    const std::string unit = text.substr(used);
    if (value < 0 || value > (1LL << 31)) return std::nullopt;
    if (unit == "ms") return std::chrono::milliseconds(value);
    if (unit == "s") return std::chrono::seconds(value);
    if (unit == "m") return std::chrono::minutes(value);
    if (unit == "h") return std::chrono::hours(value);
    return std::nullopt;
}

class ServeCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("serve", "the resident supervisor: run hooks handed over by `run` (docs/serve.md)");
        sub_->add_option("--socket", options_.socket_path,
                         "listen here (default $HOOKWARDEN_SOCKET, else $XDG_RUNTIME_DIR/hookwarden/serve.sock, "
                         "else STATE_DIR/serve.sock)");
        sub_->add_option("--idle-exit", idle_exit_, "exit after this long without a client: 0 (never), Nms, Ns, Nm, Nh")
            ->default_val("0");
        sub_->add_option("--max-runs", options_.max_runs, "runs at once; clients beyond it run in-process")
            ->check(CLI::Range(1, 4096));
        sub_->add_option("--pool", options_.pool,
                         "ready workers kept, each with its sandbox and guardian made ahead (0: fork one per run)")
            ->check(CLI::Range(0, 64));
        sub_->add_option("--http", http_,
                         "also answer Claude Code http hooks on HOST:PORT (loopback only; docs/serve.md)");
        sub_->add_flag("--http-any", http_any_, "let --http listen on an address that is not loopback");
    }

protected:
    ExitCode run(const Invocation& invocation) override {
        auto idle = parse_duration(idle_exit_);
        if (!idle) {
            std::cerr << "hookwarden: serve: --idle-exit: expected 0 or a number with ms, s, m or h, got '"
                      << idle_exit_ << "'\n";
            return ExitCode::usage;
        }
        options_.idle_exit = *idle;
        // Ready workers accept clients themselves: each is a run the daemon may not refuse.
        options_.pool = std::min(options_.pool, options_.max_runs);
        auto main_at = invocation.main_at;
        options_.body = [main_at](const std::vector<std::string>& argv, std::chrono::steady_clock::time_point start) {
            std::vector<std::string> words = argv;
            std::vector<char*> c_argv;
            for (auto& w : words) c_argv.push_back(w.data());
            c_argv.push_back(nullptr);
            return main_at(static_cast<int>(words.size()), c_argv.data(), start);
        };
        options_.ready.prepare = [] {
            std::string why;
            auto ready = process::ReadyRun::prepare(why);
            if (!ready) spdlog::info("serve: ready worker without a ready sandbox: {}", why);
            process::hold_ready(std::move(ready));
        };
        options_.ready.discard = [] { process::hold_ready(nullptr); };
        if (options_.socket_path.empty()) options_.socket_path = serve::default_socket_path();
        std::string error;
        if (!http_.empty() && !start_http(error)) {
            std::cerr << "hookwarden: serve: " << error << "\n";
            return ExitCode::usage;
        }
        const int status = serve::serve(options_, error);
        if (!error.empty()) std::cerr << "hookwarden: serve: " << error << "\n";
        return status == 0 ? ExitCode::ok : ExitCode::usage;
    }

private:
    // The HTTP front, a process of its own (serve/http_front.h), started before the
    // daemon's loop: a port that cannot be had stops `serve` with its reason.
    bool start_http(std::string& error) {
        if (options_.idle_exit.count() > 0) {
            error = "--http and --idle-exit: nothing starts the daemon again for an http hook, so an idle exit "
                    "would leave the hooks refused; use --idle-exit 0 with --http";
            return false;
        }
        auto listener = serve::listen_http(http_, http_any_, error);
        if (!listener) return false;
        serve::HttpOptions http;
        http.state_dir = store::default_state_dir();
        http.max_runs = options_.max_runs;
        http.body = options_.body;
        http.socket_path = options_.socket_path;
        // Tests shorten the slow-client bound (1-60000 ms); anything else keeps 5 s.
        if (const char* ms = std::getenv("HOOKWARDEN_HTTP_REQUEST_MS")) {
            const long value = std::strtol(ms, nullptr, 10);
            if (value >= 1 && value <= 60000) http.request_time = std::chrono::milliseconds(value);
        }
        return serve::start_http_front(std::move(*listener), http, error) > 0;
    }

    serve::DaemonOptions options_;
    std::string http_;
    bool http_any_ = false;
    std::string idle_exit_ = "0";
};

}  // namespace

std::unique_ptr<Command> make_serve() { return std::make_unique<ServeCommand>(); }

}  // namespace hookwarden::cmd
