// `hookwarden prune [--policy F]`: applies the policy's history now (docs/records.md
// "History"): detailed runs past it rolled up into hourly aggregates, hours into days, days
// past the history dropped. The guardian does the same in bounded rounds after runs; this
// is for a cron job, or to see what it does.
#include <iostream>

#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include "cmd/command.h"
#include "cmd/records.h"
#include "store/store.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

class PruneCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        sub_ = app.add_subcommand("prune", "roll up and prune the records by the policy's history now");
        sub_->add_option("--policy", policy_path_, "policy whose `history` applies (default: discovered)");
    }

protected:
    ExitCode run(const Invocation&) override {
        const LoadedPolicy pol = load_policy(policy_path_);
        for (const auto& e : pol.errors) std::cerr << "  " << e << "\n";
        if (!pol.errors.empty()) {
            std::cerr << "hookwarden: prune: the policy '" << pol.path << "' is not usable; nothing pruned\n";
            return ExitCode::usage;
        }
        const std::string dir = store::default_state_dir();
        struct stat st {};
        if (::stat((dir + "/" + store::kDatabaseName).c_str(), &st) != 0) {
            std::cout << "no store in " << dir << ": nothing to prune\n";
            return ExitCode::ok;
        }
        store::OpenOptions options;
        options.retention = store::retention_of(pol.policy ? pol.policy->history : HistoryConfig{});
        std::string error;
        auto s = store::Store::open(dir, error, options);
        if (s) error += s->prune(fs::now_unix_ms());
        if (!error.empty()) {
            std::cerr << "hookwarden: prune: " << error << "\n";
            return ExitCode::usage;
        }
        std::cout << s->record_count() << " detailed records and " << s->aggregates().size()
                  << " aggregate rows kept in " << s->path() << "\n";
        return ExitCode::ok;
    }

private:
    std::string policy_path_;
};

}  // namespace

std::unique_ptr<Command> make_prune() { return std::make_unique<PruneCommand>(); }

}  // namespace hookwarden::cmd
