// Test hook: builds process trees that try to escape or outlive their supervisor.
// Usage: hw_tree MODE TOKEN
//   sleepers       main + 3 children, all sleeping 60 s
//   setsid-term    main and a setsid()ed grandchild (double fork), both ignoring SIGTERM
//   daemon         a double-forked setsid()ed grandchild keeps stdout open and sleeps;
//                  main prints "hello" and exits 0 at once
// TOKEN is only carried in argv so tests can find survivors by their command line.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>

static void sleep_forever() {
    for (int i = 0; i < 600; ++i) sleep(1);  // bounded: 10 minutes at most
    _exit(0);
}

int main(int argc, char** argv) {
    if (argc < 3) return 64;
    const char* mode = argv[1];
    if (std::strcmp(mode, "sleepers") == 0) {
        for (int i = 0; i < 3; ++i)
            if (fork() == 0) sleep_forever();
        sleep_forever();
    }
    if (std::strcmp(mode, "setsid-term") == 0) {
        std::signal(SIGTERM, SIG_IGN);
        if (fork() == 0) {
            setsid();
            if (fork() == 0) sleep_forever();
            _exit(0);
        }
        std::printf("ready\n");
        std::fflush(stdout);
        sleep_forever();
    }
    if (std::strcmp(mode, "daemon") == 0) {
        if (fork() == 0) {
            setsid();
            if (fork() == 0) sleep_forever();  // inherits stdout and never closes it
            _exit(0);
        }
        std::printf("hello\n");
        return 0;
    }
    return 64;
}
