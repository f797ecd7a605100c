// Positions in a source file (a spec, a rule set, a mapping) and the error messages that
// point at them: "file:line:column: reason".
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace panorama {

// 1-based; line 0 when the position is unknown.
struct SourcePosition {
  int line = 0;
  int column = 0;
};

// The position of a parser's 0-based mark: anything with is_null(), line and column (such as
// yaml-cpp's YAML::Mark, which core does not depend on).
template <typename Mark>
SourcePosition PositionOf(const Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

// InvalidArgument "file:line:column: reason", or "file: reason" when the position is unknown.
inline Status ErrorAt(std::string_view file, SourcePosition at, std::string_view reason) {
  std::string message(file);
  if (at.line > 0) message += ':' + std::to_string(at.line) + ':' + std::to_string(at.column);
  message += ": ";
  message += reason;
  return Status::InvalidArgument(std::move(message));
}

}  // namespace panorama
