// `hookwarden export otlp --endpoint URL [--since D] [--header K=V]`: the records as OTLP/JSON
// spans and metrics, POSTed once to a collector (docs/observability.md "OpenTelemetry").
#include "cmd/export_otlp.h"

#include <cstdint>
#include <iostream>

#include <sys/stat.h>

#include "report/since.h"
#include "store/store.h"
#include "telemetry/exporter.h"
#include "telemetry/http_post.h"
#include "util/fs.h"

namespace hookwarden::cmd {

namespace {

// "Name=Value" (as OTEL_EXPORTER_OTLP_HEADERS writes them).
bool parse_headers(const std::vector<std::string>& given, std::map<std::string, std::string>& out, std::ostream& err) {
    for (const auto& h : given) {
        const std::size_t eq = h.find('=');
        if (eq == 0 || eq == std::string::npos || h.find_first_of("\r\n") != std::string::npos) {
            err << "hookwarden: export otlp: --header '" << h << "': expected NAME=VALUE\n";
            return false;
        }
        out[h.substr(0, eq)] = h.substr(eq + 1);
    }
    return true;
}

}  // namespace

ExitCode export_otlp_command(const OtlpOptions& options, std::ostream& out, std::ostream& err) {
    OtlpConfig config;
    config.endpoint = options.endpoint;
    config.timeout_ms = options.timeout_ms;
    if (!parse_headers(options.headers, config.headers, err)) return ExitCode::usage;
    telemetry::Endpoint endpoint;
    if (std::string e = telemetry::parse_endpoint(config.endpoint, endpoint); !e.empty()) {
        err << "hookwarden: export otlp: --endpoint: " << e << "\n";
        return ExitCode::usage;
    }
    std::string error;
    auto since_ms = report::parse_since(options.since, fs::now_unix_ms(), error);
    if (!since_ms) {
        err << "hookwarden: export otlp: " << error << "\n";
        return ExitCode::usage;
    }
    const std::string dir = store::default_state_dir();
    std::vector<telemetry::IdentifiedRun> runs;
    struct stat st {};
    if (::stat((dir + "/" + store::kDatabaseName).c_str(), &st) == 0) {  // never create a store to read it
        auto s = store::Store::open(dir, error);
        if (!s) {
            err << "hookwarden: export otlp: " << error << "\n";
            return ExitCode::usage;
        }
        // Every record (a limit of SIZE_MAX reaches SQLite as -1: no limit), then --since.
        for (auto& run : s->records_after(0, SIZE_MAX, &error))
            if (run.second.time_unix_ms >= *since_ms) runs.push_back(std::move(run));
        if (!error.empty()) {
            err << "hookwarden: export otlp: " << error << "\n";
            return ExitCode::usage;
        }
    }
    telemetry::Sent sent = telemetry::send_runs(config, runs);
    out << "exported " << sent.runs << " of " << runs.size() << " runs to " << config.endpoint << "\n";
    if (!sent.error.empty()) {
        err << "hookwarden: export otlp: " << sent.error << "\n";
        return ExitCode::violation;
    }
    return ExitCode::ok;
}

}  // namespace hookwarden::cmd
