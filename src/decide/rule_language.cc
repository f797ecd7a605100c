// The rule language: lexer, parser, type checker, compiler and evaluator
// (internal/rule_language.h states the program's invariants, docs/rules.md the language).
//
// A condition goes text -> tokens -> tree (Node, with the column of each) -> types checked
// and string literals bound to what they are compared with (an enum's index, a currency's
// code, a checked country code) -> fire code and value code. Compile-time work may allocate;
// RunFire/RunValue never do.
#include "decide/internal/rule_language.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

#include "core/event.h"
#include "core/money.h"
#include "core/schema.h"
#include "core/time.h"

namespace panorama::decide::internal {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kMaxOps = size_t{1} << 22;  // per program; a 1 MiB file needs far fewer
constexpr size_t kMaxConstants = 65'535;     // strings and sets: Op::index is 16 bits
constexpr double kEarthRadiusKm = 6371.0088;

// ---------------------------------------------------------------------------------------
// Tokens

enum class Tok : uint8_t {
  kEnd,
  kNumber,
  kString,  // "..." or '...' (decoded into Token::value), or a bare word such as ONLINE
  kName,    // lower-case names: fields, features, functions, keywords
  kOp,      // + - * / == != < <= > >=
  kLParen,
  kRParen,
  kComma,
  kAt,
};

struct Token {
  Tok type = Tok::kEnd;
  std::string_view text;  // as written
  size_t column = 1;      // 1-based byte column
  double number = 0;
  std::string value;  // kString: the decoded text
};

struct Error {
  size_t column;
  std::string reason;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return (c >= 'a' && c <= 'z') || c == '_'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsWordChar(char c) { return IsLower(c) || IsUpper(c) || IsDigit(c); }
char FoldAscii(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// Splits `text` into tokens (at most one per byte, plus kEnd).
bool Lex(std::string_view text, std::vector<Token>* tokens, Error* error) {
  size_t pos = 0;
  auto fail = [&](size_t column, std::string reason) {
    *error = {column, std::move(reason)};
    return false;
  };
  while (true) {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) {
      ++pos;
    }
    Token token;
    token.column = pos + 1;
    if (pos >= text.size()) {
      tokens->push_back(std::move(token));
      return true;
    }
    const size_t start = pos;
    const char c = text[pos];
    if (IsDigit(c) || (c == '.' && pos + 1 < text.size() && IsDigit(text[pos + 1]))) {
      while (pos < text.size() && IsDigit(text[pos])) ++pos;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        while (pos < text.size() && IsDigit(text[pos])) ++pos;
      }
      if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        size_t exp = pos + 1;
        if (exp < text.size() && (text[exp] == '+' || text[exp] == '-')) ++exp;
        if (exp < text.size() && IsDigit(text[exp])) {
          pos = exp;
          while (pos < text.size() && IsDigit(text[pos])) ++pos;
        }
      }
      while (pos < text.size() && (IsWordChar(text[pos]) || text[pos] == '.')) ++pos;
      token.type = Tok::kNumber;
      token.text = text.substr(start, pos - start);
      const char* first = token.text.data();
      const char* last = first + token.text.size();
      auto [end, ec] = std::from_chars(first, last, token.number);
      if (ec != std::errc() || end != last || !std::isfinite(token.number)) {
        return fail(token.column, "bad number '" + std::string(token.text) + "'");
      }
    } else if (IsLower(c) || IsUpper(c)) {
      while (pos < text.size() && IsWordChar(text[pos])) ++pos;
      token.text = text.substr(start, pos - start);
      if (IsUpper(c)) {  // a bare value, as in feature filters: ONLINE, CN, C0000000042
        token.type = Tok::kString;
        token.value = std::string(token.text);
      } else {
        token.type = Tok::kName;
      }
    } else if (c == '"' || c == '\'') {
      ++pos;
      token.type = Tok::kString;
      while (true) {
        if (pos >= text.size()) return fail(token.column, "unterminated string");
        char ch = text[pos];
        if (ch == c) {
          ++pos;
          break;
        }
        if (ch == '\\') {
          if (pos + 1 >= text.size()) return fail(token.column, "unterminated string");
          char escaped = text[pos + 1];
          switch (escaped) {
            case '\\':
            case '"':
            case '\'':
              token.value += escaped;
              break;
            case 'n':
              token.value += '\n';
              break;
            case 't':
              token.value += '\t';
              break;
            case 'r':
              token.value += '\r';
              break;
            default:
              return fail(pos + 1, std::string("unknown escape '\\") + escaped +
                                       "' (use \\\\, \\\", \\', \\n, \\t or \\r)");
          }
          pos += 2;
          continue;
        }
        token.value += ch;
        ++pos;
      }
      token.text = text.substr(start, pos - start);
    } else {
      ++pos;
      switch (c) {
        case '(':
          token.type = Tok::kLParen;
          break;
        case ')':
          token.type = Tok::kRParen;
          break;
        case ',':
          token.type = Tok::kComma;
          break;
        case '@':
          token.type = Tok::kAt;
          break;
        case '+':
        case '-':
        case '*':
        case '/':
          token.type = Tok::kOp;
          break;
        case '<':
        case '>':
        case '=':
        case '!':
          if (pos < text.size() && text[pos] == '=') ++pos;
          token.type = Tok::kOp;
          if (pos - start == 1 && c == '=') {
            return fail(token.column, "unknown operator '=' (use == or !=)");
          }
          if (pos - start == 1 && c == '!') {
            return fail(token.column, "unknown operator '!' (use not, or != for unequal)");
          }
          break;
        case '&':
        case '|':
          return fail(token.column, std::string("unknown operator '") + c + "' (use and, or)");
        default:
          if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            return fail(token.column,
                        "unexpected byte " + std::to_string(static_cast<unsigned char>(c)));
          }
          return fail(token.column, std::string("unexpected character '") + c + "'");
      }
      token.text = text.substr(start, pos - start);
    }
    tokens->push_back(std::move(token));
  }
}

// ---------------------------------------------------------------------------------------
// The tree

enum class Kind : uint8_t { kNumber, kBool, kString, kEnum, kCurrency };

struct Type {
  Kind kind = Kind::kNumber;
  int field = -1;        // kEnum: the enum field; kString: tx::kCountry for country codes
  bool literal = false;  // a string literal not yet bound to what it is compared with
};

enum class NodeKind : uint8_t {
  kNumber,  // also enum values and currencies once bound
  kBool,
  kString,
  kField,
  kHour,
  kFeature,
  kModel,
  kNeg,
  kArith,  // op: '+', '-', '*', '/'
  kCompare,
  kAnd,
  kOr,
  kNot,
  kIn,      // kids[0] in (kids[1..]); negate
  kInList,  // kids[0] (a field) in @list index; negate
  kCall,
};

enum class Fn : uint8_t {
  kStartsWith,
  kEndsWith,
  kContains,
  kLower,
  kAbs,
  kLog,
  kLog1p,
  kSqrt,
  kRound,
  kMin,
  kMax,
  kHourOfDay,
  kDayOfWeek,
  kDistance,
  kIsMissing,
  kPresent,
  kCoalesce,
};

struct FnInfo {
  std::string_view name;
  Fn fn;
  int min_args;
  int max_args;  // -1: any number from min_args
};

constexpr FnInfo kFunctions[] = {
    {"starts_with", Fn::kStartsWith, 2, 2},
    {"ends_with", Fn::kEndsWith, 2, 2},
    {"contains", Fn::kContains, 2, 2},
    {"lower", Fn::kLower, 1, 1},
    {"abs", Fn::kAbs, 1, 1},
    {"log", Fn::kLog, 1, 1},
    {"log1p", Fn::kLog1p, 1, 1},
    {"sqrt", Fn::kSqrt, 1, 1},
    {"round", Fn::kRound, 1, 1},
    {"min", Fn::kMin, 2, -1},
    {"max", Fn::kMax, 2, -1},
    {"hour_of_day", Fn::kHourOfDay, 1, 1},
    {"day_of_week", Fn::kDayOfWeek, 1, 1},
    {"distance_km", Fn::kDistance, 4, 4},
    {"is_missing", Fn::kIsMissing, 1, 1},
    {"present", Fn::kPresent, 1, 1},
    {"coalesce", Fn::kCoalesce, 2, -1},
};

struct Node {
  NodeKind kind = NodeKind::kNumber;
  uint8_t op = 0;  // kArith: the operator character; kCompare: a kCmpMask; kCall: Fn
  bool negate = false;
  size_t column = 1;
  size_t height = 1;
  int index = -1;  // field, feature, list
  double number = 0;
  std::string text;  // kString: the value; names: as written; kCompare: the operator
  std::vector<size_t> kids;
  Type type;
};

std::string FieldList(const FieldSpec& spec) {
  std::string out;
  for (std::string_view v : spec.values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

const FieldSpec& TxField(int field) {
  return SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)];
}

// The type a transaction field has in conditions.
Type TypeOfField(int field) {
  const FieldSpec& spec = TxField(field);
  switch (spec.type) {
    case panorama::FieldType::kEnum:
      return {Kind::kEnum, field};
    case panorama::FieldType::kCurrency:
      return {Kind::kCurrency};
    case panorama::FieldType::kBool:
      return {Kind::kBool};
    default:
      break;
  }
  if (StorageOf(spec.type) == StorageClass::kString) {
    return {Kind::kString, field == tx::kCountry ? tx::kCountry : -1};
  }
  return {Kind::kNumber};
}

std::string Describe(const Type& type) {
  switch (type.kind) {
    case Kind::kNumber:
      return "a number";
    case Kind::kBool:
      return "a condition (true or false)";
    case Kind::kString:
      return "a string";
    case Kind::kEnum:
      return "the enum " + std::string(TxField(type.field).name);
    case Kind::kCurrency:
      return "a currency";
  }
  return "?";
}

bool ValidCountryCode(std::string_view text) {
  return text.size() == 2 && IsUpper(text[0]) && IsUpper(text[1]);
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// Does list type `type` fit transaction field `field`?
bool ListFits(ListType type, int field) {
  const std::span<const int> fields = ListFields(type);
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

// "account_id or counterparty_id"
std::string ListFieldsOf(ListType type) {
  std::string names;
  for (int field : ListFields(type)) {
    if (!names.empty()) names += " or ";
    names += SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)].name;
  }
  return names;
}

// Values of the stack machine, shared by the compiler (constant folding) and the evaluator.
constexpr double Bool(bool b) { return b ? 1.0 : 0.0; }
bool IsMissing(double v) { return v != v; }

// The class of a boolean (1, 0 or NaN): kClassTrue, kClassFalse, kClassMissing.
int ClassOf(double v) { return v == 1.0 ? kClassTrue : (v == 0.0 ? kClassFalse : kClassMissing); }

// The orderings of (a, b) as kLess, kEqual or kGreater; 0 when either is missing.
uint8_t Order(double a, double b) {
  return static_cast<uint8_t>((a < b ? kLess : 0) | (a == b ? kEqual : 0) | (a > b ? kGreater : 0));
}
// a OP b, OP given by the orderings in `mask`: 1, 0, or NaN when either is missing.
double Compare(double a, double b, uint8_t mask) {
  const uint8_t order = Order(a, b);
  return order == 0 ? kMissing : Bool((order & mask) != 0);
}
// The same for a fused comparison, whose flags may say what a missing operand gives.
double FusedCompare(double a, double b, uint8_t flags) {
  const uint8_t order = Order(a, b);
  if (order == 0) {
    return (flags & kMissingTrue) != 0 ? 1.0 : ((flags & kMissingFalse) != 0 ? 0.0 : kMissing);
  }
  return Bool((order & flags & kCmpMask) != 0);
}
int FusedCompareClass(double a, double b, uint8_t flags) {
  const uint8_t order = Order(a, b);
  if (order == 0) {
    return (flags & kMissingTrue) != 0    ? kClassTrue
           : (flags & kMissingFalse) != 0 ? kClassFalse
                                          : kClassMissing;
  }
  return (order & flags & kCmpMask) != 0 ? kClassTrue : kClassFalse;
}
// A forward jump target: the ops that jump to it, patched when it is bound.
struct Label {
  std::vector<size_t> jumps;
};

// ---------------------------------------------------------------------------------------
// One condition: parse, check, emit.

class Condition {
 public:
  Condition(std::string_view text, const features::FeatureSpec* spec,
            std::span<const ListDecl> lists, Program* program)
      : text_(text), spec_(spec), lists_(lists), program_(program) {}

  bool Parse(Error* error) {
    if (text_.size() > kMaxConditionBytes) {
      *error = {1, "condition longer than " + std::to_string(kMaxConditionBytes) + " bytes"};
      return false;
    }
    if (!Lex(text_, &tokens_, error)) return false;
    if (tokens_.front().type == Tok::kEnd) {
      *error = {1, "empty condition"};
      return false;
    }
    if (!ParseOr(&root_)) {
      *error = std::move(error_);
      return false;
    }
    if (Peek().type != Tok::kEnd) {
      const Token& t = Peek();
      if (t.type == Tok::kOp && IsComparison(t.text)) {
        Fail(t.column, "comparisons do not chain: write a < b and b < c");
      } else {
        Fail(t.column, "unexpected " + Quote(t));
      }
      *error = std::move(error_);
      return false;
    }
    if (!Check(root_)) {
      *error = std::move(error_);
      return false;
    }
    const Node& root = nodes_[root_];
    if (root.type.kind != Kind::kBool) {
      Fail(1, "a condition must be true or false, not " + Describe(root.type) +
                  (root.type.kind == Kind::kNumber ? "; compare it, such as ... > 0" : ""));
      *error = std::move(error_);
      return false;
    }
    return true;
  }

  // Appends the fire code of rule `rule` to the fire program.
  void EmitFire(size_t rule) {
    out_ = &program_->fire;
    Label fail;
    EmitCond(root_, true, false, &fail);
    Emit(OpCode::kFire, 0, static_cast<uint16_t>(rule));
    Bind(&fail);
  }

  // Appends the value code to the value program.
  void EmitValueProgram() {
    out_ = &program_->value;
    EmitValue(root_);
    Emit(OpCode::kReturn);
  }

  // Constants interned by this condition: false when the rule set has too many.
  bool constants_ok() const { return constants_ok_; }

 private:
  // --- parsing ------------------------------------------------------------------------

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool IsKeyword(std::string_view word, size_t ahead = 0) const {
    return Peek(ahead).type == Tok::kName && Peek(ahead).text == word;
  }
  static bool IsComparison(std::string_view op) {
    return op == "==" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=";
  }
  static std::string Quote(const Token& t) {
    if (t.type == Tok::kEnd) return "end of condition";
    return "'" + std::string(t.text) + "'";
  }
  bool Fail(size_t column, std::string reason) {
    if (error_.reason.empty()) error_ = {column, std::move(reason)};
    return false;
  }
  bool Enter(size_t column) {
    if (++depth_ > kMaxNesting) {
      return Fail(column, "condition nested too deeply (at most " + std::to_string(kMaxNesting) +
                              " levels)");
    }
    return true;
  }

  bool NewNode(Node node, size_t* out) {
    for (size_t kid : node.kids) node.height = std::max(node.height, nodes_[kid].height + 1);
    if (node.height > kMaxNesting) {
      return Fail(node.column, "condition nested too deeply (at most " +
                                   std::to_string(kMaxNesting) + " levels)");
    }
    nodes_.push_back(std::move(node));
    *out = nodes_.size() - 1;
    return true;
  }

  bool ParseLogic(NodeKind kind, size_t* out) {
    const std::string_view word = kind == NodeKind::kOr ? "or" : "and";
    size_t first = 0;
    if (!(kind == NodeKind::kOr ? ParseLogic(NodeKind::kAnd, &first) : ParseNot(&first))) {
      return false;
    }
    if (!IsKeyword(word)) {
      *out = first;
      return true;
    }
    Node node;
    node.kind = kind;
    node.column = Peek().column;
    node.text = std::string(word);
    node.kids.push_back(first);
    while (IsKeyword(word)) {
      Advance();
      size_t next = 0;
      if (!(kind == NodeKind::kOr ? ParseLogic(NodeKind::kAnd, &next) : ParseNot(&next))) {
        return false;
      }
      node.kids.push_back(next);
    }
    return NewNode(std::move(node), out);
  }
  bool ParseOr(size_t* out) { return ParseLogic(NodeKind::kOr, out); }

  bool ParseNot(size_t* out) {
    if (!IsKeyword("not")) return ParseComparison(out);
    Node node;
    node.kind = NodeKind::kNot;
    node.column = Peek().column;
    node.text = "not";
    if (!Enter(node.column)) return false;
    Advance();
    size_t kid = 0;
    if (!ParseNot(&kid)) return false;
    --depth_;
    node.kids.push_back(kid);
    return NewNode(std::move(node), out);
  }

  bool ParseLiteral(size_t* out) {
    Node node;
    node.column = Peek().column;
    bool negative = false;
    if (Peek().type == Tok::kOp && Peek().text == "-") {
      negative = true;
      Advance();
      if (Peek().type != Tok::kNumber) return Fail(Peek().column, "expected a number after '-'");
    }
    const Token& t = Peek();
    if (t.type == Tok::kNumber) {
      node.kind = NodeKind::kNumber;
      node.number = negative ? -t.number : t.number;
      node.type = {Kind::kNumber};
    } else if (t.type == Tok::kString) {
      node.kind = NodeKind::kString;
      node.text = t.value;
      node.type = {Kind::kString, -1, true};
    } else if (IsKeyword("true") || IsKeyword("false")) {
      node.kind = NodeKind::kBool;
      node.number = IsKeyword("true") ? 1 : 0;
      node.type = {Kind::kBool};
    } else {
      return Fail(t.column, "expected a value (a number or a string) in the list, not " + Quote(t));
    }
    Advance();
    return NewNode(std::move(node), out);
  }

  bool ParseComparison(size_t* out) {
    size_t left = 0;
    if (!ParseSum(&left)) return false;
    bool negate = false;
    if (IsKeyword("not") && IsKeyword("in", 1)) {
      negate = true;
      Advance();
    }
    if (IsKeyword("in")) {
      Node node;
      node.negate = negate;
      node.column = Peek().column;
      node.kids.push_back(left);
      Advance();
      if (Peek().type == Tok::kAt) {
        const size_t at = Peek().column;
        Advance();
        if (Peek().type != Tok::kName) return Fail(Peek().column, "expected a list name after '@'");
        node.kind = NodeKind::kInList;
        node.text = std::string(Peek().text);
        node.column = at;
        for (size_t i = 0; i < lists_.size(); ++i) {
          if (lists_[i].name == node.text) node.index = static_cast<int>(i);
        }
        if (node.index < 0) {
          std::string declared;
          for (const ListDecl& list : lists_) {
            declared += (declared.empty() ? "" : ", ") + list.name;
          }
          return Fail(at, "unknown list '@" + node.text + "' (" +
                              (declared.empty() ? std::string("the rule set declares no lists")
                                                : "declared: " + declared) +
                              ")");
        }
        Advance();
        return NewNode(std::move(node), out);
      }
      node.kind = NodeKind::kIn;
      if (Peek().type != Tok::kLParen) {
        return Fail(Peek().column, "expected '(' or '@list' after 'in'");
      }
      do {
        Advance();
        size_t value = 0;
        if (!ParseLiteral(&value)) return false;
        node.kids.push_back(value);
      } while (Peek().type == Tok::kComma);
      if (Peek().type != Tok::kRParen) return Fail(Peek().column, "expected ',' or ')'");
      Advance();
      return NewNode(std::move(node), out);
    }
    if (Peek().type != Tok::kOp || !IsComparison(Peek().text)) {
      *out = left;
      return true;
    }
    Node node;
    node.kind = NodeKind::kCompare;
    node.column = Peek().column;
    node.text = std::string(Peek().text);
    const std::string_view op = node.text;
    node.op = op == "=="   ? kEqual
              : op == "!=" ? kLess | kGreater
              : op == "<"  ? kLess
              : op == "<=" ? kLess | kEqual
              : op == ">"  ? kGreater
                           : kGreater | kEqual;
    Advance();
    size_t right = 0;
    if (!ParseSum(&right)) return false;
    node.kids = {left, right};
    return NewNode(std::move(node), out);
  }

  bool ParseArith(bool sum, size_t* out) {
    if (!(sum ? ParseArith(false, out) : ParseUnary(out))) return false;
    while (Peek().type == Tok::kOp && (sum ? (Peek().text == "+" || Peek().text == "-")
                                           : (Peek().text == "*" || Peek().text == "/"))) {
      Node node;
      node.kind = NodeKind::kArith;
      node.column = Peek().column;
      node.op = static_cast<uint8_t>(Peek().text[0]);
      node.text = std::string(Peek().text);
      Advance();
      size_t right = 0;
      if (!(sum ? ParseArith(false, &right) : ParseUnary(&right))) return false;
      node.kids = {*out, right};
      if (!NewNode(std::move(node), out)) return false;
    }
    return true;
  }
  bool ParseSum(size_t* out) { return ParseArith(true, out); }

  bool ParseUnary(size_t* out) {
    if (Peek().type != Tok::kOp || Peek().text != "-") return ParseAtom(out);
    Node node;
    node.kind = NodeKind::kNeg;
    node.column = Peek().column;
    node.text = "-";
    if (!Enter(node.column)) return false;
    Advance();
    size_t kid = 0;
    if (!ParseUnary(&kid)) return false;
    --depth_;
    node.kids.push_back(kid);
    return NewNode(std::move(node), out);
  }

  bool ParseCall(const Token& name, size_t* out) {
    const FnInfo* info = nullptr;
    for (const FnInfo& f : kFunctions) {
      if (f.name == name.text) info = &f;
    }
    if (info == nullptr) {
      std::string known;
      for (const FnInfo& f : kFunctions) known += (known.empty() ? "" : ", ") + std::string(f.name);
      if (SchemaFor(EventKind::kTransaction).FieldIndex(name.text) >= 0 ||
          (spec_ != nullptr && spec_->FeatureIndex(name.text) >= 0)) {
        return Fail(name.column, "'" + std::string(name.text) + "' is not a function");
      }
      return Fail(name.column, "unknown function '" + std::string(name.text) + "' (" + known + ")");
    }
    Node node;
    node.kind = NodeKind::kCall;
    node.op = static_cast<uint8_t>(info->fn);
    node.column = name.column;
    node.text = std::string(name.text);
    Advance();  // past '('
    if (Peek().type != Tok::kRParen) {
      while (true) {
        size_t arg = 0;
        if (!ParseOr(&arg)) return false;
        node.kids.push_back(arg);
        if (Peek().type != Tok::kComma) break;
        Advance();
      }
    }
    if (Peek().type != Tok::kRParen) return Fail(Peek().column, "expected ',' or ')'");
    Advance();
    const int args = static_cast<int>(node.kids.size());
    if (args < info->min_args || (info->max_args >= 0 && args > info->max_args)) {
      std::string wanted = std::to_string(info->min_args);
      if (info->max_args < 0) wanted += " or more";
      return Fail(name.column,
                  node.text + "() takes " + wanted +
                      (info->min_args == 1 && info->max_args == 1 ? " argument" : " arguments") +
                      ", not " + std::to_string(args));
    }
    return NewNode(std::move(node), out);
  }

  std::string Suggestion(std::string_view name) const {
    std::string best;
    size_t best_distance = 3;
    auto consider = [&](std::string_view candidate) {
      size_t d = EditDistance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = std::string(candidate);
      }
    };
    for (const FieldSpec& f : SchemaFor(EventKind::kTransaction).fields) consider(f.name);
    consider("model_score");
    consider("hour");
    if (spec_ != nullptr) {
      for (const features::FeatureDef& f : spec_->features) consider(f.name);
    }
    return best.empty() ? "" : "; did you mean '" + best + "'?";
  }

  bool ParseAtom(size_t* out) {
    const Token& t = Peek();
    if (!Enter(t.column)) return false;
    Node node;
    node.column = t.column;
    switch (t.type) {
      case Tok::kNumber:
        node.kind = NodeKind::kNumber;
        node.number = t.number;
        node.type = {Kind::kNumber};
        Advance();
        break;
      case Tok::kString:
        node.kind = NodeKind::kString;
        node.text = t.value;
        node.type = {Kind::kString, -1, true};
        Advance();
        break;
      case Tok::kLParen: {
        Advance();
        if (!ParseOr(out)) return false;
        if (Peek().type != Tok::kRParen) return Fail(Peek().column, "expected ')'");
        Advance();
        --depth_;
        return true;
      }
      case Tok::kName: {
        const Token name = t;
        Advance();
        if (name.text == "and" || name.text == "or" || name.text == "not" || name.text == "in") {
          return Fail(name.column,
                      "unexpected '" + std::string(name.text) + "'" +
                          (name.text == "not" ? " (a comparison's operand takes no 'not': write "
                                                "a == (not b))"
                                              : ""));
        }
        if (Peek().type == Tok::kLParen) {
          if (!ParseCall(name, out)) return false;
          --depth_;
          return true;
        }
        const std::string_view word = name.text;
        node.text = std::string(word);
        if (word == "true" || word == "false") {
          node.kind = NodeKind::kBool;
          node.number = word == "true" ? 1 : 0;
          node.type = {Kind::kBool};
          break;
        }
        if (int field = SchemaFor(EventKind::kTransaction).FieldIndex(word); field >= 0) {
          node.kind = NodeKind::kField;
          node.index = field;
          node.type = TypeOfField(field);
        } else if (word == "hour") {
          node.kind = NodeKind::kHour;
        } else if (word == "model_score") {
          node.kind = NodeKind::kModel;
        } else if (int feature = spec_ != nullptr ? spec_->FeatureIndex(word) : -1; feature >= 0) {
          node.kind = NodeKind::kFeature;
          node.index = feature;
        } else {
          return Fail(name.column,
                      "unknown name '" + node.text + "' (not a transaction field, " +
                          (spec_ != nullptr ? "a feature of spec '" + spec_->name + "'"
                                            : std::string("a feature (no feature spec given)")) +
                          " or model_score" + Suggestion(word) + ")");
        }
        break;
      }
      case Tok::kEnd:
        return Fail(t.column, "unexpected end of condition");
      case Tok::kAt:
        return Fail(t.column, "a list (@name) can only follow 'in'");
      default:
        return Fail(t.column, "unexpected " + Quote(t));
    }
    --depth_;
    return NewNode(std::move(node), out);
  }

  // --- type checking ------------------------------------------------------------------

  Node& N(size_t n) { return nodes_[n]; }

  // Turns string literal `n` into a value of `target`'s type (an enum's index, a currency's
  // packed code) or checks it (a country code).
  bool Bind(size_t n, const Type& target) {
    Node& node = N(n);
    if (!node.type.literal) return true;
    switch (target.kind) {
      case Kind::kEnum: {
        const FieldSpec& spec = TxField(target.field);
        int index = EnumIndex(spec, node.text);
        if (index < 0) {
          return Fail(node.column, "'" + node.text + "' is not a value of " +
                                       std::string(spec.name) + " (" + FieldList(spec) + ")");
        }
        node.kind = NodeKind::kNumber;
        node.number = index;
        node.type = target;
        return true;
      }
      case Kind::kCurrency: {
        auto currency = Currency::FromCode(node.text);
        if (!currency) {
          return Fail(node.column, "'" + node.text + "' is not an ISO 4217 currency code");
        }
        node.kind = NodeKind::kNumber;
        node.number = currency->Packed();
        node.type = target;
        return true;
      }
      case Kind::kString:
        if (target.field == tx::kCountry && !ValidCountryCode(node.text)) {
          return Fail(node.column, "'" + node.text +
                                       "' is not a country code (ISO 3166-1 alpha-2, two "
                                       "upper-case letters such as CN)");
        }
        node.type = target;
        node.type.literal = false;
        return true;
      default:
        return true;
    }
  }

  // A value that must be a number (arithmetic, number functions).
  bool NeedNumber(size_t n, const std::string& what) {
    const Node& node = N(n);
    if (node.type.kind == Kind::kNumber) return true;
    std::string hint;
    if (node.type.kind == Kind::kEnum) {
      hint = "; compare it with its values, such as " + std::string(TxField(node.type.field).name) +
             " == \"" + std::string(TxField(node.type.field).values[0]) + "\"";
    }
    return Fail(node.column, what + " needs a number, not " + Describe(node.type) + hint);
  }

  bool NeedBool(size_t n, const std::string& what) {
    const Node& node = N(n);
    if (node.type.kind == Kind::kBool) return true;
    std::string hint;
    if (node.type.kind == Kind::kNumber) {
      hint =
          "; compare it, such as " +
          (node.kind == NodeKind::kFeature || node.kind == NodeKind::kField ? node.text
                                                                            : std::string("...")) +
          " > 0";
    }
    return Fail(node.column,
                what + " needs a condition (true or false), not " + Describe(node.type) + hint);
  }

  bool NeedString(size_t n, const std::string& what) {
    const Node& node = N(n);
    if (node.type.kind == Kind::kString) return true;
    return Fail(node.column, what + " needs a string, not " + Describe(node.type));
  }

  // Makes the values `kids` comparable with each other (== != coalesce): binds literals to
  // the first typed value; false when the types differ.
  bool Unify(std::span<const size_t> kids, const std::string& what, size_t column) {
    Type anchor = N(kids[0]).type;
    for (size_t kid : kids) {
      if (!N(kid).type.literal) {
        anchor = N(kid).type;
        break;
      }
    }
    if (anchor.kind == Kind::kString) anchor.literal = false;
    for (size_t kid : kids) {
      if (!Bind(kid, anchor)) return false;
    }
    for (size_t kid : kids) {
      const Type& t = N(kid).type;
      const bool same = t.kind == anchor.kind && (t.kind != Kind::kEnum || t.field == anchor.field);
      if (!same) {
        std::string hint;
        if (anchor.kind == Kind::kEnum && t.kind == Kind::kNumber) {
          hint = "; write the value's name, such as \"" +
                 std::string(TxField(anchor.field).values[0]) + "\"";
        } else if (anchor.kind == Kind::kString && t.kind == Kind::kNumber &&
                   N(kid).kind == NodeKind::kNumber) {
          hint = "; write the value in quotes";
        }
        std::string reason = what + " cannot mix " + Describe(anchor);
        reason += " and " + Describe(t);
        reason += hint;
        return Fail(N(kid).kind == NodeKind::kNumber || N(kid).kind == NodeKind::kString
                        ? N(kid).column
                        : column,
                    std::move(reason));
      }
    }
    return true;
  }

  bool Check(size_t n) {
    for (size_t kid : N(n).kids) {
      if (!Check(kid)) return false;
    }
    Node& node = N(n);
    switch (node.kind) {
      case NodeKind::kNumber:
      case NodeKind::kBool:
      case NodeKind::kString:
      case NodeKind::kField:
        return true;
      case NodeKind::kHour:
      case NodeKind::kFeature:
      case NodeKind::kModel:
        node.type = {Kind::kNumber};
        return true;
      case NodeKind::kNeg:
        node.type = {Kind::kNumber};
        return NeedNumber(node.kids[0], "'-'");
      case NodeKind::kArith:
        node.type = {Kind::kNumber};
        return NeedNumber(node.kids[0], "'" + node.text + "'") &&
               NeedNumber(node.kids[1], "'" + node.text + "'");
      case NodeKind::kCompare: {
        node.type = {Kind::kBool};
        const bool equality = node.op == kEqual || node.op == (kLess | kGreater);
        if (equality) return Unify(node.kids, "'" + node.text + "'", node.column);
        for (size_t kid : node.kids) {
          const Type& t = N(kid).type;
          if (t.kind == Kind::kString || t.kind == Kind::kCurrency) {
            return Fail(node.column, "'" + node.text + "' needs numbers; " + Describe(t) +
                                         " compares only with == and != (or in)");
          }
          if (t.kind == Kind::kEnum) {
            return Fail(node.column, std::string(TxField(t.field).name) +
                                         " has no order: compare it with ==, != or in");
          }
          if (t.kind == Kind::kBool) {
            return Fail(node.column, "'" + node.text + "' needs numbers, not " + Describe(t));
          }
        }
        return true;
      }
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kNot:
        node.type = {Kind::kBool};
        for (size_t kid : node.kids) {
          if (!NeedBool(kid, "'" + node.text + "'")) return false;
        }
        return true;
      case NodeKind::kIn: {
        node.type = {Kind::kBool};
        const Type left = N(node.kids[0]).type;
        if (left.kind == Kind::kBool) {
          return Fail(node.column,
                      "'in' needs a number, a string, an enum or a currency on its "
                      "left, not " +
                          Describe(left));
        }
        Type target = left;
        target.literal = false;
        for (size_t i = 1; i < node.kids.size(); ++i) {
          if (!Bind(node.kids[i], target)) return false;
          const Node& value = N(node.kids[i]);
          const bool fits = value.type.kind == target.kind &&
                            (target.kind != Kind::kEnum || value.type.field == target.field);
          if (!fits) {
            std::string hint;
            if (target.kind == Kind::kString && value.type.kind == Kind::kNumber) {
              hint = "; write the value in quotes";
            } else if (target.kind == Kind::kEnum) {
              hint = " (" + FieldList(TxField(target.field)) + ")";
            }
            return Fail(value.column, "the list holds " + Describe(value.type) +
                                          ", but its left is " + Describe(left) + hint);
          }
        }
        return true;
      }
      case NodeKind::kInList: {
        node.type = {Kind::kBool};
        const Node& left = N(node.kids[0]);
        const ListDecl& list = lists_[static_cast<size_t>(node.index)];
        if (left.kind != NodeKind::kField) {
          return Fail(left.column, "'in @" + list.name + "' needs a field on its left (" +
                                       ListFieldsOf(list.type) + ")");
        }
        if (!ListFits(list.type, left.index)) {
          return Fail(node.column, "list '" + list.name + "' holds " +
                                       std::string(ListTypeName(list.type)) + " values; it fits " +
                                       ListFieldsOf(list.type) + ", not " + left.text);
        }
        return true;
      }
      case NodeKind::kCall:
        return CheckCall(n);
    }
    return false;
  }

  bool CheckCall(size_t n) {
    Node& node = N(n);
    const std::string what = node.text + "()";
    const std::vector<size_t>& kids = node.kids;
    switch (static_cast<Fn>(node.op)) {
      case Fn::kStartsWith:
      case Fn::kEndsWith:
      case Fn::kContains:
        node.type = {Kind::kBool};
        return NeedString(kids[0], what) && NeedString(kids[1], what) &&
               Bind(kids[1], {Kind::kString});
      case Fn::kLower:
        node.type = {Kind::kString};
        return NeedString(kids[0], what);
      case Fn::kIsMissing:
      case Fn::kPresent:
        node.type = {Kind::kBool};
        if (N(kids[0]).type.literal) {  // is_missing("device_id") is a typo: never missing
          return Fail(N(kids[0]).column, what + " needs a field or a value, not a string literal");
        }
        return true;
      case Fn::kCoalesce:
        if (!Unify(kids, what, node.column)) return false;
        node.type = N(kids[0]).type;
        for (size_t kid : kids) {
          if (!N(kid).type.literal) node.type = N(kid).type;
        }
        return true;
      default:
        node.type = {Kind::kNumber};
        for (size_t kid : kids) {
          if (!NeedNumber(kid, what)) return false;
        }
        return true;
    }
  }

  // --- code ---------------------------------------------------------------------------

  void Emit(OpCode code, uint8_t flags = 0, uint16_t index = 0, uint64_t k = 0) {
    out_->push_back(Op{code, flags, index, 0, k});
  }
  void EmitJump(OpCode code, uint8_t flags, Label* label, uint16_t index = 0, uint64_t k = 0) {
    label->jumps.push_back(out_->size());
    Emit(code, flags, index, k);
  }
  void Bind(Label* label) {
    for (size_t at : label->jumps) (*out_)[at].target = static_cast<uint32_t>(out_->size());
    label->jumps.clear();
  }

  // Constants are not shared between conditions: a lookup would cost more than it saves.
  uint16_t Intern(std::vector<std::string>* pool, std::string value) {
    if (pool->size() >= kMaxConstants) {
      constants_ok_ = false;
      return 0;
    }
    pool->push_back(std::move(value));
    return static_cast<uint16_t>(pool->size() - 1);
  }
  template <typename T>
  uint16_t AddSet(std::vector<std::vector<T>>* pool, std::vector<T> set) {
    std::sort(set.begin(), set.end());
    set.erase(std::unique(set.begin(), set.end()), set.end());
    if (pool->size() >= kMaxConstants) {
      constants_ok_ = false;
      return 0;
    }
    pool->push_back(std::move(set));
    return static_cast<uint16_t>(pool->size() - 1);
  }

  // The value of a constant numeric subtree.
  bool Fold(size_t n, double* value) const {
    const Node& node = nodes_[n];
    switch (node.kind) {
      case NodeKind::kNumber:
        *value = node.number;
        return true;
      case NodeKind::kNeg:
        if (!Fold(node.kids[0], value)) return false;
        *value = -*value;
        return true;
      case NodeKind::kArith: {
        double a = 0;
        double b = 0;
        if (!Fold(node.kids[0], &a) || !Fold(node.kids[1], &b)) return false;
        *value = Arith(node.op, a, b);
        return true;
      }
      default:
        return false;
    }
  }

  static double Arith(uint8_t op, double a, double b) {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      default:
        return b == 0 ? kMissing : a / b;
    }
  }

  // A comparison of a field, feature or the hour with a constant, as one fused op: its
  // opcode (the value form), operand, the orderings accepted, and what a missing operand
  // gives (0, kMissingFalse or kMissingTrue).
  struct Fused {
    OpCode code;
    uint16_t index;
    uint8_t mask;
    uint8_t missing;
    double constant;
  };
  // The fused opcode that reads source `n` (a feature, a number-like field or the hour).
  bool FusedSource(size_t n, OpCode* code) const {
    const Node& source = nodes_[n];
    if (source.kind == NodeKind::kFeature) {
      *code = OpCode::kCmpFeatureConst;
    } else if (source.kind == NodeKind::kHour) {
      *code = OpCode::kCmpHourConst;
    } else if (source.kind == NodeKind::kField && source.type.kind != Kind::kString &&
               source.type.kind != Kind::kBool) {
      *code = StorageOf(TxField(source.index).type) == StorageClass::kReal
                  ? OpCode::kCmpRealFieldConst
                  : OpCode::kCmpIntFieldConst;
    } else {
      return false;
    }
    return true;
  }
  bool FuseCompare(size_t n, Fused* fused) const {
    const Node& node = nodes_[n];
    if (node.kind != NodeKind::kCompare) return false;
    for (int side = 0; side < 2; ++side) {
      size_t source = node.kids[static_cast<size_t>(side)];
      double constant = 0;
      if (!Fold(node.kids[static_cast<size_t>(1 - side)], &constant)) continue;
      uint8_t mask = node.op;
      if (side == 1) {  // constant OP source: mirror the orderings
        mask = static_cast<uint8_t>((mask & kEqual) | ((mask & kLess) != 0 ? kGreater : 0) |
                                    ((mask & kGreater) != 0 ? kLess : 0));
      }
      // coalesce(source, c): when the source is missing the comparison is c OP constant.
      uint8_t missing = 0;
      const Node& call = nodes_[source];
      double fallback = 0;
      if (call.kind == NodeKind::kCall && static_cast<Fn>(call.op) == Fn::kCoalesce &&
          call.kids.size() == 2 && Fold(call.kids[1], &fallback)) {
        source = call.kids[0];
        const double known = Compare(fallback, constant, mask);
        missing = IsMissing(known) ? 0 : (known == 1 ? kMissingTrue : kMissingFalse);
      }
      OpCode code{};
      if (!FusedSource(source, &code)) continue;
      *fused = {code, static_cast<uint16_t>(std::max(nodes_[source].index, 0)), mask, missing,
                constant};
      return true;
    }
    return false;
  }

  // A rough cost of evaluating `n` (ops, with list and string work dearer), to test the
  // cheaper kids of `and` / `or` first in fire code.
  size_t Cost(size_t n) const {
    const Node& node = nodes_[n];
    Fused fused{};
    uint64_t bits = 0;
    if (FuseCompare(n, &fused) || EnumSet(n, &bits)) return 1;
    size_t cost = node.kind == NodeKind::kInList ? 8 : 1;
    if (node.kind == NodeKind::kCall || node.kind == NodeKind::kIn) {
      for (size_t kid : node.kids) cost += nodes_[kid].type.kind == Kind::kString ? 4 : 0;
    }
    for (size_t kid : node.kids) cost += Cost(kid);
    return cost;
  }

  // `field in (enum values)` on the field itself: the bit set of the values.
  bool EnumSet(size_t n, uint64_t* bits) const {
    const Node& node = nodes_[n];
    if (node.kind != NodeKind::kIn || nodes_[node.kids[0]].kind != NodeKind::kField ||
        nodes_[node.kids[0]].type.kind != Kind::kEnum) {
      return false;
    }
    *bits = 0;
    for (size_t i = 1; i < node.kids.size(); ++i) {
      *bits |= uint64_t{1} << static_cast<int>(nodes_[node.kids[i]].number);
    }
    return true;
  }

  static uint64_t Bits(double v) { return std::bit_cast<uint64_t>(v); }

  void EmitValue(size_t n) {
    const Node& node = nodes_[n];
    double constant = 0;
    if (node.type.kind != Kind::kString && node.type.kind != Kind::kBool && Fold(n, &constant)) {
      Emit(OpCode::kPushConst, 0, 0, Bits(constant));
      return;
    }
    switch (node.kind) {
      case NodeKind::kNumber:  // folded above
        return;
      case NodeKind::kBool:
        Emit(OpCode::kPushConst, 0, 0, Bits(node.number));
        return;
      case NodeKind::kString:
        Emit(OpCode::kPushStrConst, 0, Intern(&program_->strings, node.text));
        return;
      case NodeKind::kField: {
        const StorageClass storage = StorageOf(TxField(node.index).type);
        Emit(storage == StorageClass::kString ? OpCode::kPushStrField
             : storage == StorageClass::kReal ? OpCode::kPushRealField
                                              : OpCode::kPushIntField,
             0, static_cast<uint16_t>(node.index));
        return;
      }
      case NodeKind::kHour:
        Emit(OpCode::kPushHour);
        return;
      case NodeKind::kFeature:
        Emit(OpCode::kPushFeature, 0, static_cast<uint16_t>(node.index));
        return;
      case NodeKind::kModel:
        Emit(OpCode::kPushModel);
        return;
      case NodeKind::kNeg:
        EmitValue(node.kids[0]);
        Emit(OpCode::kNeg);
        return;
      case NodeKind::kArith:
        EmitValue(node.kids[0]);
        EmitValue(node.kids[1]);
        Emit(node.op == '+'   ? OpCode::kAdd
             : node.op == '-' ? OpCode::kSub
             : node.op == '*' ? OpCode::kMul
                              : OpCode::kDiv);
        return;
      case NodeKind::kCompare: {
        Fused fused{};
        if (FuseCompare(n, &fused)) {
          Emit(fused.code, fused.mask | fused.missing, fused.index, Bits(fused.constant));
          return;
        }
        EmitValue(node.kids[0]);
        EmitValue(node.kids[1]);
        if (nodes_[node.kids[0]].type.kind == Kind::kString) {
          Emit(OpCode::kStrEq, node.op == kEqual ? 0 : kNegate);
        } else {
          Emit(OpCode::kCmp, node.op);
        }
        return;
      }
      case NodeKind::kAnd:
      case NodeKind::kOr: {
        const bool is_and = node.kind == NodeKind::kAnd;
        Label done;
        EmitValue(node.kids[0]);
        for (size_t i = 1; i < node.kids.size(); ++i) {
          EmitJump(is_and ? OpCode::kJumpIfFalseKeep : OpCode::kJumpIfTrueKeep, 0, &done);
          EmitValue(node.kids[i]);
          Emit(is_and ? OpCode::kAnd : OpCode::kOr);
        }
        Bind(&done);
        return;
      }
      case NodeKind::kNot:
        EmitValue(node.kids[0]);
        Emit(OpCode::kNot);
        return;
      case NodeKind::kIn: {
        const uint8_t negate = node.negate ? kNegate : 0;
        uint64_t bits = 0;
        if (EnumSet(n, &bits)) {
          Emit(OpCode::kEnumIn, negate, static_cast<uint16_t>(nodes_[node.kids[0]].index), bits);
          return;
        }
        EmitValue(node.kids[0]);
        if (nodes_[node.kids[0]].type.kind == Kind::kString) {
          std::vector<std::string> set;
          for (size_t i = 1; i < node.kids.size(); ++i) set.push_back(nodes_[node.kids[i]].text);
          Emit(OpCode::kStrInSet, negate, AddSet(&program_->string_sets, std::move(set)));
        } else {
          std::vector<double> set;
          for (size_t i = 1; i < node.kids.size(); ++i) set.push_back(nodes_[node.kids[i]].number);
          Emit(OpCode::kNumInSet, negate, AddSet(&program_->number_sets, std::move(set)));
        }
        return;
      }
      case NodeKind::kInList:
        EmitValue(node.kids[0]);
        Emit(OpCode::kInList, node.negate ? kNegate : 0, static_cast<uint16_t>(node.index));
        return;
      case NodeKind::kCall:
        EmitCall(n);
        return;
    }
  }

  void EmitCall(size_t n) {
    const Node& node = nodes_[n];
    const std::vector<size_t>& kids = node.kids;
    const Fn fn = static_cast<Fn>(node.op);
    switch (fn) {
      case Fn::kLower:
        if (nodes_[kids[0]].kind == NodeKind::kString) {  // a literal: lower it now
          std::string lowered = nodes_[kids[0]].text;
          for (char& c : lowered) c = FoldAscii(c);
          Emit(OpCode::kPushStrConst, 0, Intern(&program_->strings, std::move(lowered)));
          return;
        }
        EmitValue(kids[0]);
        Emit(OpCode::kLower);
        return;
      case Fn::kMin:
      case Fn::kMax:
        EmitValue(kids[0]);
        for (size_t i = 1; i < kids.size(); ++i) {
          EmitValue(kids[i]);
          Emit(fn == Fn::kMin ? OpCode::kMin : OpCode::kMax);
        }
        return;
      case Fn::kIsMissing:
      case Fn::kPresent: {
        EmitValue(kids[0]);
        uint8_t flags = fn == Fn::kPresent ? kNegate : 0;
        if (nodes_[kids[0]].type.kind == Kind::kString) flags |= kString;
        Emit(OpCode::kIsMissing, flags);
        return;
      }
      case Fn::kCoalesce: {
        const uint8_t flags = node.type.kind == Kind::kString ? kString : 0;
        Label done;
        for (size_t i = 0; i < kids.size(); ++i) {
          EmitValue(kids[i]);
          if (i + 1 < kids.size()) EmitJump(OpCode::kJumpIfKeep, flags, &done);
        }
        Bind(&done);
        return;
      }
      default:
        break;
    }
    for (size_t kid : kids) EmitValue(kid);
    switch (fn) {
      case Fn::kStartsWith:
        Emit(OpCode::kStartsWith);
        break;
      case Fn::kEndsWith:
        Emit(OpCode::kEndsWith);
        break;
      case Fn::kContains:
        Emit(OpCode::kContains);
        break;
      case Fn::kAbs:
        Emit(OpCode::kAbs);
        break;
      case Fn::kLog:
        Emit(OpCode::kLog);
        break;
      case Fn::kLog1p:
        Emit(OpCode::kLog1p);
        break;
      case Fn::kSqrt:
        Emit(OpCode::kSqrt);
        break;
      case Fn::kRound:
        Emit(OpCode::kRound);
        break;
      case Fn::kHourOfDay:
        Emit(OpCode::kHourOfDay);
        break;
      case Fn::kDayOfWeek:
        Emit(OpCode::kDayOfWeek);
        break;
      case Fn::kDistance:
        Emit(OpCode::kDistance);
        break;
      default:
        break;
    }
  }

  // Fire code: jumps to `target` when "node is true" (want_true) or "node is false"
  // (!want_true) equals `jump_when`; falls through otherwise. Missing is neither true nor
  // false, which is what makes `not` a swap of the two predicates under Kleene logic.
  void EmitCond(size_t n, bool want_true, bool jump_when, Label* target) {
    const Node& node = nodes_[n];
    if (node.kind == NodeKind::kNot) {
      EmitCond(node.kids[0], !want_true, jump_when, target);
      return;
    }
    if (node.kind == NodeKind::kAnd || node.kind == NodeKind::kOr) {
      // "a and b is true" needs every kid true; "a and b is false" any kid false.
      const bool all = (node.kind == NodeKind::kAnd) == want_true;
      // Kleene's and / or are commutative and conditions have no side effects, so the
      // cheaper kids go first: they decide most of the time.
      std::vector<size_t> kids = node.kids;
      std::stable_sort(kids.begin(), kids.end(),
                       [&](size_t a, size_t b) { return Cost(a) < Cost(b); });
      const size_t last = kids.size() - 1;
      if (all != jump_when) {  // every kid decides for the target on its own
        for (size_t kid : kids) EmitCond(kid, want_true, jump_when, target);
        return;
      }
      Label skip;
      for (size_t i = 0; i < last; ++i) EmitCond(kids[i], want_true, !jump_when, &skip);
      EmitCond(kids[last], want_true, jump_when, target);
      Bind(&skip);
      return;
    }
    const int wanted = want_true ? 1 << kClassTrue : 1 << kClassFalse;
    const int all_classes = (1 << kClassFalse) | (1 << kClassTrue) | (1 << kClassMissing);
    const auto jump =
        static_cast<uint8_t>((jump_when ? wanted : all_classes & ~wanted) << kJumpShift);
    Fused fused{};
    if (FuseCompare(n, &fused)) {
      OpCode code = OpCode::kJumpCmpRealFieldConst;
      if (fused.code == OpCode::kCmpFeatureConst) code = OpCode::kJumpCmpFeatureConst;
      if (fused.code == OpCode::kCmpIntFieldConst) code = OpCode::kJumpCmpIntFieldConst;
      if (fused.code == OpCode::kCmpHourConst) code = OpCode::kJumpCmpHourConst;
      EmitJump(code, jump | fused.mask | fused.missing, target, fused.index, Bits(fused.constant));
      return;
    }
    if (node.kind == NodeKind::kInList) {
      EmitJump(OpCode::kJumpInList, jump | (node.negate ? kNegate : 0), target,
               static_cast<uint16_t>(node.index),
               static_cast<uint64_t>(nodes_[node.kids[0]].index));
      return;
    }
    uint64_t bits = 0;
    if (EnumSet(n, &bits)) {
      EmitJump(OpCode::kJumpEnumIn, jump | (node.negate ? kNegate : 0), target,
               static_cast<uint16_t>(nodes_[node.kids[0]].index), bits);
      return;
    }
    EmitValue(n);
    EmitJump(OpCode::kJumpIn, jump, target);
  }

  std::string_view text_;
  const features::FeatureSpec* spec_;
  std::span<const ListDecl> lists_;
  Program* program_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  std::vector<Node> nodes_;
  size_t root_ = 0;
  Error error_{1, ""};
  std::vector<Op>* out_ = nullptr;
  bool constants_ok_ = true;
};

// ---------------------------------------------------------------------------------------
// Verification: the invariants of internal/rule_language.h.

struct StackEffect {
  int pop = 0;
  int push = 0;
  bool jumps = false;
  int jump_pop = 0;  // slots popped on the jump path
  bool ends = false;
};

StackEffect EffectOf(const Op& op) {
  switch (op.code) {
    case OpCode::kPushConst:
    case OpCode::kPushIntField:
    case OpCode::kPushRealField:
    case OpCode::kPushHour:
    case OpCode::kPushFeature:
    case OpCode::kPushModel:
    case OpCode::kPushStrField:
    case OpCode::kPushStrConst:
    case OpCode::kCmpFeatureConst:
    case OpCode::kCmpIntFieldConst:
    case OpCode::kCmpRealFieldConst:
    case OpCode::kCmpHourConst:
    case OpCode::kEnumIn:
      return {0, 1};
    case OpCode::kNeg:
    case OpCode::kAbs:
    case OpCode::kLog:
    case OpCode::kLog1p:
    case OpCode::kSqrt:
    case OpCode::kRound:
    case OpCode::kHourOfDay:
    case OpCode::kDayOfWeek:
    case OpCode::kNumInSet:
    case OpCode::kLower:
    case OpCode::kStrInSet:
    case OpCode::kInList:
    case OpCode::kIsMissing:
    case OpCode::kNot:
      return {1, 1};
    case OpCode::kAdd:
    case OpCode::kSub:
    case OpCode::kMul:
    case OpCode::kDiv:
    case OpCode::kMin:
    case OpCode::kMax:
    case OpCode::kCmp:
    case OpCode::kStrEq:
    case OpCode::kStartsWith:
    case OpCode::kEndsWith:
    case OpCode::kContains:
    case OpCode::kAnd:
    case OpCode::kOr:
      return {2, 1};
    case OpCode::kDistance:
      return {4, 1};
    case OpCode::kJumpIfKeep:
      return {1, 0, true, 0};
    case OpCode::kJumpIfFalseKeep:
    case OpCode::kJumpIfTrueKeep:
      return {1, 1, true, 0};
    case OpCode::kJumpIn:
      return {1, 0, true, 1};
    case OpCode::kJumpCmpFeatureConst:
    case OpCode::kJumpCmpIntFieldConst:
    case OpCode::kJumpCmpRealFieldConst:
    case OpCode::kJumpCmpHourConst:
    case OpCode::kJumpEnumIn:
    case OpCode::kJumpInList:
      return {0, 0, true, 0};
    case OpCode::kFire:
      return {0, 0};
    case OpCode::kReturn:
      return {1, 0, false, 0, true};
    case OpCode::kEnd:
      return {0, 0, false, 0, true};
  }
  return {0, 0, false, 0, true};
}

// Checks ops[begin, end) as one program that starts with an empty stack and never grows it
// past kMaxStack (the evaluator's fixed stack).
Status Verify(const Program& program, const std::vector<Op>& ops, size_t begin, size_t end,
              bool fire) {
  auto bug = [](size_t pc, const std::string& what) {
    return Status::Internal("rule compiler produced a bad program at op " + std::to_string(pc) +
                            ": " + what);
  };
  std::vector<int> depth_at(end - begin + 1, -1);
  int depth = 0;
  bool reachable = true;
  for (size_t pc = begin; pc < end; ++pc) {
    const int recorded = depth_at[pc - begin];
    if (recorded >= 0) {
      if (reachable && recorded != depth) return bug(pc, "stack depths differ at a jump target");
      depth = recorded;
      reachable = true;
    }
    if (!reachable) return bug(pc, "unreachable op");
    const Op& op = ops[pc];
    const StackEffect effect = EffectOf(op);
    if (depth < effect.pop) return bug(pc, "stack underflow");
    switch (op.code) {
      case OpCode::kPushStrConst:
        if (op.index >= program.strings.size()) return bug(pc, "no such string");
        break;
      case OpCode::kNumInSet:
        if (op.index >= program.number_sets.size()) return bug(pc, "no such set");
        break;
      case OpCode::kStrInSet:
        if (op.index >= program.string_sets.size()) return bug(pc, "no such set");
        break;
      case OpCode::kPushIntField:
      case OpCode::kPushRealField:
      case OpCode::kPushStrField:
      case OpCode::kCmpIntFieldConst:
      case OpCode::kCmpRealFieldConst:
      case OpCode::kJumpCmpIntFieldConst:
      case OpCode::kJumpCmpRealFieldConst:
      case OpCode::kEnumIn:
      case OpCode::kJumpEnumIn:
        if (op.index >= SchemaFor(EventKind::kTransaction).fields.size()) {
          return bug(pc, "no such field");
        }
        break;
      case OpCode::kJumpInList:
        if (op.k >= SchemaFor(EventKind::kTransaction).fields.size() ||
            StorageOf(TxField(static_cast<int>(op.k)).type) != StorageClass::kString) {
          return bug(pc, "no such string field");
        }
        break;
      case OpCode::kFire:
        if (!fire || depth != 0) return bug(pc, "fire with a non-empty stack");
        break;
      case OpCode::kReturn:
        if (fire || depth != 1) return bug(pc, "return without exactly one value");
        break;
      case OpCode::kEnd:
        if (!fire || depth != 0) return bug(pc, "end with a non-empty stack");
        break;
      default:
        break;
    }
    if (effect.jumps) {
      if (op.target <= pc || op.target > end) return bug(pc, "jump not forward or out of range");
      const int at_target = depth - effect.jump_pop;
      int& slot = depth_at[op.target - begin];
      if (slot >= 0 && slot != at_target) return bug(pc, "stack depths differ at a jump target");
      slot = at_target;
    }
    depth = depth - effect.pop + effect.push;
    if (static_cast<size_t>(depth) > kMaxStack) return bug(pc, "stack deeper than the maximum");
    if (effect.ends) reachable = false;
  }
  if (reachable || depth_at[end - begin] >= 0) return bug(end, "program does not end");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------
// Evaluation

// One stack slot: a number, or a string view (`present` false for a missing string).
struct Slot {
  double num;
  const char* str;
  uint32_t len;
  bool present;
  bool lowered;  // compare with ASCII letters folded to lower case
};

bool Jumps(uint8_t flags, int cls) { return ((flags >> kJumpShift) >> cls & 1) != 0; }

// Integer microseconds of a time value; false when missing or out of the int64 range.
bool AsMicros(double v, int64_t* micros) {
  if (!(v >= -9.0e18 && v <= 9.0e18)) return false;
  *micros = static_cast<int64_t>(std::floor(v));
  return true;
}
double HourOf(double ts) {
  int64_t micros = 0;
  if (!AsMicros(ts, &micros)) return kMissing;
  return static_cast<double>(HourOfDay(micros));
}
double DayOfWeekOf(double ts) {
  int64_t micros = 0;
  if (!AsMicros(ts, &micros)) return kMissing;
  return static_cast<double>(DayOfWeek(micros));
}
double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  if (IsMissing(lat1) || IsMissing(lon1) || IsMissing(lat2) || IsMissing(lon2)) return kMissing;
  constexpr double kRadians = std::numbers::pi / 180.0;
  const double dlat = (lat2 - lat1) * kRadians;
  const double dlon = (lon2 - lon1) * kRadians;
  const double s1 = std::sin(dlat / 2);
  const double s2 = std::sin(dlon / 2);
  const double a = s1 * s1 + std::cos(lat1 * kRadians) * std::cos(lat2 * kRadians) * s2 * s2;
  if (IsMissing(a)) return kMissing;  // infinite inputs
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(std::clamp(a, 0.0, 1.0)));
}

char CharOf(const Slot& s, size_t i) { return s.lowered ? FoldAscii(s.str[i]) : s.str[i]; }
// Does s[at, at + p.len) equal p, folding the lowered side(s)?
bool MatchAt(const Slot& s, size_t at, const Slot& p) {
  if (!s.lowered && !p.lowered) return std::memcmp(s.str + at, p.str, p.len) == 0;
  for (size_t i = 0; i < p.len; ++i) {
    if (CharOf(s, at + i) != CharOf(p, i)) return false;
  }
  return true;
}
double StrEqual(const Slot& a, const Slot& b) {
  if (!a.present || !b.present) return kMissing;
  return Bool(a.len == b.len && (a.len == 0 || MatchAt(a, 0, b)));
}
double StartsWith(const Slot& s, const Slot& p) {
  if (!s.present || !p.present) return kMissing;
  return Bool(p.len <= s.len && (p.len == 0 || MatchAt(s, 0, p)));
}
double EndsWith(const Slot& s, const Slot& p) {
  if (!s.present || !p.present) return kMissing;
  return Bool(p.len <= s.len && (p.len == 0 || MatchAt(s, s.len - p.len, p)));
}
double Contains(const Slot& s, const Slot& p) {
  if (!s.present || !p.present) return kMissing;
  if (p.len > s.len) return 0.0;
  if (!s.lowered && !p.lowered) {
    return Bool(std::string_view(s.str, s.len).find(std::string_view(p.str, p.len)) !=
                std::string_view::npos);
  }
  for (size_t at = 0; at + p.len <= s.len; ++at) {
    if (MatchAt(s, at, p)) return 1.0;
  }
  return 0.0;
}
double InStringSet(const Slot& s, const std::vector<std::string>& set) {
  if (!s.present) return kMissing;
  const std::string_view value(s.str, s.len);
  if (!s.lowered) {
    auto it = std::lower_bound(set.begin(), set.end(), value,
                               [](const std::string& a, std::string_view b) { return a < b; });
    return Bool(it != set.end() && *it == value);
  }
  for (const std::string& candidate : set) {
    if (candidate.size() != s.len) continue;
    bool equal = true;
    for (size_t i = 0; i < s.len && equal; ++i) equal = FoldAscii(s.str[i]) == candidate[i];
    if (equal) return 1.0;
  }
  return 0.0;
}
double InNumberSet(double v, const std::vector<double>& set) {
  if (IsMissing(v)) return kMissing;
  return Bool(std::binary_search(set.begin(), set.end(), v));
}
double Negated(double v, uint8_t flags) {
  return (flags & kNegate) != 0 && !IsMissing(v) ? 1.0 - v : v;
}
double EnumIn(const Event& e, int field, uint64_t bits, uint8_t flags) {
  if (!e.has(field)) return kMissing;
  const int64_t value = e.num(field);
  const bool in = value >= 0 && value < 64 && ((bits >> value) & 1) != 0;
  return Bool(in != ((flags & kNegate) != 0));
}

const Event& EmptyEvent() {
  static const Event kEmpty(EventKind::kTransaction);
  return kEmpty;
}

// Runs ops from `pc` to a kReturn (its value) or kEnd (NaN). Writes fired rules to `fired`.
double Run(const Program& program, const Op* ops, size_t pc, const RuleInput& input,
           std::span<uint16_t> fired, size_t* fired_count) {
  const Event& e = input.event != nullptr && input.event->kind() == EventKind::kTransaction
                       ? *input.event
                       : EmptyEvent();
  const double* features = input.features.data();
  const size_t feature_count = input.features.size();
  auto feature = [&](size_t i) { return i < feature_count ? features[i] : kMissing; };
  auto int_field = [&](int f) { return e.has(f) ? static_cast<double>(e.num(f)) : kMissing; };
  auto real_field = [&](int f) { return e.has(f) ? e.real(f) : kMissing; };

  std::array<Slot, kMaxStack> stack;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  size_t top = 0;                     // slots in use
  auto push = [&](double v) { stack[top++].num = v; };
  while (true) {
    const Op& op = ops[pc++];
    switch (op.code) {
      case OpCode::kPushConst:
        push(op.number());
        break;
      case OpCode::kPushIntField:
        push(int_field(op.index));
        break;
      case OpCode::kPushRealField:
        push(real_field(op.index));
        break;
      case OpCode::kPushHour:
        push(HourOf(int_field(tx::kTs)));
        break;
      case OpCode::kPushFeature:
        push(feature(op.index));
        break;
      case OpCode::kPushModel:
        push(input.model_score);
        break;
      case OpCode::kPushStrField: {
        Slot& s = stack[top++];
        s.present = e.has(op.index);
        s.lowered = false;
        if (s.present) {
          const std::string_view v = e.str(op.index);
          s.str = v.data();
          s.len = static_cast<uint32_t>(v.size());
        } else {
          s.str = nullptr;
          s.len = 0;
        }
        break;
      }
      case OpCode::kPushStrConst: {
        const std::string& v = program.strings[op.index];
        stack[top++] = Slot{0, v.data(), static_cast<uint32_t>(v.size()), true, false};
        break;
      }
      case OpCode::kCmpFeatureConst:
        push(FusedCompare(feature(op.index), op.number(), op.flags));
        break;
      case OpCode::kCmpIntFieldConst:
        push(FusedCompare(int_field(op.index), op.number(), op.flags));
        break;
      case OpCode::kCmpRealFieldConst:
        push(FusedCompare(real_field(op.index), op.number(), op.flags));
        break;
      case OpCode::kCmpHourConst:
        push(FusedCompare(HourOf(int_field(tx::kTs)), op.number(), op.flags));
        break;
      case OpCode::kEnumIn:
        push(EnumIn(e, op.index, op.k, op.flags));
        break;
      case OpCode::kNeg:
        stack[top - 1].num = -stack[top - 1].num;
        break;
      case OpCode::kAbs:
        stack[top - 1].num = std::fabs(stack[top - 1].num);
        break;
      case OpCode::kLog: {
        double& a = stack[top - 1].num;
        a = a > 0 ? std::log(a) : kMissing;
        break;
      }
      case OpCode::kLog1p: {
        double& a = stack[top - 1].num;
        a = a > -1 ? std::log1p(a) : kMissing;
        break;
      }
      case OpCode::kSqrt: {
        double& a = stack[top - 1].num;
        a = a >= 0 ? std::sqrt(a) : kMissing;
        break;
      }
      case OpCode::kRound:
        stack[top - 1].num = std::round(stack[top - 1].num);
        break;
      case OpCode::kHourOfDay:
        stack[top - 1].num = HourOf(stack[top - 1].num);
        break;
      case OpCode::kDayOfWeek:
        stack[top - 1].num = DayOfWeekOf(stack[top - 1].num);
        break;
      case OpCode::kAdd:
        --top;
        stack[top - 1].num += stack[top].num;
        break;
      case OpCode::kSub:
        --top;
        stack[top - 1].num -= stack[top].num;
        break;
      case OpCode::kMul:
        --top;
        stack[top - 1].num *= stack[top].num;
        break;
      case OpCode::kDiv: {
        --top;
        double& a = stack[top - 1].num;
        const double b = stack[top].num;
        a = b == 0 ? kMissing : a / b;
        break;
      }
      case OpCode::kMin:
      case OpCode::kMax: {
        --top;
        double& a = stack[top - 1].num;
        const double b = stack[top].num;
        if (IsMissing(a) || IsMissing(b)) {
          a = kMissing;
        } else {
          a = op.code == OpCode::kMin ? std::min(a, b) : std::max(a, b);
        }
        break;
      }
      case OpCode::kDistance:
        top -= 3;
        stack[top - 1].num =
            DistanceKm(stack[top - 1].num, stack[top].num, stack[top + 1].num, stack[top + 2].num);
        break;
      case OpCode::kCmp:
        --top;
        stack[top - 1].num = Compare(stack[top - 1].num, stack[top].num, op.flags);
        break;
      case OpCode::kNumInSet:
        stack[top - 1].num =
            Negated(InNumberSet(stack[top - 1].num, program.number_sets[op.index]), op.flags);
        break;
      case OpCode::kLower:
        stack[top - 1].lowered = true;
        break;
      case OpCode::kStrEq:
        --top;
        stack[top - 1].num = Negated(StrEqual(stack[top - 1], stack[top]), op.flags);
        break;
      case OpCode::kStartsWith:
        --top;
        stack[top - 1].num = StartsWith(stack[top - 1], stack[top]);
        break;
      case OpCode::kEndsWith:
        --top;
        stack[top - 1].num = EndsWith(stack[top - 1], stack[top]);
        break;
      case OpCode::kContains:
        --top;
        stack[top - 1].num = Contains(stack[top - 1], stack[top]);
        break;
      case OpCode::kStrInSet:
        stack[top - 1].num =
            Negated(InStringSet(stack[top - 1], program.string_sets[op.index]), op.flags);
        break;
      case OpCode::kInList: {
        Slot& s = stack[top - 1];
        double in = kMissing;
        if (s.present && input.lists != nullptr && op.index < input.lists->size()) {
          in = Bool(input.lists->Contains(op.index, std::string_view(s.str, s.len)));
        }
        s.num = Negated(in, op.flags);
        break;
      }
      case OpCode::kIsMissing: {
        Slot& s = stack[top - 1];
        const bool missing = (op.flags & kString) != 0 ? !s.present : IsMissing(s.num);
        s.num = Bool(missing != ((op.flags & kNegate) != 0));
        break;
      }
      case OpCode::kJumpIfKeep: {
        const Slot& s = stack[top - 1];
        if ((op.flags & kString) != 0 ? s.present : !IsMissing(s.num)) {
          pc = op.target;
        } else {
          --top;
        }
        break;
      }
      case OpCode::kNot: {
        double& a = stack[top - 1].num;
        a = IsMissing(a) ? a : 1.0 - a;
        break;
      }
      case OpCode::kAnd: {
        --top;
        double& a = stack[top - 1].num;
        const double b = stack[top].num;
        a = (a == 0 || b == 0) ? 0.0 : (IsMissing(a) || IsMissing(b) ? kMissing : 1.0);
        break;
      }
      case OpCode::kOr: {
        --top;
        double& a = stack[top - 1].num;
        const double b = stack[top].num;
        a = (a == 1 || b == 1) ? 1.0 : (IsMissing(a) || IsMissing(b) ? kMissing : 0.0);
        break;
      }
      case OpCode::kJumpIfFalseKeep:
        if (stack[top - 1].num == 0) pc = op.target;
        break;
      case OpCode::kJumpIfTrueKeep:
        if (stack[top - 1].num == 1) pc = op.target;
        break;
      case OpCode::kJumpIn:
        if (Jumps(op.flags, ClassOf(stack[--top].num))) pc = op.target;
        break;
      case OpCode::kJumpCmpFeatureConst:
        if (Jumps(op.flags, FusedCompareClass(feature(op.index), op.number(), op.flags))) {
          pc = op.target;
        }
        break;
      case OpCode::kJumpCmpIntFieldConst:
        if (Jumps(op.flags, FusedCompareClass(int_field(op.index), op.number(), op.flags))) {
          pc = op.target;
        }
        break;
      case OpCode::kJumpCmpRealFieldConst:
        if (Jumps(op.flags, FusedCompareClass(real_field(op.index), op.number(), op.flags))) {
          pc = op.target;
        }
        break;
      case OpCode::kJumpCmpHourConst:
        if (Jumps(op.flags, FusedCompareClass(HourOf(int_field(tx::kTs)), op.number(), op.flags))) {
          pc = op.target;
        }
        break;
      case OpCode::kJumpInList: {
        const int field = static_cast<int>(op.k);
        double in = kMissing;
        if (e.has(field) && input.lists != nullptr && op.index < input.lists->size()) {
          in = Negated(Bool(input.lists->Contains(op.index, e.str(field))), op.flags);
        }
        if (Jumps(op.flags, ClassOf(in))) pc = op.target;
        break;
      }
      case OpCode::kJumpEnumIn:
        if (Jumps(op.flags, ClassOf(EnumIn(e, op.index, op.k, op.flags)))) pc = op.target;
        break;
      case OpCode::kFire:
        if (*fired_count < fired.size()) fired[(*fired_count)++] = op.index;
        break;
      case OpCode::kReturn:
        return stack[top - 1].num;
      case OpCode::kEnd:
        return kMissing;
    }
  }
}

}  // namespace

Compiler::Compiler(const features::FeatureSpec* spec, std::span<const ListDecl> lists)
    : spec_(spec), lists_(lists) {}

Status Compiler::Add(std::string_view text, bool enabled, size_t* error_column) {
  Condition condition(text, spec_, lists_, &program_);
  Error error{1, ""};
  if (!condition.Parse(&error)) {
    *error_column = error.column;
    return Status::InvalidArgument(error.reason);
  }
  const size_t rule = program_.value_start.size();
  if (enabled) condition.EmitFire(rule);
  program_.value_start.push_back(static_cast<uint32_t>(program_.value.size()));
  condition.EmitValueProgram();
  *error_column = 1;
  if (!condition.constants_ok()) {
    return Status::InvalidArgument("the rule set holds more than " + std::to_string(kMaxConstants) +
                                   " strings or value lists");
  }
  if (program_.fire.size() > kMaxOps || program_.value.size() > kMaxOps) {
    return Status::InvalidArgument("the rule set's conditions are too large");
  }
  return Status::Ok();
}

Result<Program> Compiler::Finish() {
  program_.fire.push_back(Op{OpCode::kEnd});
  PANO_RETURN_IF_ERROR(Verify(program_, program_.fire, 0, program_.fire.size(), true));
  for (size_t r = 0; r < program_.value_start.size(); ++r) {
    const size_t end =
        r + 1 < program_.value_start.size() ? program_.value_start[r + 1] : program_.value.size();
    PANO_RETURN_IF_ERROR(Verify(program_, program_.value, program_.value_start[r], end, false));
  }
  return std::move(program_);
}

size_t RunFire(const Program& program, const RuleInput& input, std::span<uint16_t> fired) {
  size_t count = 0;
  Run(program, program.fire.data(), 0, input, fired, &count);
  return count;
}

double RunValue(const Program& program, size_t rule, const RuleInput& input) {
  if (rule >= program.value_start.size()) return kMissing;
  size_t count = 0;
  return Run(program, program.value.data(), program.value_start[rule], input, {}, &count);
}

}  // namespace panorama::decide::internal
