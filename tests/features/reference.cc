#include "features/reference.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/money.h"

namespace panorama::features::ref {
namespace {

__extension__ typedef __int128 Int128;  // NOLINT(modernize-use-using): exact sums

constexpr Timestamp kMicrosPerHour = 3'600LL * kMicrosPerSecond;

bool IsStringField(int field) {
  return StorageOf(SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)].type) ==
         StorageClass::kString;
}

bool IsScaled(int field) { return field == tx::kLat || field == tx::kLon; }

bool TakesField(RefAgg agg) {
  switch (agg) {
    case RefAgg::kSum:
    case RefAgg::kMean:
    case RefAgg::kMin:
    case RefAgg::kMax:
    case RefAgg::kStddev:
    case RefAgg::kDistinct:
    case RefAgg::kLast:
      return true;
    default:
      return false;
  }
}

bool Passes(const Filter& filter, const Event& e) { return !filter || filter(e) == Tri::kTrue; }

}  // namespace

int64_t UtcHour(Timestamp ts) {
  int64_t hours = ts / kMicrosPerHour;
  if (ts % kMicrosPerHour < 0) --hours;
  return ((hours % 24) + 24) % 24;
}

Tri And(Tri a, Tri b) {
  if (a == Tri::kFalse || b == Tri::kFalse) return Tri::kFalse;
  if (a == Tri::kMissing || b == Tri::kMissing) return Tri::kMissing;
  return Tri::kTrue;
}
Tri Or(Tri a, Tri b) {
  if (a == Tri::kTrue || b == Tri::kTrue) return Tri::kTrue;
  if (a == Tri::kMissing || b == Tri::kMissing) return Tri::kMissing;
  return Tri::kFalse;
}
Tri Not(Tri a) {
  if (a == Tri::kMissing) return a;
  return a == Tri::kTrue ? Tri::kFalse : Tri::kTrue;
}

std::optional<double> NumericField(const Event& e, int field) {
  if (field == kHourOfDay) return static_cast<double>(UtcHour(e.ts()));
  if (!e.has(field)) return std::nullopt;
  if (IsScaled(field)) return e.real(field);
  return static_cast<double>(e.num(field));
}

Tri Compare(const Event& e, int field, Op op, double value) {
  std::optional<double> v = NumericField(e, field);
  if (!v) return Tri::kMissing;
  switch (op) {
    case Op::kEq:
      return TriOf(*v == value);
    case Op::kNe:
      return TriOf(*v != value);
    case Op::kLt:
      return TriOf(*v < value);
    case Op::kLe:
      return TriOf(*v <= value);
    case Op::kGt:
      return TriOf(*v > value);
    case Op::kGe:
      return TriOf(*v >= value);
  }
  return Tri::kMissing;
}

Tri Is(const Event& e, int field, std::string_view value) {
  if (!e.has(field)) return Tri::kMissing;
  if (IsStringField(field)) return TriOf(e.str(field) == value);
  int64_t number = 0;
  std::from_chars(value.data(), value.data() + value.size(), number);
  return TriOf(e.num(field) == number);
}
Tri IsEnum(const Event& e, int field, int index) {
  if (!e.has(field)) return Tri::kMissing;
  return TriOf(e.num(field) == index);
}
Tri IsCurrency(const Event& e, std::string_view code) {
  if (!e.has(tx::kCurrency)) return Tri::kMissing;
  return TriOf(e.num(tx::kCurrency) == Currency::FromCode(code)->Packed());
}
Tri Present(const Event& e, int field) { return TriOf(e.has(field)); }

double Div(double a, double b) { return b == 0 ? kNaN : a / b; }
double Cmp(double a, Op op, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  switch (op) {
    case Op::kEq:
      return a == b ? 1 : 0;
    case Op::kNe:
      return a != b ? 1 : 0;
    case Op::kLt:
      return a < b ? 1 : 0;
    case Op::kLe:
      return a <= b ? 1 : 0;
    case Op::kGt:
      return a > b ? 1 : 0;
    case Op::kGe:
      return a >= b ? 1 : 0;
  }
  return kNaN;
}
namespace {
Tri TriOfDouble(double a) {
  if (std::isnan(a)) return Tri::kMissing;
  return TriOf(a != 0);
}
double DoubleOfTri(Tri t) {
  if (t == Tri::kMissing) return kNaN;
  return t == Tri::kTrue ? 1 : 0;
}
}  // namespace
double AndD(double a, double b) { return DoubleOfTri(And(TriOfDouble(a), TriOfDouble(b))); }
double OrD(double a, double b) { return DoubleOfTri(Or(TriOfDouble(a), TriOfDouble(b))); }
double NotD(double a) { return DoubleOfTri(Not(TriOfDouble(a))); }
double LogD(double a) { return a > 0 ? std::log(a) : kNaN; }
double Log1pD(double a) { return a > -1 ? std::log1p(a) : kNaN; }
double SqrtD(double a) { return a >= 0 ? std::sqrt(a) : kNaN; }
double MinD(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::min(a, b);
}
double MaxD(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return kNaN;
  return std::max(a, b);
}
double Coalesce(double a, double b) { return std::isnan(a) ? b : a; }

Reference::Reference(RefSpec spec) : spec_(std::move(spec)) {
  for (size_t i = 0; i < spec_.features.size(); ++i) index_of_.emplace(spec_.features[i].name, i);
  for (const RefFeature& f : spec_.features) {
    if (f.agg == RefAgg::kDerived) {
      keyspace_of_.push_back(SIZE_MAX);
      continue;
    }
    auto it = std::find(keyspaces_.begin(), keyspaces_.end(), f.entity);
    if (it == keyspaces_.end()) {
      keyspaces_.push_back(f.entity);
      it = keyspaces_.end() - 1;
    }
    keyspace_of_.push_back(static_cast<size_t>(it - keyspaces_.begin()));
  }
  histories_.resize(keyspaces_.size());
}

std::string Reference::KeyOf(const Event& e, const std::vector<int>& fields, bool* present) const {
  std::string key;
  *present = true;
  for (int field : fields) {
    if (!e.has(field)) {
      *present = false;
      return key;
    }
    if (IsStringField(field)) {
      key += 's';
      key += e.str(field);
    } else {
      key += 'n';
      key += std::to_string(e.num(field));
    }
    key += '\x1f';
  }
  return key;
}

Reference::Row Reference::MakeRow(const Event& e) {
  const size_t n = spec_.features.size();
  Row row;
  row.ts = e.ts();
  row.in.assign(n, 0);
  row.numerator.assign(n, 0);
  row.value.assign(n, 0);
  row.distinct.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const RefFeature& f = spec_.features[i];
    if (f.agg == RefAgg::kDerived) continue;
    bool in = Passes(f.filter, e);
    if (TakesField(f.agg) && f.field != kHourOfDay && !e.has(f.field)) in = false;
    if (f.agg == RefAgg::kCountValue && f.value(e) != Tri::kTrue) in = false;
    row.in[i] = in ? 1 : 0;
    if (f.agg == RefAgg::kRatio) row.numerator[i] = f.numerator(e) == Tri::kTrue ? 1 : 0;
    if (!in || !TakesField(f.agg)) continue;
    if (f.field == kHourOfDay) {
      row.value[i] = UtcHour(e.ts());
    } else if (IsScaled(f.field)) {
      row.value[i] = std::llround(e.real(f.field) * 1e7);
    } else if (!IsStringField(f.field)) {
      row.value[i] = e.num(f.field);
    }
    if (f.agg == RefAgg::kDistinct) {
      std::string text = std::to_string(f.field) + ":";
      if (f.field == kHourOfDay) {
        text += std::to_string(row.value[i]);
      } else if (IsStringField(f.field)) {
        text += e.str(f.field);
      } else {
        text += std::to_string(e.num(f.field));  // reals by their bits
      }
      auto [it, inserted] = interned_.emplace(text, static_cast<uint32_t>(interned_.size()));
      row.distinct[i] = it->second;
    }
  }
  return row;
}

void Reference::Compute(const std::vector<uint32_t>* history, const Row& current, Timestamp t,
                        size_t keyspace, std::vector<double>* out,
                        std::vector<uint8_t>* estimated) const {
  struct Member {
    Timestamp ts;
    uint64_t arrival;
    const Row* row;
  };
  std::vector<Member> members;
  for (size_t i = 0; i < spec_.features.size(); ++i) {
    if (keyspace_of_[i] != keyspace) continue;
    const RefFeature& f = spec_.features[i];
    members.clear();
    if (history != nullptr) {
      for (size_t j = history->size(); j-- > 0;) {
        const uint32_t index = (*history)[j];
        const Row& x = rows_[index];
        if (f.window != kForever && x.max_ts < t - f.window) break;
        if (!x.in[i] || x.ts >= t) continue;
        if (f.window != kForever && x.ts < t - f.window) continue;
        members.push_back({x.ts, index, &x});
      }
    }
    if (f.include_current && current.in[i]) members.push_back({t, UINT64_MAX, &current});
    const double scale = IsScaled(f.field) ? 1e-7 : 1.0;
    const auto n = static_cast<int64_t>(members.size());
    double value = kNaN;
    switch (f.agg) {
      case RefAgg::kCount:
      case RefAgg::kCountValue:
        value = static_cast<double>(n);
        break;
      case RefAgg::kSum:
      case RefAgg::kMean: {
        Int128 sum = 0;
        for (const Member& m : members) sum += m.row->value[i];
        if (f.agg == RefAgg::kSum) {
          value = static_cast<double>(static_cast<long double>(sum) * scale);
        } else if (n > 0) {
          value = static_cast<double>(static_cast<long double>(sum) / static_cast<long double>(n) *
                                      scale);
        }
        break;
      }
      case RefAgg::kStddev: {
        if (n == 0) break;
        long double mean = 0;
        for (const Member& m : members) mean += static_cast<long double>(m.row->value[i]);
        mean /= static_cast<long double>(n);
        long double squares = 0;
        for (const Member& m : members) {
          long double d = static_cast<long double>(m.row->value[i]) - mean;
          squares += d * d;
        }
        value = static_cast<double>(std::sqrt(squares / static_cast<long double>(n)) * scale);
        break;
      }
      case RefAgg::kMin:
      case RefAgg::kMax: {
        if (n == 0) break;
        int64_t best = members[0].row->value[i];
        for (const Member& m : members) {
          best = f.agg == RefAgg::kMin ? std::min(best, m.row->value[i])
                                       : std::max(best, m.row->value[i]);
        }
        value = static_cast<double>(best) * scale;
        break;
      }
      case RefAgg::kDistinct: {
        ++stamp_epoch_;
        if (stamp_.size() < interned_.size() + 1) stamp_.resize(interned_.size() + 1, 0);
        int64_t distinct = 0;
        for (const Member& m : members) {
          uint64_t& s = stamp_[m.row->distinct[i]];
          if (s != stamp_epoch_) {
            s = stamp_epoch_;
            ++distinct;
          }
        }
        value = static_cast<double>(distinct);
        if (static_cast<uint64_t>(n) > spec_.distinct_exact_limit) (*estimated)[i] = 1;
        break;
      }
      case RefAgg::kLast: {
        // The latest by ts; among events at the same ts, the last applied.
        const Member* last = nullptr;
        for (const Member& m : members) {
          if (last == nullptr || m.ts > last->ts || (m.ts == last->ts && m.arrival > last->arrival))
            last = &m;
        }
        if (last != nullptr) value = static_cast<double>(last->row->value[i]) * scale;
        break;
      }
      case RefAgg::kTimeSinceLast:
      case RefAgg::kTimeSinceFirst: {
        if (n == 0) break;
        Timestamp edge = members[0].ts;
        for (const Member& m : members) {
          edge = f.agg == RefAgg::kTimeSinceLast ? std::max(edge, m.ts) : std::min(edge, m.ts);
        }
        value = static_cast<double>(t - edge) / 1e6;
        break;
      }
      case RefAgg::kRatio: {
        if (n == 0) break;
        int64_t hits = 0;
        for (const Member& m : members) hits += m.row->numerator[i];
        value = static_cast<double>(hits) / static_cast<double>(n);
        break;
      }
      case RefAgg::kDerived:
        break;
    }
    (*out)[i] = value;
  }
}

RefResult Reference::Update(const Event& event) {
  RefResult result;
  if (event.kind() != EventKind::kTransaction) return result;
  const size_t n = spec_.features.size();
  result.values.assign(n, kNaN);
  result.estimated.assign(n, 0);
  const Timestamp t = event.ts();
  if (max_ts_ != std::numeric_limits<int64_t>::min() && t < max_ts_ - spec_.allowed_lateness) {
    result.outcome = RefResult::Outcome::kRejected;
    return result;
  }
  result.outcome = RefResult::Outcome::kApplied;
  result.late = max_ts_ != std::numeric_limits<int64_t>::min() && t < max_ts_;
  Row row = MakeRow(event);
  std::vector<std::string> keys(keyspaces_.size());
  std::vector<uint8_t> has_key(keyspaces_.size(), 0);
  for (size_t k = 0; k < keyspaces_.size(); ++k) {
    bool present = false;
    keys[k] = KeyOf(event, keyspaces_[k], &present);
    if (!present) continue;
    has_key[k] = 1;
    auto it = histories_[k].find(keys[k]);
    Compute(it == histories_[k].end() ? nullptr : &it->second, row, t, k, &result.values,
            &result.estimated);
  }
  for (size_t i = 0; i < n; ++i) {
    const RefFeature& f = spec_.features[i];
    if (f.agg == RefAgg::kDerived) {
      auto lookup = [&](std::string_view name) {
        auto it = index_of_.find(name);
        // Only features defined earlier are visible, as in the spec language.
        return it != index_of_.end() && it->second < i ? result.values[it->second] : kNaN;
      };
      result.values[i] = f.expr(event, lookup);
    }
  }
  max_ts_ = std::max(max_ts_, t);
  row.max_ts = max_ts_;
  const auto index = static_cast<uint32_t>(rows_.size());
  rows_.push_back(std::move(row));
  for (size_t k = 0; k < keyspaces_.size(); ++k) {
    if (has_key[k]) histories_[k][keys[k]].push_back(index);
  }
  return result;
}

std::optional<std::vector<double>> Reference::EntityFeatures(
    const std::vector<int>& entity, const std::vector<std::string>& key) const {
  auto ks = std::find(keyspaces_.begin(), keyspaces_.end(), entity);
  if (ks == keyspaces_.end() || key.size() != entity.size()) return std::nullopt;
  std::string text;
  for (size_t i = 0; i < entity.size(); ++i) {
    int field = entity[i];
    const FieldSpec& spec = SchemaFor(EventKind::kTransaction).fields[static_cast<size_t>(field)];
    if (IsStringField(field)) {
      text += 's' + key[i];
    } else if (spec.type == FieldType::kEnum) {
      text += 'n' + std::to_string(EnumIndex(spec, key[i]));
    } else if (spec.type == FieldType::kCurrency) {
      text += 'n' + std::to_string(Currency::FromCode(key[i])->Packed());
    } else {
      text += 'n' + key[i];
    }
    text += '\x1f';
  }
  const auto k = static_cast<size_t>(ks - keyspaces_.begin());
  auto it = histories_[k].find(text);
  if (it == histories_[k].end()) return std::nullopt;
  std::vector<double> out(spec_.features.size(), kNaN);
  std::vector<uint8_t> estimated(spec_.features.size(), 0);
  Row none;
  none.in.assign(spec_.features.size(), 0);
  Compute(&it->second, none, max_ts_ + 1, k, &out, &estimated);
  return out;
}

}  // namespace panorama::features::ref
