#include "core/money.h"

#include <array>
#include <limits>

namespace panorama {
namespace {

struct CurrencyEntry {
  const char* code;
  uint8_t exponent;
};

// ISO 4217 active currencies and fund codes with their minor-unit exponents
// (precious metals and testing codes, which have no minor unit, are excluded).
constexpr CurrencyEntry kCurrencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2}, {"ARS", 2}, {"AUD", 2},
    {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0},
    {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2},
    {"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
    {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUC", 2}, {"CUP", 2}, {"CVE", 2},
    {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2},
    {"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2},
    {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2}, {"IDR", 2},
    {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0},
    {"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2},
    {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2},
    {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2},
    {"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2},
    {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2}, {"PGK", 2},
    {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2},
    {"RWF", 0}, {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2},
    {"SLE", 2}, {"SLL", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2},
    {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2},
    {"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2},
    {"UYW", 4}, {"UZS", 2}, {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0},
    {"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0}, {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
    {"ZWL", 2},
};

__extension__ typedef unsigned __int128 Uint128;  // NOLINT(modernize-use-using)

constexpr uint8_t kNoCurrency = 0xFF;  // no ISO 4217 exponent is this large
// Three letters A..Z packed in base 26.
constexpr size_t kCodeSpace = size_t{26} * 26 * 26;

// Exponent by packed code; kNoCurrency where the code is not in the table. 26^3 entries.
struct ExponentTable {
  std::array<uint8_t, kCodeSpace> exponent{};
  constexpr ExponentTable() {
    for (auto& e : exponent) e = kNoCurrency;
    for (const auto& c : kCurrencies) {
      int packed = (c.code[0] - 'A') * 676 + (c.code[1] - 'A') * 26 + (c.code[2] - 'A');
      exponent[static_cast<size_t>(packed)] = c.exponent;
    }
  }
};
constexpr ExponentTable kExponents;

// Packed codes are offset by one so that 0 means "no currency".
constexpr uint16_t kPackOffset = 1;

}  // namespace

std::optional<Currency> Currency::FromCode(std::string_view code) {
  if (code.size() != 3) return std::nullopt;
  int packed = 0;
  for (char ch : code) {
    if (ch < 'A' || ch > 'Z') return std::nullopt;
    packed = packed * 26 + (ch - 'A');
  }
  uint8_t exponent = kExponents.exponent[static_cast<size_t>(packed)];
  if (exponent == kNoCurrency) return std::nullopt;
  return Currency(static_cast<uint16_t>(packed + kPackOffset), exponent);
}

std::optional<Currency> Currency::FromPacked(uint16_t packed) {
  if (packed < kPackOffset || static_cast<size_t>(packed - kPackOffset) >= kCodeSpace) {
    return std::nullopt;
  }
  uint8_t exponent = kExponents.exponent[packed - kPackOffset];
  if (exponent == kNoCurrency) return std::nullopt;
  return Currency(packed, exponent);
}

std::string Currency::Code() const {
  if (packed_ == 0) return "";
  int p = packed_ - kPackOffset;
  std::string code(3, 'A');
  code[2] = static_cast<char>('A' + p % 26);
  code[1] = static_cast<char>('A' + (p / 26) % 26);
  code[0] = static_cast<char>('A' + p / 676);
  return code;
}

Result<int64_t> ParseDecimalAmount(std::string_view text, int exponent, int shift) {
  if (text.empty()) return Status::InvalidArgument("empty amount");
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  // Accumulate all digits as an unsigned integer; count those after the point.
  Uint128 digits = 0;
  int fraction_digits = 0;
  int digit_count = 0;
  bool seen_point = false;
  for (; i < text.size(); ++i) {
    char ch = text[i];
    if (ch >= '0' && ch <= '9') {
      if (++digit_count > 30) return Status::InvalidArgument("amount has too many digits");
      digits = digits * 10 + static_cast<unsigned>(ch - '0');
      if (seen_point) ++fraction_digits;
    } else if (ch == '.' && !seen_point) {
      seen_point = true;
    } else {
      return Status::InvalidArgument("amount is not a plain decimal number");
    }
  }
  if (digit_count == 0) return Status::InvalidArgument("amount has no digits");
  // The largest magnitude int64 holds: 2^63 - 1, or 2^63 for a negative amount (INT64_MIN).
  const Uint128 limit =
      static_cast<Uint128>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
  // In 64 bits so that an extreme `shift` cannot overflow.
  int64_t power = int64_t{exponent} + shift - fraction_digits;
  if (power < 0) {
    // digits < 10^30, so a divisor past 10^30 leaves only zero divisible (and 10^39 would
    // not fit in 128 bits).
    Uint128 divisor = 1;
    for (int64_t k = 0; k < -power && k <= 30; ++k) divisor *= 10;
    if (digits % divisor != 0) {
      return Status::InvalidArgument("amount has more decimal places than the currency allows (" +
                                     std::to_string(exponent) + ")");
    }
    digits /= divisor;
  } else {
    for (int64_t k = 0; k < power && digits != 0; ++k) {
      digits *= 10;
      if (digits > limit) break;
    }
  }
  if (digits > limit) return Status::InvalidArgument("amount overflows 64-bit minor units");
  auto magnitude = static_cast<uint64_t>(digits);
  // Negated in unsigned arithmetic so that 2^63 becomes INT64_MIN without overflow.
  return static_cast<int64_t>(negative ? 0 - magnitude : magnitude);
}

std::string FormatAmount(int64_t minor, int exponent) {
  bool negative = minor < 0;
  // Work in unsigned so that INT64_MIN negates safely.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (exponent > 0) {
    if (digits.size() <= static_cast<size_t>(exponent)) {
      digits.insert(0, static_cast<size_t>(exponent) + 1 - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(exponent), 1, '.');
  }
  return negative ? "-" + digits : digits;
}

}  // namespace panorama
