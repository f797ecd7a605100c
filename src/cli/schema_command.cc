// panorama schema: prints the canonical schema (the tables of docs/schema.md).
#include <fmt/format.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/schema.h"

namespace panorama::cli {
namespace {

std::string_view TypeName(FieldType type) {
  switch (type) {
    case FieldType::kId:
      return "id";
    case FieldType::kText:
      return "text";
    case FieldType::kTimestamp:
      return "timestamp";
    case FieldType::kAmount:
      return "amount";
    case FieldType::kCurrency:
      return "currency";
    case FieldType::kEnum:
      return "enum";
    case FieldType::kInt:
      return "integer";
    case FieldType::kReal:
      return "real";
    case FieldType::kBool:
      return "boolean";
    case FieldType::kCountry:
      return "country";
    case FieldType::kIp:
      return "ip";
  }
  return "?";
}

std::string Rule(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::kId:
      return fmt::format("≤ {} bytes, no spaces", f.max_bytes);
    case FieldType::kText:
      return fmt::format("UTF-8, ≤ {} bytes", f.max_bytes);
    case FieldType::kInt:
      return fmt::format("{} .. {}", f.min, f.max);
    case FieldType::kReal:
      return fmt::format("{} .. {}", f.real_min, f.real_max);
    case FieldType::kEnum: {
      std::string out;
      for (auto v : f.values) out += (out.empty() ? "" : ", ") + std::string(v);
      return out;
    }
    case FieldType::kAmount:
      return "decimal ≥ 0, at most the currency's decimals";
    case FieldType::kCurrency:
      return "ISO 4217 code";
    case FieldType::kCountry:
      return "ISO 3166-1 alpha-2";
    case FieldType::kTimestamp:
      return "ISO 8601 with Z or an offset";
    case FieldType::kBool:
      return "true/false, 1/0, yes/no";
    case FieldType::kIp:
      return "IPv4 or IPv6";
  }
  return "";
}

void PrintSchemaMarkdown(std::ostream& out) {
  std::vector<EventKind> kinds(kAllEventKinds.begin(), kAllEventKinds.end());
  kinds.push_back(EventKind::kDecision);
  for (EventKind kind : kinds) {
    const EventSchema& schema = SchemaFor(kind);
    if (kind == EventKind::kDecision) {
      out << "### decision (written by the engine, never ingested)\n\n";
    } else {
      out << fmt::format("### {} (`--kind {}`)\n\n", schema.name, schema.plural);
    }
    out << fmt::format("Idempotency key: `{}`{}.\n\n", schema.fields[0].name,
                       schema.key_includes_ts ? " + `ts`" : "");
    out << "| # | field | type | required | values | meaning |\n";
    out << "|---|---|---|---|---|---|\n";
    for (int i = 0; i < schema.field_count(); ++i) {
      const FieldSpec& f = schema.fields[static_cast<size_t>(i)];
      out << fmt::format("| {} | `{}` | {} | {} | {} | {}{} |\n", i, f.name, TypeName(f.type),
                         f.required ? "yes" : "", Rule(f), f.doc, f.pii ? " **PII**" : "");
    }
    out << "\n";
  }
}

}  // namespace

void RegisterSchema(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("schema", "Print the canonical schema as Markdown tables");
  cmd->callback([&exit_code] {
    PrintSchemaMarkdown(std::cout);
    exit_code = 0;
  });
}

}  // namespace panorama::cli
