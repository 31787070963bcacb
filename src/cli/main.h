#pragma once

namespace hookwarden::cli {

// Parses the command line and runs one command. Usage errors exit 2.
int main(int argc, char** argv);

}  // namespace hookwarden::cli
