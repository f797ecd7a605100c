// panorama: the command-line entry point. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

// Only programmer errors (a CLI11 ConstructionError) and std::bad_alloc can escape;
// terminating on those is intended.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app{"Panorama: a real-time big-data engine for finance"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "panorama 0.1.0");
  int exit_code = 0;
  panorama::cli::RegisterIngest(app, exit_code);
  panorama::cli::RegisterStats(app, exit_code);
  panorama::cli::RegisterVerify(app, exit_code);
  panorama::cli::RegisterSchema(app, exit_code);
  panorama::cli::RegisterGenerate(app, exit_code);
  panorama::cli::RegisterFeatures(app, exit_code);
  panorama::cli::RegisterTrain(app, exit_code);
  panorama::cli::RegisterBacktest(app, exit_code);
  panorama::cli::RegisterLists(app, exit_code);
  panorama::cli::RegisterAlerts(app, exit_code);
  panorama::cli::RegisterServe(app, exit_code);
  panorama::cli::RegisterReplay(app, exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
