// Expression: a compiled filter or derived-feature expression (grammar in docs/features.md).
//
// Values are doubles; a missing value is NaN. Comparisons and `and`/`or`/`not` follow SQL's
// three-valued logic: a comparison with a missing operand is missing, `false and missing` is
// false, `true or missing` is true. A filter passes only when its value is true (non-zero,
// not missing). Arithmetic with a missing operand, and division by zero, is missing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"

namespace panorama::features {

class Expression {
 public:
  enum class Mode : uint8_t {
    kFilter,   // over the current event's fields only
    kDerived,  // also over earlier features (by name)
  };
  // Resolves a feature name to its index in the feature vector, or -1.
  using FeatureResolver = int (*)(const void* context, std::string_view name);

  // Compiles `text`. An error message starts with the 1-based column of the problem
  // within `text` as "col N: ", so that the caller can point into its file.
  static Result<std::shared_ptr<const Expression>> Compile(std::string_view text, Mode mode,
                                                           FeatureResolver resolver = nullptr,
                                                           const void* context = nullptr);

  // Categorical hashes of the event's fields that the caller has already computed, so that
  // comparisons with text constants need not hash again: a field f with slot[f] >= 0 has the
  // hash hashes[slot[f]] when bit slot[f] of `present` is set and is absent otherwise; fields
  // with slot[f] < 0 are hashed by Evaluate. The hashes must be CategoricalHash's.
  struct EventHashes {
    const int* slot = nullptr;  // indexed by field, up to and including kHourField
    const uint64_t* hashes = nullptr;
    uint64_t present = 0;
  };

  // Evaluates over `event` and, for derived expressions, `features` (the vector being built);
  // `hashes`, when given, supplies field hashes (see EventHashes).
  double Evaluate(const Event& event, const double* features,
                  const EventHashes* hashes = nullptr) const;
  bool Passes(const Event& event, const EventHashes* hashes = nullptr) const {
    double value = Evaluate(event, nullptr, hashes);
    return value == value && value != 0;
  }
  // The features a derived expression reads.
  const std::vector<int>& feature_refs() const { return feature_refs_; }
  // The fields the expression compares with text constants (each once).
  std::vector<int> categorical_fields() const;

  // A test of one categorical field against text constants: `f == a`, `f in (a, b)`,
  // `f == a or f == b`, or the negation of one of those (`f != a`, `not f in (a, b)`). It
  // passes when the field is present and its hash is among `hashes` (not among them, when
  // `negated`); an absent field makes it missing, so it never passes.
  struct ValueTest {
    int field = -1;
    std::vector<uint64_t> hashes;
    bool negated = false;
  };
  // The expression as a ValueTest, when it is one (then Passes() is the test's outcome).
  std::optional<ValueTest> AsValueTest() const;

  enum class OpCode : uint8_t {
    kConst,
    kField,    // numeric value of a transaction field (NaN when absent)
    kFeature,  // features[index]
    kStrEq,    // field's categorical hash == constant (NaN when the field is absent)
    kPresent,  // 1 when the field is present, else 0
    kNeg,
    kAdd,
    kSub,
    kMul,
    kDiv,
    kEq,
    kNe,
    kLt,
    kLe,
    kGt,
    kGe,
    kAnd,
    kOr,
    kNot,
    kAbs,
    kLog,
    kLog1p,
    kSqrt,
    kMin,
    kMax,
    kCoalesce,
  };
  struct Op {
    OpCode code;
    int index = 0;      // field or feature
    double value = 0;   // kConst
    uint64_t hash = 0;  // kStrEq
  };

 private:
  std::vector<Op> ops_;  // postfix
  std::vector<int> feature_refs_;
  size_t max_depth_ = 0;
};

}  // namespace panorama::features
