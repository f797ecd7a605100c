// The rule language's compiled form (docs/rules.md "The condition language").
//
// A condition is parsed into a small tree, type-checked, and compiled twice into flat code
// for a stack machine whose slots hold a number (booleans are 1, 0 or NaN for missing; enum
// values their index; a currency its packed code) or a string view:
//  - value code computes the condition's three-valued value (EvaluateCondition, tests);
//  - fire code only decides whether the condition is true, as forward jumps ("jumping code"):
//    `a and b` skips b as soon as a is known not to be true, since the rule cannot fire then.
// The fire code of every enabled rule is one program: each rule's code falls through to a
// kFire op when its condition is true and jumps past it otherwise.
//
// Invariants, checked by Verify() when a program is finished: every jump goes forward (so a
// run is bounded by the program's length); the stack depth at each op is the same on every
// path and never exceeds kMaxStack; the fire program's stack is empty at every kFire and at
// its end; each value program leaves one value at its kReturn. The evaluator relies on these
// and checks nothing at run time.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "decide/rules.h"
#include "features/feature_spec.h"

namespace panorama::decide::internal {

// Limits that keep hostile conditions cheap to compile and evaluate.
constexpr size_t kMaxConditionBytes = 4096;
constexpr size_t kMaxNesting = 64;  // parentheses, unary operators, function calls, tree height
constexpr size_t kMaxStack = 128;   // evaluation stack slots

enum class OpCode : uint8_t {
  // Loads (push one slot). `index` is the field, feature or string constant.
  kPushConst,      // number()
  kPushIntField,   // amount, mcc, ts, channel, type (enum index), currency (packed code)
  kPushRealField,  // lat, lon (degrees)
  kPushHour,       // hour of day of ts, 0-23 UTC
  kPushFeature,
  kPushModel,
  kPushStrField,
  kPushStrConst,
  // Fused load-and-compare with a constant: field or feature `index` (or the hour) against
  // number(), `flags` & kCmpMask the accepted orderings (kLess | kEqual | kGreater); a missing
  // operand gives missing, or false / true with kMissingFalse / kMissingTrue (the compiled
  // form of `coalesce(x, c) < k`, whose value is known when x is missing). Push a boolean.
  kCmpFeatureConst,
  kCmpIntFieldConst,
  kCmpRealFieldConst,
  kCmpHourConst,
  // Enum field `index` in the set of values whose bits are set in `k`; kNegate inverts.
  kEnumIn,
  // Numbers (pop as many as they read, push one).
  kNeg,
  kAbs,
  kLog,
  kLog1p,
  kSqrt,
  kRound,
  kHourOfDay,
  kDayOfWeek,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMin,
  kMax,
  kDistance,  // lat1 lon1 lat2 lon2
  kCmp,       // two numbers, `flags` & kCmpMask as for kCmpFeatureConst
  kNumInSet,  // number_sets[index], kNegate
  // Strings.
  kLower,       // marks the view as lower-cased (comparisons fold its ASCII letters)
  kStrEq,       // kNegate for !=
  kStartsWith,  // string, prefix
  kEndsWith,
  kContains,
  kStrInSet,  // string_sets[index], kNegate
  kInList,    // the snapshot's list `index`, kNegate
  // Missing values.
  kIsMissing,   // kNegate: present(); kString: the slot is a string
  kJumpIfKeep,  // jumps to `target`, keeping the top slot, when it is present
                // (kString: a string); else pops it (coalesce)
  // Booleans (three-valued).
  kNot,
  kAnd,
  kOr,
  kJumpIfFalseKeep,  // `a and ...`: jumps keeping the top when it is false
  kJumpIfTrueKeep,   // `a or ...`: jumps keeping the top when it is true
  // Branches of fire code. `flags` >> kJumpShift is the set of classes (kClassFalse,
  // kClassTrue, kClassMissing) of the tested value that jump to `target`.
  kJumpIn,  // pops a boolean
  kJumpCmpFeatureConst,
  kJumpCmpIntFieldConst,
  kJumpCmpRealFieldConst,
  kJumpCmpHourConst,
  kJumpEnumIn,
  kJumpInList,  // string field k in the snapshot's list `index`, kNegate
  // Ends.
  kFire,    // rule `index` fired
  kReturn,  // value code: the result is the top slot
  kEnd,     // the fire program is done
};

// kCmp* flags: the orderings of (left, right) that make the comparison true.
constexpr uint8_t kLess = 1;
constexpr uint8_t kEqual = 2;
constexpr uint8_t kGreater = 4;
constexpr uint8_t kCmpMask = 7;
// Classes of a boolean for jumps: bit 1 << class.
constexpr int kClassFalse = 0;
constexpr int kClassTrue = 1;
constexpr int kClassMissing = 2;
constexpr int kJumpShift = 3;
constexpr uint8_t kNegate = 0x40;
constexpr uint8_t kString = 0x80;
// The same bits on the fused comparisons, which take neither kNegate nor kString.
constexpr uint8_t kMissingFalse = 0x40;
constexpr uint8_t kMissingTrue = 0x80;

struct Op {
  OpCode code = OpCode::kEnd;
  uint8_t flags = 0;
  uint16_t index = 0;
  uint32_t target = 0;  // jumps: the op to continue at
  uint64_t k = 0;       // a number's bits, or an enum bit set

  double number() const { return std::bit_cast<double>(k); }
};
static_assert(sizeof(Op) == 16);

struct Program {
  std::vector<Op> fire;               // every enabled rule, ends with kEnd
  std::vector<Op> value;              // one value program per rule, each ends with kReturn
  std::vector<uint32_t> value_start;  // per rule: where its value program begins
  std::vector<std::string> strings;   // string constants
  std::vector<std::vector<double>> number_sets;       // sorted, unique
  std::vector<std::vector<std::string>> string_sets;  // sorted, unique
};

// Compiles the conditions of a rule set into one Program.
class Compiler {
 public:
  // `spec` resolves feature names (null: no features); `lists` are the rule set's lists.
  Compiler(const features::FeatureSpec* spec, std::span<const ListDecl> lists);

  // Parses, checks and compiles the condition of the next rule (rules are added in order and
  // numbered from 0). A disabled rule gets value code only. On error, *error_column is the
  // 1-based byte column inside `text` the message is about.
  Status Add(std::string_view text, bool enabled, size_t* error_column);

  // Ends the fire program and checks both programs' invariants (an InvalidArgument here
  // would be a compiler bug, reported rather than run).
  Result<Program> Finish();

 private:
  const features::FeatureSpec* spec_;
  std::span<const ListDecl> lists_;
  Program program_;
};

// Runs the fire program: writes the indices of the rules that fire to `fired` (at most
// fired.size()) and returns how many fired. No allocation.
size_t RunFire(const Program& program, const RuleInput& input, std::span<uint16_t> fired);

// Runs the value program of rule `rule`: 1 true, 0 false, NaN missing.
double RunValue(const Program& program, size_t rule, const RuleInput& input);

}  // namespace panorama::decide::internal
