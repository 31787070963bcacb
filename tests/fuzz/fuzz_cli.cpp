// The command line on arbitrary words: agents' settings files hold hookwarden's command
// lines, written by hand or by installers. Parsing never crashes (nothing is run: the
// words are parsed as main() would, see cli::parse_arguments).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cli/main.h"

namespace {

// CLI11 prints help and errors through std::cout and std::cerr; they go nowhere, while
// libFuzzer's and the sanitizers' own reports (written to fd 2) stay visible.
void silence_output() {
    static std::ofstream null("/dev/null");
    std::cout.rdbuf(null.rdbuf());
    std::cerr.rdbuf(null.rdbuf());
}

}  // namespace

// The input is the argument list, words separated by NUL bytes.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    silence_output();
    std::vector<std::string> words{"hookwarden"};
    std::string word;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            words.push_back(word);
            word.clear();
        } else {
            word += static_cast<char>(data[i]);
        }
    }
    if (!word.empty()) words.push_back(word);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    hookwarden::cli::parse_arguments(static_cast<int>(words.size()), argv.data());
    return 0;
}
