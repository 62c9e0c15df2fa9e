// The tidecast binary: everything lives in the library; see app/cli.cpp.
#include "app/cli.hpp"

int main(int argc, char** argv) { return tidecast::app::run_cli(argc, argv); }
