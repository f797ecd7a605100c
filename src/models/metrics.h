// Binary-classification metrics over scores and 0/1 labels. Ties in scores are handled
// exactly: tied rows are ranked together, never in input order.
//
// Conventions of every function: a non-zero label is a positive; a NaN score ranks below
// every number (NaN scores tie with each other); scores and labels of different lengths
// give NaN results. O(n log n) time, O(n) scratch memory.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace panorama::models {

// Area under the ROC curve (ties count one half). NaN when either class is absent.
double RocAuc(std::span<const double> scores, std::span<const int> labels);

// Area under the precision-recall curve as average precision: sum over thresholds of
// (recall_k - recall_{k-1}) * precision_k, thresholds at each distinct score (scikit-learn's
// average_precision_score). NaN when there is no positive.
double AveragePrecision(std::span<const double> scores, std::span<const int> labels);

// What alerting on the highest-scored `rate` share of rows catches: the ceil(rate * n)
// highest-scored rows (at least one when rate > 0) and every row tied with the last of them.
// rate <= 0 (or NaN) alerts nothing: alerts 0, threshold +inf, precision NaN.
struct AlertRateResult {
  double rate = 0;       // requested share of rows alerted, e.g. 0.01
  size_t alerts = 0;     // rows with score >= threshold (ties at the threshold all count)
  double threshold = 0;  // the lowest score alerted
  double precision = 0;  // positives among alerts / alerts (NaN without alerts)
  double recall = 0;     // positives among alerts / all positives (NaN without positives)
};
AlertRateResult AtAlertRate(std::span<const double> scores, std::span<const int> labels,
                            double rate);

}  // namespace panorama::models
