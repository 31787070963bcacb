// Test hook: forks sleeping children until fork fails or CAP is reached, prints how
// many forks succeeded, and exits 0 (the children keep sleeping: leftovers).
// Usage: hw_forkbomb TOKEN [CAP]   (TOKEN marks the processes for the survivor check)
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

int main(int argc, char** argv) {
    long cap = argc > 2 ? std::atol(argv[2]) : 2000;
    long forked = 0;
    for (; forked < cap; ++forked) {
        pid_t pid = fork();
        if (pid < 0) break;
        if (pid == 0) {
            sleep(60);
            _exit(0);
        }
    }
    std::printf("%ld\n", forked);
    return 0;
}
