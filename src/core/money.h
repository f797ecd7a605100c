// Money: an integer count of minor units with an ISO 4217 currency. No floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace panorama {

// A currency interned as a 16-bit code: the three upper-case letters in base 26.
// Only codes in the ISO 4217 table (active currencies and funds) can be built.
class Currency {
 public:
  Currency() = default;
  // Looks `code` up in the ISO 4217 table; nullopt when it is not an active code.
  static std::optional<Currency> FromCode(std::string_view code);
  // Rebuilds a currency from Packed(); nullopt when the value names no ISO 4217 currency.
  static std::optional<Currency> FromPacked(uint16_t packed);

  uint16_t Packed() const { return packed_; }
  std::string Code() const;
  // The number of decimal places of the minor unit (2 for EUR, 0 for JPY, 3 for KWD).
  int Exponent() const { return exponent_; }
  bool valid() const { return packed_ != 0; }
  friend bool operator==(Currency a, Currency b) { return a.packed_ == b.packed_; }

 private:
  Currency(uint16_t packed, uint8_t exponent) : packed_(packed), exponent_(exponent) {}
  uint16_t packed_ = 0;
  uint8_t exponent_ = 0;
};

struct Money {
  int64_t minor = 0;
  Currency currency;
};

// Parses a plain decimal ("-12.5", "1000", "0.07") into minor units of a currency with
// `exponent` decimals, after moving the decimal point `shift` places to the right (a mapping's
// scale: -2 for a file that holds cents). Digits past the currency's precision must be zero.
// Rejects empty text, signs other than a leading '-', thousands separators, exponents,
// more than 30 digits and results outside int64. Never allocates on success.
Result<int64_t> ParseDecimalAmount(std::string_view text, int exponent, int shift = 0);

// Formats minor units as a plain decimal with exactly `exponent` decimals ("12.50").
std::string FormatAmount(int64_t minor, int exponent);

}  // namespace panorama
