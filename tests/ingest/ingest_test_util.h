// Helpers shared by the ingest tests: read a whole input into events, rejects and warnings.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "ingest/record_reader.h"

namespace panorama::testing {

struct ReadResult {
  std::vector<Event> events;
  std::vector<Reject> rejects;
  std::vector<std::string> warnings;
};

inline ReadResult ReadAll(RecordReader& reader) {
  ReadResult result;
  Event event;
  Reject reject;
  while (true) {
    RecordReader::Outcome outcome = reader.Next(&event, &reject);
    if (outcome == RecordReader::Outcome::kEnd) break;
    if (outcome == RecordReader::Outcome::kEvent) {
      result.events.push_back(event);
    } else {
      result.rejects.push_back(reject);
    }
  }
  result.warnings = reader.warnings();
  return result;
}

// Reads `data` from memory; fails the test when Open fails.
inline ReadResult ReadBuffer(std::string_view data, const ReaderOptions& options,
                             std::string name = "input.csv") {
  auto reader = RecordReader::FromBuffer(std::move(name), data, options);
  if (!reader.ok()) {
    ADD_FAILURE() << reader.status().ToString();
    return {};
  }
  return ReadAll(**reader);
}

// One canonical sample record per kind: header and row, in canonical text form.
struct Sample {
  EventKind kind;
  std::string header;
  std::string row;
};

inline std::vector<Sample> Samples() {
  return {
      {EventKind::kTransaction,
       "tx_id,ts,customer_id,account_id,card_id,merchant_id,device_id,ip,channel,type,amount,"
       "currency,mcc,country,city,lat,lon,counterparty_id",
       "T1,2024-03-01T12:00:00Z,C1,A1,K1,M1,D1,192.168.1.10,POS,PURCHASE,12.50,EUR,5411,DE,"
       "\"Berlin, Mitte\",52.52,13.405,P9"},
      {EventKind::kLabel, "tx_id,ts,is_fraud,source,pattern,note",
       "T1,2024-03-02T00:00:00Z,true,CHARGEBACK,card_testing,\"said \"\"not me\"\"\""},
      {EventKind::kCustomer,
       "customer_id,ts,joined_at,birth_year,region,city,country,home_lat,home_lon,income_band,"
       "occupation,segment",
       "C1,2024-01-01T00:00:00Z,2019-05-04T00:00:00Z,1980,Bavaria,Munich,DE,48.1,11.5,MIDDLE,"
       "engineer,retail"},
      {EventKind::kMerchant,
       "merchant_id,ts,name,mcc,country,city,lat,lon,online,opened_at,size,region",
       "M1,2024-01-01T00:00:00Z,Corner Shop,5411,FR,Paris,48.85,2.35,false,2010-01-01T00:00:00Z,"
       "SMALL,IDF"},
      {EventKind::kLoan,
       "loan_id,ts,borrower_type,borrower_id,status,principal,currency,term_days,rate_bp,"
       "issued_at,due_at,days_past_due,product",
       "L1,2024-02-01T00:00:00Z,MERCHANT,M1,LATE,1000000,JPY,365,450,2024-01-01T00:00:00Z,"
       "2024-12-31T00:00:00Z,12,MERCHANT_LOAN"},
      {EventKind::kOffer,
       "offer_id,ts,customer_id,product,channel,campaign_id,response,responded_at",
       "O1,2024-03-01T09:00:00Z,C1,FUND,EMAIL,CMP7,ACCEPTED,2024-03-02T10:30:00Z"},
      {EventKind::kPost, "post_id,ts,source,author_id,lang,title,text,url,sentiment,mentions",
       "P1,2024-03-01T08:00:00Z,news,reuters,en,Bank up,\"Shares rose.\nAnalysts agree.\","
       "https://example.com/a,POSITIVE,BANK:B01;STOCK:600036"},
  };
}

// Splits a simple CSV line (quotes with doubled quotes, embedded line breaks) into fields.
inline std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        fields.back() += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else {
      fields.back() += ch;
    }
  }
  return fields;
}

inline std::string SourcePath(std::string_view relative) {
  return std::string(PANORAMA_SOURCE_DIR) + "/" + std::string(relative);
}

}  // namespace panorama::testing
