#include "features/internal/plan.h"

#include <algorithm>
#include <optional>
#include <string>

#include "features/internal/event_values.h"

namespace panorama::features::internal {
namespace {

constexpr size_t kMaxConditions = 64;

// The bit of a condition, adding it when new; -1 when the spec has too many.
int ConditionBit(Plan* plan, Condition condition) {
  for (size_t i = 0; i < plan->conditions.size(); ++i) {
    if (plan->conditions[i].key == condition.key) return static_cast<int>(i);
  }
  if (plan->conditions.size() == kMaxConditions) return -1;
  plan->conditions.push_back(std::move(condition));
  return static_cast<int>(plan->conditions.size() - 1);
}

// The condition that a filter or numerator passes: a kValueIn when it is a ValueTest.
Condition FilterCondition(std::shared_ptr<const Expression> expression, const std::string& text) {
  Condition c;
  c.key = "filter:" + text;
  if (std::optional<Expression::ValueTest> test = expression->AsValueTest()) {
    c.kind = Condition::Kind::kValueIn;
    c.field = test->field;
    c.values = std::move(test->hashes);
    c.negated = test->negated;
  } else {
    c.kind = Condition::Kind::kExpression;
    c.expression = std::move(expression);
  }
  return c;
}

// The word of the group's slot (kind, mask, numerator, column), adding it when new.
int SlotWord(KeyspacePlan* ks, WindowGroup* group, SumSlot::Kind kind, uint64_t mask,
             uint64_t numerator, int column) {
  for (const SumSlot& slot : group->slots) {
    if (slot.kind == kind && slot.mask == mask && slot.numerator == numerator &&
        slot.column == column) {
      return slot.word;
    }
  }
  int word = ks->words;
  ks->words += kind == SumSlot::Kind::kSquares ? 2 : 1;
  group->slots.push_back({kind, mask, numerator, column, word});
  return word;
}

// Places windowed feature `f` in the group of its window and gives it the sums it reads.
void AssignWindowSlots(KeyspacePlan* ks, FeaturePlan* f) {
  auto found = std::find_if(ks->groups.begin(), ks->groups.end(),
                            [&](const WindowGroup& g) { return g.window == f->window; });
  if (found == ks->groups.end()) {
    WindowGroup group;
    group.window = f->window;
    group.tail_word = ks->words;
    ks->words += 2;
    ks->groups.push_back(std::move(group));
    found = ks->groups.end() - 1;
  }
  f->group = static_cast<int>(found - ks->groups.begin());
  f->tail_word = found->tail_word;
  WindowGroup* group = &*found;
  const int index = static_cast<int>(ks->features.size());
  group->features.push_back(index);
  f->count_word =
      f->mask == 0 ? kRowsInWindow : SlotWord(ks, group, SumSlot::Kind::kCount, f->mask, 0, -1);
  switch (f->aggregation) {
    case Aggregation::kRatio:
      f->numerator_word = SlotWord(ks, group, SumSlot::Kind::kNumerator, f->mask, f->numerator, -1);
      break;
    case Aggregation::kStddev:
      f->squares_word = SlotWord(ks, group, SumSlot::Kind::kSquares, f->mask, 0, f->column);
      [[fallthrough]];
    case Aggregation::kSum:
    case Aggregation::kMean:
      f->sum_word = SlotWord(ks, group, SumSlot::Kind::kSum, f->mask, 0, f->column);
      break;
    case Aggregation::kMin:
    case Aggregation::kMax:
      f->extreme_index = ks->extremes++;
      group->extremes.push_back(index);
      break;
    case Aggregation::kDistinctCount:
      f->distinct_index = ks->distincts++;
      group->distincts.push_back(index);
      break;
    default:
      break;
  }
  ks->max_window = std::max(ks->max_window, f->window);
}

}  // namespace

Result<Plan> BuildPlan(const FeatureSpec& spec) {
  Plan plan;
  plan.distinct_exact_limit = spec.distinct_exact_limit;
  plan.hll_precision = spec.hll_precision;
  plan.allowed_lateness = spec.allowed_lateness;
  plan.keyspaces.resize(spec.keyspaces.size());
  for (size_t k = 0; k < spec.keyspaces.size(); ++k) {
    plan.keyspaces[k].fields = spec.keyspaces[k].fields;
  }
  auto too_many = [&](const FeatureDef& def) {
    return Status::InvalidArgument(spec.file + ":" + std::to_string(def.line) + ": feature '" +
                                   def.name + "': more than 64 distinct filter conditions");
  };
  for (size_t i = 0; i < spec.features.size(); ++i) {
    const FeatureDef& def = spec.features[i];
    if (def.aggregation == Aggregation::kDerived) {
      plan.derived.push_back(static_cast<int>(i));
      continue;
    }
    KeyspacePlan& ks = plan.keyspaces[static_cast<size_t>(def.keyspace)];
    FeaturePlan f;
    f.feature = static_cast<int>(i);
    f.aggregation = def.aggregation;
    f.window = def.window;
    f.lifetime = def.window == kLifetime;
    f.include_current = def.include_current;
    if (def.filter) {
      int bit = ConditionBit(&plan, FilterCondition(def.filter, def.filter_text));
      if (bit < 0) return too_many(def);
      f.mask |= uint64_t{1} << bit;
    }
    if (def.aggregation == Aggregation::kCountValue) {
      int bit =
          ConditionBit(&plan, {.kind = Condition::Kind::kValueIn,
                               .field = def.field,
                               .values = {def.value_hash},
                               .key = "value:" + std::to_string(def.field) + "=" + def.value_text});
      if (bit < 0) return too_many(def);
      f.mask |= uint64_t{1} << bit;
    }
    if (def.aggregation == Aggregation::kRatio) {
      int bit = ConditionBit(&plan, FilterCondition(def.numerator, def.numerator_text));
      if (bit < 0) return too_many(def);
      f.numerator = uint64_t{1} << bit;
    }
    bool needs_column = def.field >= 0 && def.aggregation != Aggregation::kCountValue;
    if (needs_column) {
      // Only events that have the field count towards a feature that reads it.
      if (def.field != kHourField) {
        int bit = ConditionBit(&plan, {.kind = Condition::Kind::kPresent,
                                       .field = def.field,
                                       .key = "present:" + std::to_string(def.field)});
        if (bit < 0) return too_many(def);
        f.mask |= uint64_t{1} << bit;
      }
      bool hash = def.aggregation == Aggregation::kDistinctCount;
      int column = -1;
      for (size_t c = 0; c < ks.columns.size(); ++c) {
        if (ks.columns[c] == def.field && ks.column_is_hash[c] == hash) {
          column = kRowValues + static_cast<int>(c);
        }
      }
      if (column < 0) {
        ks.columns.push_back(def.field);
        ks.column_is_hash.push_back(hash);
        column = kRowValues + static_cast<int>(ks.columns.size() - 1);
      }
      f.column = column;
      f.scale = hash ? 1.0 : FieldScale(def.field);
    }
    if (f.lifetime) {
      f.lifetime_index = ks.lifetimes++;
      ks.lifetime_features.push_back(static_cast<int>(ks.features.size()));
    } else {
      AssignWindowSlots(&ks, &f);
    }
    ks.features.push_back(f);
  }
  plan.hash_slot.assign(kHourField + 1, -1);
  auto hashed = [&](int field) {
    int& slot = plan.hash_slot[static_cast<size_t>(field)];
    if (slot >= 0) return;
    slot = static_cast<int>(plan.hashed_fields.size());
    plan.hashed_fields.push_back(field);
    plan.hashed_storage.push_back(HashStorageOf(field));
  };
  for (KeyspacePlan& ks : plan.keyspaces) {
    ks.stride = kRowValues + static_cast<int>(ks.columns.size());
    for (int field : ks.fields) hashed(field);
    for (size_t c = 0; c < ks.columns.size(); ++c) {
      if (ks.column_is_hash[c]) hashed(ks.columns[c]);
    }
    for (const FeaturePlan& f : ks.features) ks.include_current |= f.include_current;
    for (WindowGroup& g : ks.groups) {
      std::stable_sort(g.slots.begin(), g.slots.end(),
                       [](const SumSlot& a, const SumSlot& b) { return a.kind < b.kind; });
      auto end_of = [&](SumSlot::Kind kind) {
        return static_cast<int>(std::count_if(g.slots.begin(), g.slots.end(),
                                              [&](const SumSlot& s) { return s.kind <= kind; }));
      };
      g.counts = end_of(SumSlot::Kind::kCount);
      g.numerators = end_of(SumSlot::Kind::kNumerator);
      g.sums = end_of(SumSlot::Kind::kSum);
      g.plain = g.slots.empty() && g.extremes.empty() && g.distincts.empty();
    }
  }
  for (const Condition& c : plan.conditions) {
    if (c.kind == Condition::Kind::kValueIn) hashed(c.field);
    // Other filters and numerators compare with the event's hashes (Expression::EventHashes).
    if (c.kind == Condition::Kind::kExpression) {
      for (int field : c.expression->categorical_fields()) hashed(field);
    }
  }
  return plan;
}

}  // namespace panorama::features::internal
