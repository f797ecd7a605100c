#include "features/internal/expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "core/schema.h"
#include "features/internal/event_values.h"

namespace panorama::features {
namespace {

constexpr size_t kMaxDepth = 64;
constexpr size_t kMaxOps = 1024;
constexpr size_t kMaxTextBytes = size_t{64} * 1024;
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

enum class TokenType : uint8_t { kEnd, kNumber, kString, kIdent, kOp, kLParen, kRParen, kComma };

struct Token {
  TokenType type = TokenType::kEnd;
  std::string_view text;
  size_t column = 1;  // 1-based
  double number = 0;
};

// An operand on the parser's type stack: what a sub-expression is, so that comparisons of
// categorical fields with symbols can be compiled to hash tests.
struct Operand {
  enum Kind : uint8_t { kValue, kCategorical, kSymbol } kind = kValue;
  int field = -1;         // kCategorical: the field, whose kField op is the last one emitted
  std::string_view text;  // kSymbol: the symbol or string literal (nothing emitted yet)
  size_t column = 1;
};

class Parser {
 public:
  Parser(std::string_view text, Expression::Mode mode, Expression::FeatureResolver resolver,
         const void* context, std::vector<Expression::Op>* ops, std::vector<int>* refs)
      : text_(text), mode_(mode), resolver_(resolver), context_(context), ops_(ops), refs_(refs) {}

  Status Parse() {
    if (text_.size() > kMaxTextBytes) {
      return Error(1, "expression longer than " + std::to_string(kMaxTextBytes) + " bytes");
    }
    PANO_RETURN_IF_ERROR(Advance());
    if (token_.type == TokenType::kEnd) return Error(token_.column, "empty expression");
    Operand result;
    PANO_RETURN_IF_ERROR(ParseOr(&result));
    PANO_RETURN_IF_ERROR(AsValue(&result));
    if (token_.type != TokenType::kEnd) {
      return Error(token_.column, "unexpected '" + std::string(token_.text) + "'");
    }
    if (ops_->size() > kMaxOps) return Error(1, "expression too long");
    return Status::Ok();
  }

 private:
  static Status Error(size_t column, const std::string& reason) {
    return Status::InvalidArgument("col " + std::to_string(column) + ": " + reason);
  }

  Status Advance() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    token_ = Token{};
    token_.column = pos_ + 1;
    if (pos_ >= text_.size()) return Status::Ok();
    char c = text_[pos_];
    size_t start = pos_;
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
              ((text_[pos_] == '+' || text_[pos_] == '-') &&
               (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
        ++pos_;
      }
      token_.type = TokenType::kNumber;
      token_.text = text_.substr(start, pos_ - start);
      auto [end, ec] = std::from_chars(token_.text.data(), token_.text.data() + token_.text.size(),
                                       token_.number);
      if (ec != std::errc() || end != token_.text.data() + token_.text.size() ||
          !std::isfinite(token_.number)) {
        return Error(token_.column, "bad number '" + std::string(token_.text) + "'");
      }
      return Status::Ok();
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) {
        ++pos_;
      }
      token_.type = TokenType::kIdent;
      token_.text = text_.substr(start, pos_ - start);
      return Status::Ok();
    }
    if (c == '"' || c == '\'') {
      size_t close = text_.find(c, pos_ + 1);
      if (close == std::string_view::npos) return Error(token_.column, "unterminated string");
      token_.type = TokenType::kString;
      token_.text = text_.substr(pos_ + 1, close - pos_ - 1);
      pos_ = close + 1;
      return Status::Ok();
    }
    ++pos_;
    switch (c) {
      case '(':
        token_.type = TokenType::kLParen;
        break;
      case ')':
        token_.type = TokenType::kRParen;
        break;
      case ',':
        token_.type = TokenType::kComma;
        break;
      case '+':
      case '-':
      case '*':
      case '/':
        token_.type = TokenType::kOp;
        break;
      case '<':
      case '>':
      case '=':
      case '!':
        if (pos_ < text_.size() && text_[pos_] == '=') ++pos_;
        token_.type = TokenType::kOp;
        if (text_.substr(start, pos_ - start) == "=" || text_.substr(start, pos_ - start) == "!") {
          return Error(token_.column, "unknown operator '" +
                                          std::string(text_.substr(start, pos_ - start)) +
                                          "' (use == or !=)");
        }
        break;
      default:
        return Error(token_.column, std::string("unexpected character '") + c + "'");
    }
    token_.text = text_.substr(start, pos_ - start);
    return Status::Ok();
  }

  bool IsKeyword(std::string_view word) const {
    return token_.type == TokenType::kIdent && token_.text == word;
  }
  bool IsOp(std::string_view op) const {
    return token_.type == TokenType::kOp && token_.text == op;
  }

  void Emit(Expression::OpCode code, int index = 0, double value = 0, uint64_t hash = 0) {
    ops_->push_back({code, index, value, hash});
  }

  // Turns an operand into a numeric value on the evaluation stack.
  Status AsValue(Operand* operand) {
    if (operand->kind == Operand::kSymbol) {
      return Error(operand->column, "unknown name '" + std::string(operand->text) + "'" +
                                        (mode_ == Expression::Mode::kDerived
                                             ? " (not a numeric field or an earlier feature)"
                                             : " (not a numeric field)"));
    }
    if (operand->kind == Operand::kCategorical) {
      const FieldSpec& spec = SchemaFor(EventKind::kTransaction).fields[operand->field];
      if (StorageOf(spec.type) == StorageClass::kString || spec.type == FieldType::kCurrency) {
        return Error(operand->column, "field '" + std::string(spec.name) +
                                          "' is not numeric: compare it with == or != or "
                                          "test it with present()");
      }
    }
    operand->kind = Operand::kValue;
    return Status::Ok();
  }

  Status ParseOr(Operand* out) {
    PANO_RETURN_IF_ERROR(ParseAnd(out));
    while (IsKeyword("or")) {
      PANO_RETURN_IF_ERROR(AsValue(out));
      PANO_RETURN_IF_ERROR(Advance());
      Operand right;
      PANO_RETURN_IF_ERROR(ParseAnd(&right));
      PANO_RETURN_IF_ERROR(AsValue(&right));
      Emit(Expression::OpCode::kOr);
    }
    return Status::Ok();
  }

  Status ParseAnd(Operand* out) {
    PANO_RETURN_IF_ERROR(ParseNot(out));
    while (IsKeyword("and")) {
      PANO_RETURN_IF_ERROR(AsValue(out));
      PANO_RETURN_IF_ERROR(Advance());
      Operand right;
      PANO_RETURN_IF_ERROR(ParseNot(&right));
      PANO_RETURN_IF_ERROR(AsValue(&right));
      Emit(Expression::OpCode::kAnd);
    }
    return Status::Ok();
  }

  Status ParseNot(Operand* out) {
    if (IsKeyword("not")) {
      if (++depth_ > kMaxDepth) return Error(token_.column, "expression nested too deeply");
      PANO_RETURN_IF_ERROR(Advance());
      PANO_RETURN_IF_ERROR(ParseNot(out));
      PANO_RETURN_IF_ERROR(AsValue(out));
      Emit(Expression::OpCode::kNot);
      --depth_;
      return Status::Ok();
    }
    return ParseComparison(out);
  }

  // A symbol or literal compared with a categorical field becomes a hash test.
  Status EmitCategoricalTest(const Operand& field, const Operand& symbol, bool equal) {
    // The kField op of the categorical operand was emitted last; replace it.
    ops_->pop_back();
    auto hash = internal::HashOfText(field.field, symbol.text);
    if (!hash.ok()) return Error(symbol.column, hash.status().message());
    Emit(Expression::OpCode::kStrEq, field.field, 0, *hash);
    if (!equal) Emit(Expression::OpCode::kNot);
    return Status::Ok();
  }

  Status ParseComparison(Operand* out) {
    PANO_RETURN_IF_ERROR(ParseSum(out));
    if (IsKeyword("in")) {
      if (out->kind != Operand::kCategorical) {
        return Error(token_.column, "'in' needs a categorical field on its left");
      }
      Operand field = *out;
      PANO_RETURN_IF_ERROR(Advance());
      if (token_.type != TokenType::kLParen) return Error(token_.column, "expected '(' after 'in'");
      size_t values = 0;
      do {
        PANO_RETURN_IF_ERROR(Advance());
        if (token_.type != TokenType::kIdent && token_.type != TokenType::kString &&
            token_.type != TokenType::kNumber) {
          return Error(token_.column, "expected a value in the 'in' list");
        }
        Operand symbol{Operand::kSymbol, -1, token_.text, token_.column};
        if (values > 0) Emit(Expression::OpCode::kField, field.field);
        PANO_RETURN_IF_ERROR(EmitCategoricalTest(field, symbol, true));
        if (values > 0) Emit(Expression::OpCode::kOr);
        ++values;
        PANO_RETURN_IF_ERROR(Advance());
      } while (token_.type == TokenType::kComma);
      if (token_.type != TokenType::kRParen) return Error(token_.column, "expected ')'");
      PANO_RETURN_IF_ERROR(Advance());
      out->kind = Operand::kValue;
      return Status::Ok();
    }
    if (token_.type != TokenType::kOp) return Status::Ok();
    static constexpr std::pair<std::string_view, Expression::OpCode> kComparisons[] = {
        {"==", Expression::OpCode::kEq}, {"!=", Expression::OpCode::kNe},
        {"<", Expression::OpCode::kLt},  {"<=", Expression::OpCode::kLe},
        {">", Expression::OpCode::kGt},  {">=", Expression::OpCode::kGe}};
    const auto* found = std::find_if(std::begin(kComparisons), std::end(kComparisons),
                                     [&](const auto& entry) { return entry.first == token_.text; });
    if (found == std::end(kComparisons)) return Status::Ok();
    Expression::OpCode code = found->second;
    size_t op_column = token_.column;
    PANO_RETURN_IF_ERROR(Advance());
    Operand right;
    PANO_RETURN_IF_ERROR(ParseSum(&right));
    bool equality = code == Expression::OpCode::kEq || code == Expression::OpCode::kNe;
    if (out->kind == Operand::kCategorical && right.kind == Operand::kSymbol) {
      if (!equality) return Error(op_column, "a categorical field takes only == and !=");
      PANO_RETURN_IF_ERROR(EmitCategoricalTest(*out, right, code == Expression::OpCode::kEq));
      out->kind = Operand::kValue;
      return Status::Ok();
    }
    if (out->kind == Operand::kSymbol && right.kind == Operand::kCategorical) {
      if (!equality) return Error(op_column, "a categorical field takes only == and !=");
      PANO_RETURN_IF_ERROR(EmitCategoricalTest(right, *out, code == Expression::OpCode::kEq));
      out->kind = Operand::kValue;
      return Status::Ok();
    }
    PANO_RETURN_IF_ERROR(AsValue(out));
    PANO_RETURN_IF_ERROR(AsValue(&right));
    Emit(code);
    out->kind = Operand::kValue;
    return Status::Ok();
  }

  Status ParseSum(Operand* out) {
    PANO_RETURN_IF_ERROR(ParseProduct(out));
    while (IsOp("+") || IsOp("-")) {
      Expression::OpCode code = IsOp("+") ? Expression::OpCode::kAdd : Expression::OpCode::kSub;
      PANO_RETURN_IF_ERROR(AsValue(out));
      PANO_RETURN_IF_ERROR(Advance());
      Operand right;
      PANO_RETURN_IF_ERROR(ParseProduct(&right));
      PANO_RETURN_IF_ERROR(AsValue(&right));
      Emit(code);
    }
    return Status::Ok();
  }

  Status ParseProduct(Operand* out) {
    PANO_RETURN_IF_ERROR(ParseUnary(out));
    while (IsOp("*") || IsOp("/")) {
      Expression::OpCode code = IsOp("*") ? Expression::OpCode::kMul : Expression::OpCode::kDiv;
      PANO_RETURN_IF_ERROR(AsValue(out));
      PANO_RETURN_IF_ERROR(Advance());
      Operand right;
      PANO_RETURN_IF_ERROR(ParseUnary(&right));
      PANO_RETURN_IF_ERROR(AsValue(&right));
      Emit(code);
    }
    return Status::Ok();
  }

  Status ParseUnary(Operand* out) {
    if (IsOp("-")) {
      if (++depth_ > kMaxDepth) return Error(token_.column, "expression nested too deeply");
      PANO_RETURN_IF_ERROR(Advance());
      PANO_RETURN_IF_ERROR(ParseUnary(out));
      PANO_RETURN_IF_ERROR(AsValue(out));
      Emit(Expression::OpCode::kNeg);
      --depth_;
      return Status::Ok();
    }
    return ParseAtom(out);
  }

  Status ParseFunction(std::string_view name, size_t column, Operand* out) {
    static constexpr std::pair<std::string_view, Expression::OpCode> kUnary[] = {
        {"abs", Expression::OpCode::kAbs},
        {"log", Expression::OpCode::kLog},
        {"log1p", Expression::OpCode::kLog1p},
        {"sqrt", Expression::OpCode::kSqrt}};
    static constexpr std::pair<std::string_view, Expression::OpCode> kBinary[] = {
        {"min", Expression::OpCode::kMin},
        {"max", Expression::OpCode::kMax},
        {"coalesce", Expression::OpCode::kCoalesce}};
    PANO_RETURN_IF_ERROR(Advance());  // past '('
    if (name == "present") {
      if (token_.type != TokenType::kIdent) return Error(token_.column, "present() takes a field");
      int field = internal::TransactionField(token_.text);
      if (field < 0 || field == kHourField) {
        return Error(token_.column, "unknown field '" + std::string(token_.text) + "'");
      }
      Emit(Expression::OpCode::kPresent, field);
      PANO_RETURN_IF_ERROR(Advance());
      if (token_.type != TokenType::kRParen) return Error(token_.column, "expected ')'");
      out->kind = Operand::kValue;
      return Advance();
    }
    int arity = 0;
    Expression::OpCode code{};
    for (const auto& [fname, fcode] : kUnary) {
      if (fname == name) arity = 1, code = fcode;
    }
    for (const auto& [fname, fcode] : kBinary) {
      if (fname == name) arity = 2, code = fcode;
    }
    if (arity == 0) {
      return Error(column, "unknown function '" + std::string(name) +
                               "' (abs, log, log1p, sqrt, min, max, coalesce, present)");
    }
    for (int i = 0; i < arity; ++i) {
      if (i > 0) {
        if (token_.type != TokenType::kComma) {
          return Error(token_.column, std::string(name) + "() takes 2 arguments");
        }
        PANO_RETURN_IF_ERROR(Advance());
      }
      Operand argument;
      PANO_RETURN_IF_ERROR(ParseOr(&argument));
      PANO_RETURN_IF_ERROR(AsValue(&argument));
    }
    if (token_.type != TokenType::kRParen) {
      return Error(token_.column, std::string(name) + "() takes " + std::to_string(arity) +
                                      (arity == 1 ? " argument" : " arguments"));
    }
    Emit(code);
    out->kind = Operand::kValue;
    return Advance();
  }

  Status ParseAtom(Operand* out) {
    if (++depth_ > kMaxDepth) return Error(token_.column, "expression nested too deeply");
    Token token = token_;
    switch (token.type) {
      case TokenType::kNumber:
        Emit(Expression::OpCode::kConst, 0, token.number);
        *out = Operand{};
        PANO_RETURN_IF_ERROR(Advance());
        break;
      case TokenType::kString:
        *out = Operand{Operand::kSymbol, -1, token.text, token.column};
        PANO_RETURN_IF_ERROR(Advance());
        break;
      case TokenType::kLParen: {
        PANO_RETURN_IF_ERROR(Advance());
        PANO_RETURN_IF_ERROR(ParseOr(out));
        PANO_RETURN_IF_ERROR(AsValue(out));
        if (token_.type != TokenType::kRParen) return Error(token_.column, "expected ')'");
        PANO_RETURN_IF_ERROR(Advance());
        break;
      }
      case TokenType::kIdent: {
        PANO_RETURN_IF_ERROR(Advance());
        if (token_.type == TokenType::kLParen) {
          PANO_RETURN_IF_ERROR(ParseFunction(token.text, token.column, out));
          break;
        }
        if (token.text == "and" || token.text == "or" || token.text == "not" ||
            token.text == "in") {
          return Error(token.column, "unexpected '" + std::string(token.text) + "'");
        }
        int field = internal::TransactionField(token.text);
        if (field >= 0) {
          Emit(Expression::OpCode::kField, field);
          bool categorical =
              field != kHourField && field != tx::kAmount && field != tx::kLat && field != tx::kLon;
          if (categorical) {
            *out = Operand{Operand::kCategorical, field, token.text, token.column};
          } else {
            *out = Operand{};
          }
          break;
        }
        if (mode_ == Expression::Mode::kDerived && resolver_ != nullptr) {
          int feature = resolver_(context_, token.text);
          if (feature >= 0) {
            Emit(Expression::OpCode::kFeature, feature);
            refs_->push_back(feature);
            *out = Operand{};
            break;
          }
        }
        *out = Operand{Operand::kSymbol, -1, token.text, token.column};
        break;
      }
      case TokenType::kEnd:
        return Error(token.column, "unexpected end of expression");
      default:
        return Error(token.column, "unexpected '" + std::string(token.text) + "'");
    }
    --depth_;
    return Status::Ok();
  }

  std::string_view text_;
  Expression::Mode mode_;
  Expression::FeatureResolver resolver_;
  const void* context_;
  std::vector<Expression::Op>* ops_;
  std::vector<int>* refs_;
  size_t pos_ = 0;
  size_t depth_ = 0;
  Token token_;
};

bool Missing(double v) { return v != v; }

}  // namespace

Result<std::shared_ptr<const Expression>> Expression::Compile(std::string_view text, Mode mode,
                                                              FeatureResolver resolver,
                                                              const void* context) {
  auto expression = std::shared_ptr<Expression>(new Expression());
  Parser parser(text, mode, resolver, context, &expression->ops_, &expression->feature_refs_);
  PANO_RETURN_IF_ERROR(parser.Parse());
  // The evaluation stack depth, checked once here so Evaluate() needs no bounds checks.
  size_t depth = 0;
  for (const Op& op : expression->ops_) {
    switch (op.code) {
      case OpCode::kConst:
      case OpCode::kField:
      case OpCode::kFeature:
      case OpCode::kStrEq:
      case OpCode::kPresent:
        ++depth;
        break;
      case OpCode::kNeg:
      case OpCode::kNot:
      case OpCode::kAbs:
      case OpCode::kLog:
      case OpCode::kLog1p:
      case OpCode::kSqrt:
        break;
      default:
        --depth;
        break;
    }
    expression->max_depth_ = std::max(expression->max_depth_, depth);
  }
  if (expression->max_depth_ > kMaxDepth) {
    return Status::InvalidArgument("col 1: expression too deep");
  }
  return std::shared_ptr<const Expression>(std::move(expression));
}

std::vector<int> Expression::categorical_fields() const {
  std::vector<int> fields;
  for (const Op& op : ops_) {
    if (op.code == OpCode::kStrEq &&
        std::find(fields.begin(), fields.end(), op.index) == fields.end()) {
      fields.push_back(op.index);
    }
  }
  return fields;
}

std::optional<Expression::ValueTest> Expression::AsValueTest() const {
  ValueTest test;
  size_t n = ops_.size();
  if (n > 0 && ops_[n - 1].code == OpCode::kNot) {
    test.negated = true;
    --n;
  }
  size_t depth = 0;  // a postfix of kStrEq leaves and binary kOr is a disjunction of them
  for (size_t i = 0; i < n; ++i) {
    const Op& op = ops_[i];
    if (op.code == OpCode::kStrEq && (test.field < 0 || op.index == test.field)) {
      test.field = op.index;
      test.hashes.push_back(op.hash);
      ++depth;
    } else if (op.code == OpCode::kOr && depth >= 2) {
      --depth;
    } else {
      return std::nullopt;
    }
  }
  if (depth != 1) return std::nullopt;
  return test;
}

double Expression::Evaluate(const Event& event, const double* features,
                            const EventHashes* hashes) const {
  std::array<double, kMaxDepth + 1> stack;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  size_t top = 0;                           // number of values on the stack
  for (const Op& op : ops_) {
    switch (op.code) {
      case OpCode::kConst:
        stack[top++] = op.value;
        continue;
      case OpCode::kField: {
        int64_t value = 0;
        stack[top++] = internal::NumericValue(event, op.index, &value)
                           ? static_cast<double>(value) * internal::FieldScale(op.index)
                           : kMissing;
        continue;
      }
      case OpCode::kFeature:
        stack[top++] = features[op.index];
        continue;
      case OpCode::kStrEq: {
        uint64_t hash = 0;
        bool present = false;
        const int slot = hashes != nullptr ? hashes->slot[op.index] : -1;
        if (slot >= 0) {
          present = ((hashes->present >> slot) & 1U) != 0;
          hash = hashes->hashes[slot];
        } else {
          present = internal::CategoricalHash(event, op.index, &hash);
        }
        stack[top++] = present ? (hash == op.hash ? 1.0 : 0.0) : kMissing;
        continue;
      }
      case OpCode::kPresent:
        stack[top++] = event.has(op.index) ? 1.0 : 0.0;
        continue;
      default:
        break;
    }
    double& a = stack[top - 1];
    switch (op.code) {
      case OpCode::kNeg:
        a = -a;
        continue;
      case OpCode::kNot:
        a = Missing(a) ? a : (a == 0 ? 1.0 : 0.0);
        continue;
      case OpCode::kAbs:
        a = std::fabs(a);
        continue;
      case OpCode::kLog:
        a = a > 0 ? std::log(a) : kMissing;
        continue;
      case OpCode::kLog1p:
        a = a > -1 ? std::log1p(a) : kMissing;
        continue;
      case OpCode::kSqrt:
        a = a >= 0 ? std::sqrt(a) : kMissing;
        continue;
      default:
        break;
    }
    double b = stack[--top];
    double& l = stack[top - 1];
    bool missing = Missing(l) || Missing(b);
    switch (op.code) {
      case OpCode::kAdd:
        l = l + b;
        break;
      case OpCode::kSub:
        l = l - b;
        break;
      case OpCode::kMul:
        l = l * b;
        break;
      case OpCode::kDiv:
        l = (missing || b == 0) ? kMissing : l / b;
        break;
      case OpCode::kEq:
        l = missing ? kMissing : (l == b ? 1.0 : 0.0);
        break;
      case OpCode::kNe:
        l = missing ? kMissing : (l != b ? 1.0 : 0.0);
        break;
      case OpCode::kLt:
        l = missing ? kMissing : (l < b ? 1.0 : 0.0);
        break;
      case OpCode::kLe:
        l = missing ? kMissing : (l <= b ? 1.0 : 0.0);
        break;
      case OpCode::kGt:
        l = missing ? kMissing : (l > b ? 1.0 : 0.0);
        break;
      case OpCode::kGe:
        l = missing ? kMissing : (l >= b ? 1.0 : 0.0);
        break;
      case OpCode::kAnd:
        if ((!Missing(l) && l == 0) || (!Missing(b) && b == 0)) {
          l = 0;
        } else {
          l = missing ? kMissing : 1.0;
        }
        break;
      case OpCode::kOr:
        if ((!Missing(l) && l != 0) || (!Missing(b) && b != 0)) {
          l = 1;
        } else {
          l = missing ? kMissing : 0.0;
        }
        break;
      case OpCode::kMin:
        l = missing ? kMissing : std::min(l, b);
        break;
      case OpCode::kMax:
        l = missing ? kMissing : std::max(l, b);
        break;
      case OpCode::kCoalesce:
        l = Missing(l) ? b : l;
        break;
      default:
        break;
    }
  }
  return top == 1 ? stack[0] : kMissing;
}

}  // namespace panorama::features
