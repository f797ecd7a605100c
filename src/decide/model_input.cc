#include "decide/model_input.h"

#include <array>
#include <cmath>
#include <limits>

#include "core/schema.h"
#include "core/time.h"

namespace panorama::decide {
namespace {

enum RawInput : int {
  kAmount,
  kChannel,
  kType,
  kMcc,
  kHour,
  kDayOfWeek,
  kLat,
  kLon,
  kHasDevice,
  kHasCard,
  kHasMerchant,
  kHasCounterparty,
  kRawCount,
};

constexpr std::array<std::string_view, kRawCount> kRawNames = {
    "tx.amount",     "tx.channel",     "tx.type",         "tx.mcc",
    "tx.hour",       "tx.day_of_week", "tx.lat",          "tx.lon",
    "tx.has_device", "tx.has_card",    "tx.has_merchant", "tx.has_counterparty"};

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

float NumberOr(const Event& tx, int field) {
  return tx.has(field) ? static_cast<float>(tx.num(field)) : kMissing;
}
float RealOr(const Event& tx, int field) {
  return tx.has(field) ? static_cast<float>(tx.real(field)) : kMissing;
}

float RawValue(const Event& tx, int input) {
  switch (input) {
    case kAmount:
      return NumberOr(tx, tx::kAmount);
    case kChannel:
      return NumberOr(tx, tx::kChannel);
    case kType:
      return NumberOr(tx, tx::kType);
    case kMcc:
      return NumberOr(tx, tx::kMcc);
    case kHour:
      return static_cast<float>(HourOfDay(tx.ts()));
    case kDayOfWeek:
      return static_cast<float>(DayOfWeek(tx.ts()));
    case kLat:
      return RealOr(tx, tx::kLat);
    case kLon:
      return RealOr(tx, tx::kLon);
    case kHasDevice:
      return tx.has(tx::kDeviceId) ? 1.0F : 0.0F;
    case kHasCard:
      return tx.has(tx::kCardId) ? 1.0F : 0.0F;
    case kHasMerchant:
      return tx.has(tx::kMerchantId) ? 1.0F : 0.0F;
    case kHasCounterparty:
      return tx.has(tx::kCounterpartyId) ? 1.0F : 0.0F;
    default:
      return kMissing;
  }
}

}  // namespace

std::span<const std::string_view> RawInputNames() { return kRawNames; }

Result<ModelInput> ModelInput::Resolve(std::span<const std::string> names,
                                       const features::FeatureSpec& spec) {
  ModelInput input;
  for (const std::string& name : names) {
    int source = spec.FeatureIndex(name);
    if (source < 0) {
      for (size_t i = 0; i < kRawNames.size(); ++i) {
        if (kRawNames[i] == name) source = -1 - static_cast<int>(i);
      }
      if (source == -1 && kRawNames[0] != name) {
        return Status::NotFound("model input '" + name + "' is neither a raw field (tx.*) nor a " +
                                "feature of spec '" + spec.name + "'");
      }
    }
    input.names_.push_back(name);
    input.sources_.push_back(source);
  }
  return input;
}

std::vector<std::string> ModelInput::DefaultNames(const features::FeatureSpec& spec,
                                                  bool with_features) {
  std::vector<std::string> names(kRawNames.begin(), kRawNames.end());
  if (with_features) {
    for (const auto& feature : spec.features) names.push_back(feature.name);
  }
  return names;
}

void ModelInput::Fill(const Event& tx, std::span<const double> features,
                      std::span<float> row) const {
  for (size_t i = 0; i < sources_.size(); ++i) {
    int source = sources_[i];
    row[i] = source >= 0 ? static_cast<float>(features[static_cast<size_t>(source)])
                         : RawValue(tx, -1 - source);
  }
}

}  // namespace panorama::decide
