// Helpers for tests that drive the `panorama` binary as a user would.
#pragma once

#include <string>
#include <vector>

namespace panorama::testing {

// The CLI built beside the tests.
std::string PanoramaBinary();

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs the CLI with `args` and waits for it; captures stdout and stderr.
CommandResult RunPanorama(const std::vector<std::string>& args);

// Starts the CLI with `args` (output discarded) and returns its pid.
int StartPanorama(const std::vector<std::string>& args);

// A fresh empty directory under the test temp dir, removed by the caller if wanted.
std::string MakeTempDir(const std::string& prefix);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& content);

}  // namespace panorama::testing
