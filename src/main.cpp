#include "cli/main.h"

int main(int argc, char** argv) { return hookwarden::cli::main(argc, argv); }
