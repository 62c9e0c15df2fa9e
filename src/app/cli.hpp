#pragma once
// Command-line front end: flags over the config, the server, and the
// maintenance subcommands for headless machines (`tidecast channel add NAME`).
namespace tidecast::app {

int run_cli(int argc, char** argv);

}  // namespace tidecast::app
