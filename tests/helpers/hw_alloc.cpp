// Test hook: allocates and touches MB megabytes, holds them HOLD_MS, exits 0.
// Usage: hw_alloc MB [HOLD_MS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 2) return 64;
    long mb = std::atol(argv[1]);
    long hold_ms = argc > 2 ? std::atol(argv[2]) : 100;
    std::vector<char*> blocks;
    for (long i = 0; i < mb; ++i) {
        char* block = static_cast<char*>(std::malloc(1 << 20));
        if (!block) {
            std::fprintf(stderr, "allocation failed after %ld MB\n", i);
            return 1;
        }
        std::memset(block, static_cast<int>(i), 1 << 20);  // touch every page
        blocks.push_back(block);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    std::printf("allocated %ld MB\n", mb);
    return 0;
}
