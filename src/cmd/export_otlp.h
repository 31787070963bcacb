// `hookwarden export otlp`: a one-shot OTLP/HTTP export of the records.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "hookwarden/exit_code.h"

namespace hookwarden::cmd {

struct OtlpOptions {
    std::string endpoint;              // http://HOST:PORT[/PATH]
    std::string since;                 // "" = every record
    std::vector<std::string> headers;  // NAME=VALUE
    std::int64_t timeout_ms = 5000;    // per request
};

// Exit 0 sent, 1 the collector refused or could not be reached (what was sent before
// stays sent), 2 usage or store error.
ExitCode export_otlp_command(const OtlpOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hookwarden::cmd
