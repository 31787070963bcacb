// `hookwarden export prometheus`: the records as node_exporter textfile metrics.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/records.h"
#include "report/render.h"

namespace hookwarden::cmd {

namespace {

class ExportCommand final : public ToolCommand {
public:
    void declare(CLI::App& app) override {
        auto* export_cmd = app.add_subcommand("export", "export metrics");
        export_cmd->require_subcommand(1);
        prometheus_ = export_cmd->add_subcommand("prometheus", "node_exporter textfile-collector format");
        prometheus_->add_option("-o,--output", output_, "write to FILE (atomically) instead of stdout");
    }
    bool chosen() const override { return parsed(prometheus_); }

protected:
    ExitCode run(const Invocation&) override {
        auto loaded = load_records("", 0, "", "", std::cerr);
        if (!loaded.ok) return ExitCode::usage;
        const auto rep = report::build(loaded.records);
        return emit(output_, report::render_prometheus(rep, loaded.records), std::cout, std::cerr) ? ExitCode::ok
                                                                                                  : ExitCode::usage;
    }

private:
    CLI::App* prometheus_ = nullptr;
    std::string output_;
};

}  // namespace

std::unique_ptr<Command> make_export() { return std::make_unique<ExportCommand>(); }

}  // namespace hookwarden::cmd
