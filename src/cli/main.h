#pragma once

namespace hookwarden::cli {

// Parses the command line and runs one command. Usage errors exit 2.
int main(int argc, char** argv);

// Parses the command line as main does and runs nothing (the CLI fuzz target): the exit
// status of help, version or a usage error, or -1 when it parsed.
int parse_arguments(int argc, char** argv);

}  // namespace hookwarden::cli
