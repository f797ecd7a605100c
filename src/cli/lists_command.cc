// panorama lists: the named allow/deny lists of a data directory (DIR/meta/lists.db), which
// rules test with `field in @name`. A running server picks changes up within a second.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/time.h"
#include "decide/lists.h"

namespace panorama::cli {
namespace {

struct ListsArgs {
  std::string data_dir, name, kind = "deny", type, description, file, after;
  std::vector<std::string> values;
  size_t limit = 100;
  bool json = false;
};

int Fail(std::string_view command, const Status& status) {
  std::cerr << "panorama lists " << command << ": " << status.ToString() << "\n";
  return 1;
}

Result<std::unique_ptr<decide::ListStore>> OpenStore(const std::string& data_dir) {
  return decide::ListStore::Open(decide::ListStorePath(data_dir));
}

// The values of the command line and of --file (one per line; blank lines and lines starting
// with '#' are skipped).
Result<std::vector<std::string>> Values(const ListsArgs& args) {
  std::vector<std::string> values = args.values;
  if (!args.file.empty()) {
    std::ifstream in(args.file);
    if (!in) return Status::IOError("cannot read " + args.file);
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      values.push_back(line);
    }
  }
  if (values.empty()) return Status::InvalidArgument("no values given");
  return values;
}

int RunShow(const ListsArgs& args) {
  auto store = OpenStore(args.data_dir);
  if (!store.ok()) return Fail("show", store.status());
  if (args.name.empty()) {
    auto lists = (*store)->Lists();
    if (!lists.ok()) return Fail("show", lists.status());
    if (args.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& l : *lists) {
        out.push_back({{"name", l.name},
                       {"kind", decide::ListKindName(l.kind)},
                       {"type", decide::ListTypeName(l.type)},
                       {"description", l.description},
                       {"size", l.size},
                       {"updated_at", FormatIso8601(l.updated_at)}});
      }
      std::cout << out.dump() << "\n";
      return 0;
    }
    std::cout << fmt::format("{:<28} {:<6} {:<9} {:>9}  {}\n", "list", "kind", "type", "values",
                             "updated");
    for (const auto& l : *lists) {
      std::cout << fmt::format("{:<28} {:<6} {:<9} {:>9}  {}\n", l.name,
                               decide::ListKindName(l.kind), decide::ListTypeName(l.type), l.size,
                               FormatIso8601(l.updated_at));
    }
    return 0;
  }
  auto values = (*store)->Values(args.name, args.after, args.limit);
  if (!values.ok()) return Fail("show", values.status());
  if (args.json) {
    std::cout << nlohmann::json(*values).dump() << "\n";
    return 0;
  }
  for (const auto& v : *values) std::cout << v << "\n";
  return 0;
}

int RunCreate(const ListsArgs& args) {
  decide::ListInfo info;
  info.name = args.name;
  if (!decide::ParseListKind(args.kind, &info.kind)) {
    return Fail("create", Status::InvalidArgument("--kind must be allow or deny"));
  }
  if (!decide::ParseListType(args.type, &info.type)) {
    return Fail("create", Status::InvalidArgument(
                              "--type must be customer, account, card, merchant, device, ip or "
                              "country"));
  }
  info.description = args.description;
  auto store = OpenStore(args.data_dir);
  if (!store.ok()) return Fail("create", store.status());
  Status status = (*store)->Create(info);
  if (!status.ok()) return Fail("create", status);
  std::cout << fmt::format("list {} ({} {}) ready\n", info.name, args.kind, args.type);
  return 0;
}

int RunChange(const ListsArgs& args, bool add) {
  const char* command = add ? "add" : "remove";
  auto values = Values(args);
  if (!values.ok()) return Fail(command, values.status());
  auto store = OpenStore(args.data_dir);
  if (!store.ok()) return Fail(command, store.status());
  uint64_t changed = 0;
  Status status = add ? (*store)->Add(args.name, *values, &changed)
                      : (*store)->Remove(args.name, *values, &changed);
  if (!status.ok()) return Fail(command, status);
  std::cout << fmt::format("{} {} of {} values {} list {}\n", add ? "added" : "removed", changed,
                           values->size(), add ? "to" : "from", args.name);
  return 0;
}

int RunDrop(const ListsArgs& args) {
  auto store = OpenStore(args.data_dir);
  if (!store.ok()) return Fail("drop", store.status());
  Status status = (*store)->Drop(args.name);
  if (!status.ok()) return Fail("drop", status);
  std::cout << "dropped list " << args.name << "\n";
  return 0;
}

}  // namespace

void RegisterLists(CLI::App& app, int& exit_code) {
  auto* lists = app.add_subcommand("lists", "Manage the named allow and deny lists rules use");
  lists->require_subcommand(1);
  auto args = std::make_shared<ListsArgs>();
  auto data = [&](CLI::App* cmd) {
    cmd->add_option("--data", args->data_dir, "Data directory")->required();
  };

  auto* show = lists->add_subcommand("show", "All lists, or the values of one");
  data(show);
  show->add_option("name", args->name, "List name (omit for all lists)");
  show->add_option("--after", args->after, "Values after this one (paging)");
  show->add_option("--limit", args->limit, "At most this many values")->capture_default_str();
  show->add_flag("--json", args->json, "JSON output");
  show->callback([args, &exit_code] { exit_code = RunShow(*args); });

  auto* create = lists->add_subcommand("create", "Create a list");
  data(create);
  create->add_option("name", args->name, "List name ([a-z0-9_]{1,64})")->required();
  create->add_option("--kind", args->kind, "allow or deny")->capture_default_str();
  create
      ->add_option("--type", args->type, "customer, account, card, merchant, device, ip or country")
      ->required();
  create->add_option("--description", args->description, "What the list is for");
  create->callback([args, &exit_code] { exit_code = RunCreate(*args); });

  for (bool add : {true, false}) {
    auto* change = lists->add_subcommand(
        add ? "add" : "remove", add ? "Add values to a list" : "Remove values from a list");
    data(change);
    change->add_option("name", args->name, "List name")->required();
    change->add_option("values", args->values, "Values");
    change->add_option("--file", args->file, "A file of values, one per line");
    change->callback([args, add, &exit_code] { exit_code = RunChange(*args, add); });
  }

  auto* drop = lists->add_subcommand("drop", "Delete a list and its values");
  data(drop);
  drop->add_option("name", args->name, "List name")->required();
  drop->callback([args, &exit_code] { exit_code = RunDrop(*args); });
}

}  // namespace panorama::cli
