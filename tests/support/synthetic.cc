#include "support/synthetic.h"

#include <cinttypes>
#include <cstdio>
#include <random>
#include <stdexcept>

namespace panorama::testing {
namespace {

constexpr const char* kChannels[] = {"POS", "ATM", "COUNTER", "ONLINE", "MOBILE", "TRANSFER"};
constexpr const char* kTypes[] = {"PURCHASE", "WITHDRAWAL", "TRANSFER",
                                  "REFUND",   "PAYMENT",    "DEPOSIT"};
constexpr const char* kCurrencies[] = {"USD", "EUR", "CNY", "JPY"};

void WriteRow(std::FILE* f, uint64_t id, std::mt19937_64& rng, bool bad) {
  // 2024-01-01T00:00:00Z plus up to 90 days.
  int64_t seconds = 1704067200 + static_cast<int64_t>(rng() % (90 * 86400));
  int64_t day = seconds / 86400, rem = seconds % 86400;
  // Days since 2024-01-01 fit in Jan..Mar of a leap year.
  int64_t d = day - 19723;
  int month = d < 31 ? 1 : d < 60 ? 2 : 3;
  int dom = static_cast<int>(month == 1 ? d + 1 : month == 2 ? d - 30 : d - 59);
  const char* currency = bad ? "XXQ" : kCurrencies[rng() % 4];
  bool jpy = currency[0] == 'J';
  uint64_t minor = 100 + rng() % 500000;
  uint64_t customer = rng() % 100000;
  std::fprintf(f,
               "T%012" PRIu64 ",2024-%02d-%02dT%02d:%02d:%02dZ,C%07" PRIu64 ",A%07" PRIu64
               ",K%08" PRIu64 ",M%05" PRIu64 ",D%07" PRIu64 ",10.%d.%d.%d,%s,%s,",
               id, month, dom, static_cast<int>(rem / 3600), static_cast<int>(rem / 60 % 60),
               static_cast<int>(rem % 60), customer, customer, customer * 2 + rng() % 2,
               rng() % 5000, customer, static_cast<int>(rng() % 256), static_cast<int>(rng() % 256),
               static_cast<int>(rng() % 256), kChannels[rng() % 6], kTypes[rng() % 6]);
  if (jpy) {
    std::fprintf(f, "%" PRIu64, minor);
  } else {
    std::fprintf(f, "%" PRIu64 ".%02" PRIu64, minor / 100, minor % 100);
  }
  std::fprintf(f, ",%s,%d,US,\"Springfield, IL\",%.5f,%.5f,\n", currency,
               static_cast<int>(5000 + rng() % 1000),
               30.0 + static_cast<double>(rng() % 100000) / 10000.0,
               -90.0 + static_cast<double>(rng() % 100000) / 10000.0);
}

}  // namespace

SyntheticCsvStats WriteSyntheticTransactions(const std::string& path, uint64_t distinct,
                                             uint64_t seed) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  std::fputs(
      "tx_id,ts,customer_id,account_id,card_id,merchant_id,device_id,ip,channel,type,amount,"
      "currency,mcc,country,city,lat,lon,counterparty_id\n",
      f);
  std::mt19937_64 rng(seed);
  SyntheticCsvStats stats;
  uint64_t next_id = 1;
  while (stats.distinct < distinct) {
    uint64_t pick = rng() % 1000;
    if (pick < 10 && next_id > 1) {
      // Repeat an earlier row exactly: same id, same content, from its own seed.
      uint64_t earlier = 1 + rng() % (next_id - 1);
      std::mt19937_64 row_rng(seed ^ (earlier * 0x9E3779B97F4A7C15ULL));
      WriteRow(f, earlier, row_rng, false);
      ++stats.duplicates;
    } else if (pick == 10) {
      std::mt19937_64 row_rng(rng());
      WriteRow(f, 900000000000ULL + stats.bad, row_rng, true);
      ++stats.bad;
    } else {
      std::mt19937_64 row_rng(seed ^ (next_id * 0x9E3779B97F4A7C15ULL));
      WriteRow(f, next_id, row_rng, false);
      ++next_id;
      ++stats.distinct;
    }
    ++stats.rows;
  }
  std::fclose(f);
  return stats;
}

}  // namespace panorama::testing
