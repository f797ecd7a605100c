// ModelInput: the columns a fraud model reads, by name — features of the spec ("card_count_24h")
// and raw fields of the transaction ("tx.amount", "tx.channel", "tx.hour", ...) — and the
// code that fills a row of them. Training and serving fill rows with the same code, so a model
// sees the same values online as it was trained on.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "features/feature_spec.h"

namespace panorama::decide {

// The raw-field inputs, in a fixed order: tx.amount (minor units), tx.channel, tx.type (enum
// indices), tx.mcc, tx.hour (0-23 UTC), tx.day_of_week (0 = Monday), tx.lat, tx.lon,
// tx.has_device, tx.has_card, tx.has_merchant, tx.has_counterparty.
std::span<const std::string_view> RawInputNames();

class ModelInput {
 public:
  ModelInput() = default;
  // Resolves `names` against the raw inputs and `spec`'s features. NotFound names the first
  // unknown input.
  static Result<ModelInput> Resolve(std::span<const std::string> names,
                                    const features::FeatureSpec& spec);
  // Every raw input followed (when with_features) by every feature of `spec`.
  static std::vector<std::string> DefaultNames(const features::FeatureSpec& spec,
                                               bool with_features);

  size_t width() const { return sources_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  // Fills row[0, width()) from the transaction and its feature vector (NaN = missing).
  void Fill(const Event& tx, std::span<const double> features, std::span<float> row) const;

 private:
  std::vector<std::string> names_;
  std::vector<int> sources_;  // >= 0: feature index; < 0: -1 - raw input index
};

}  // namespace panorama::decide
