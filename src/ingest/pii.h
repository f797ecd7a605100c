// PiiTokenizer: replaces personal data (names, phones, e-mails, national ids) by tokens.
//
// A token is "pii_" followed by the hex of a 16-byte keyed BLAKE2b hash (libsodium's
// crypto_generichash) of the raw value. The same key always gives the same token, so records
// can still be joined on a tokenized field, but the raw value is never stored and cannot be
// recovered without the key. Whoever holds the key can test guesses; keep it secret (0600).
//
// Thread-safety: Tokenize() is const and safe to call from several threads.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace panorama {

class PiiTokenizer {
 public:
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kHashBytes = 16;
  static constexpr std::string_view kTokenPrefix = "pii_";
  // Length of a token: the prefix and two hex digits per hash byte.
  static constexpr size_t kTokenLength = kTokenPrefix.size() + 2 * kHashBytes;

  // Reads the key at `key_path`; when the file does not exist, creates it (mode 0600) with
  // a fresh random key. Errors: the file cannot be read or created, or does not hold exactly
  // kKeyBytes bytes.
  static Result<PiiTokenizer> LoadOrCreate(const std::string& key_path);
  // A tokenizer over a given key (tests, or keys kept elsewhere).
  static PiiTokenizer FromKey(std::span<const unsigned char, kKeyBytes> key);

  // Replaces the contents of `out` with the token of `value`. Allocates only when `out`
  // has less than kTokenLength bytes of capacity.
  void Tokenize(std::string_view value, std::string* out) const;

 private:
  PiiTokenizer() = default;
  std::array<unsigned char, kKeyBytes> key_{};
};

}  // namespace panorama
