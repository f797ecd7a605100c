// The `panorama` subcommands. Each Register* adds one subcommand to the CLI11 app; the
// subcommand's callback runs the command and records its exit code in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace panorama::cli {

void RegisterIngest(CLI::App& app, int& exit_code);
void RegisterStats(CLI::App& app, int& exit_code);
void RegisterVerify(CLI::App& app, int& exit_code);
void RegisterSchema(CLI::App& app, int& exit_code);
void RegisterGenerate(CLI::App& app, int& exit_code);
void RegisterFeatures(CLI::App& app, int& exit_code);
void RegisterTrain(CLI::App& app, int& exit_code);
void RegisterBacktest(CLI::App& app, int& exit_code);
void RegisterLists(CLI::App& app, int& exit_code);
void RegisterAlerts(CLI::App& app, int& exit_code);
void RegisterServe(CLI::App& app, int& exit_code);
void RegisterReplay(CLI::App& app, int& exit_code);

}  // namespace panorama::cli
