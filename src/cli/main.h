#pragma once

#include <chrono>

namespace hookwarden::cli {

// Parses the command line and runs one command. Usage errors exit 2.
int main(int argc, char** argv);
// The same, with the process's start given: a daemon's worker runs a client's command
// line measured from the client's start.
int main_at(int argc, char** argv, std::chrono::steady_clock::time_point process_start);

// Parses the command line as main does and runs nothing (the CLI fuzz target): the exit
// status of help, version or a usage error, or -1 when it parsed.
int parse_arguments(int argc, char** argv);

}  // namespace hookwarden::cli
