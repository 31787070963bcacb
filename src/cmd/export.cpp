// `hookwarden export prometheus`: the records as node_exporter textfile metrics.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cmd/command.h"
#include "cmd/export_otlp.h"
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
        otlp_ = export_cmd->add_subcommand("otlp", "POST the records as OTLP/JSON spans and metrics to a collector");
        otlp_->add_option("--endpoint", otlp_options_.endpoint, "the collector, http://HOST:PORT[/PATH]")->required();
        otlp_->add_option("--since", otlp_options_.since, "only runs since: 24h, 7d, 30m, or an ISO date/time");
        otlp_->add_option("--header", otlp_options_.headers, "NAME=VALUE sent with each request (repeatable)");
        otlp_->add_option("--timeout-ms", otlp_options_.timeout_ms, "per request")->check(CLI::Range(1, 600000));
    }
    bool chosen() const override { return parsed(prometheus_) || parsed(otlp_); }

protected:
    ExitCode run(const Invocation&) override {
        if (parsed(otlp_)) return export_otlp_command(otlp_options_, std::cout, std::cerr);
        auto loaded = load_records("", 0, "", "", std::cerr);
        if (!loaded.ok) return ExitCode::usage;
        const auto rep = report::build(loaded.records);
        return emit(output_, report::render_prometheus(rep, loaded.records), std::cout, std::cerr) ? ExitCode::ok
                                                                                                  : ExitCode::usage;
    }

private:
    CLI::App* prometheus_ = nullptr;
    CLI::App* otlp_ = nullptr;
    OtlpOptions otlp_options_;
    std::string output_;
};

}  // namespace

std::unique_ptr<Command> make_export() { return std::make_unique<ExportCommand>(); }

}  // namespace hookwarden::cmd
