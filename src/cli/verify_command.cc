// panorama verify: re-read every log segment and check the id index against the log.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "log/transaction_log.h"
#include "state/event_store.h"

namespace panorama::cli {
namespace {

struct VerifyArgs {
  std::string data_dir;
  bool json = false;
};

int RunVerify(const VerifyArgs& args) {
  auto log = VerifyLog(LogDir(args.data_dir));
  if (!log.ok()) {
    std::cerr << "panorama verify: " << log.status().ToString() << "\n";
    return 1;
  }
  std::vector<std::string> faults;
  for (const LogFault& f : log->faults) {
    faults.push_back(fmt::format("log {} offset {} (expected seq {}): {}", f.segment, f.offset,
                                 f.seq, f.reason));
  }
  auto index = InspectIndex(args.data_dir);
  if (!index.ok()) {
    faults.push_back("id index: " + index.status().ToString());
  } else if (index->exists) {
    if (index->applied_seq > log->last_seq) {
      faults.push_back(fmt::format("id index reflects seq {} but the log ends at {}",
                                   index->applied_seq, log->last_seq));
    }
    if (index->keys != index->applied_seq) {
      faults.push_back(fmt::format(
          "id index holds {} distinct keys for {} log records: a duplicate or a damaged index",
          index->keys, index->applied_seq));
    }
  }
  if (args.json) {
    nlohmann::json out = {{"ok", faults.empty()},
                          {"segments", log->segments},
                          {"records", log->records},
                          {"bytes", log->bytes},
                          {"first_seq", log->first_seq},
                          {"last_seq", log->last_seq},
                          {"index_applied_seq", index.ok() ? index->applied_seq : 0},
                          {"faults", faults}};
    std::cout << out.dump() << "\n";
  } else {
    std::cout << fmt::format("log: {} segments, {} records, {} bytes, sequence {}..{}\n",
                             log->segments, log->records, log->bytes, log->first_seq,
                             log->last_seq);
    if (index.ok() && index->exists) {
      std::cout << fmt::format("id index: {} keys, reflects the log up to seq {}\n", index->keys,
                               index->applied_seq);
    }
    for (const auto& f : faults) std::cout << "FAULT: " << f << "\n";
    std::cout << (faults.empty() ? "verify: OK\n"
                                 : fmt::format("verify: {} fault(s)\n", faults.size()));
  }
  return faults.empty() ? 0 : 1;
}

}  // namespace

void RegisterVerify(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify", "Re-read every log segment, check checksums, sequence and the id index");
  cmd->add_option("--data", args->data_dir, "data directory")->required();
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->callback([args, &exit_code] { exit_code = RunVerify(*args); });
}

}  // namespace panorama::cli
