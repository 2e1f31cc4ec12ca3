// sanctwatch: thin entry point; everything lives in the module libraries.
#include "cli/command.hpp"

int main(int argc, char** argv) { return sanctwatch::cli::main(argc, argv); }
