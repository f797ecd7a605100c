// TreeEnsemble::FromXgboostJson: XGBoost 1.7's JSON model into the flattened node array.
//
// The document is untrusted: every field is checked for presence, type, size and range
// before use, and nlohmann's exceptions are caught here, so a malformed model is an
// InvalidArgument naming the field, never undefined behaviour.
//
// Each tree is flattened breadth-first from its root: a node's two children get adjacent
// slots, so the flattened tree lists every node after its parent. Node mean values are
// then computed children-first by walking the slots backwards, with XGBoost's float32
// arithmetic (FillNodeMeanValues: (mean(l) * cover(l) + mean(r) * cover(r)) / cover(n)).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "models/tree_ensemble.h"

namespace panorama::models {
namespace {

using nlohmann::json;

Status Invalid(std::string_view where, std::string_view why) {
  return Status::InvalidArgument("xgboost model: " + std::string(where) + ": " + std::string(why));
}

Result<const json*> Member(const json& object, const char* key, const std::string& where) {
  if (!object.is_object()) return Invalid(where, "not an object");
  auto it = object.find(key);
  if (it == object.end()) return Invalid(where + "." + key, "missing");
  return &*it;
}

Result<const json*> MemberOfType(const json& object, const char* key, const std::string& where,
                                 json::value_t type) {
  PANO_ASSIGN_OR_RETURN(const json* value, Member(object, key, where));
  const bool ok =
      type == json::value_t::number_integer ? value->is_number_integer() : value->type() == type;
  if (!ok) return Invalid(where + "." + key, std::string("not ") + json(type).type_name());
  return value;
}

Result<std::string> StringMember(const json& object, const char* key, const std::string& where) {
  PANO_ASSIGN_OR_RETURN(const json* value, MemberOfType(object, key, where, json::value_t::string));
  return value->get<std::string>();
}

// XGBoost writes its scalar parameters as strings ("num_feature": "30").
Result<int64_t> IntegerString(const json& object, const char* key, const std::string& where,
                              int64_t lo, int64_t hi) {
  PANO_ASSIGN_OR_RETURN(std::string text, StringMember(object, key, where));
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) {
    return Invalid(where + "." + key, "\"" + text + "\" is not an integer");
  }
  if (value < lo || value > hi) {
    return Invalid(where + "." + key, std::to_string(value) + " is outside [" + std::to_string(lo) +
                                          ", " + std::to_string(hi) + "]");
  }
  return value;
}

// A float written as a string; XGBoost 2+ writes a vector parameter as "[5E-1]".
Result<float> FloatString(const json& object, const char* key, const std::string& where) {
  PANO_ASSIGN_OR_RETURN(std::string text, StringMember(object, key, where));
  std::string_view digits = text;
  if (digits.size() >= 2 && digits.front() == '[' && digits.back() == ']') {
    digits = digits.substr(1, digits.size() - 2);
  }
  float value = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return Invalid(where + "." + key, "\"" + text + "\" is not a finite number");
  }
  return value;
}

// An integer array element, range-checked without narrowing surprises.
bool ToInt64(const json& v, int64_t* out) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    *out = static_cast<int64_t>(u);
    return true;
  }
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return true;
  }
  if (v.is_boolean()) {  // default_left may be written as booleans
    *out = v.get<bool>() ? 1 : 0;
    return true;
  }
  return false;
}

Status IntArray(const json& tree, const char* key, const std::string& where, size_t n, int64_t lo,
                int64_t hi, std::vector<int64_t>* out) {
  PANO_ASSIGN_OR_RETURN(const json* array, MemberOfType(tree, key, where, json::value_t::array));
  if (array->size() != n) {
    return Invalid(where + "." + key, "has " + std::to_string(array->size()) +
                                          " entries, num_nodes is " + std::to_string(n));
  }
  out->resize(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t value = 0;
    if (!ToInt64((*array)[i], &value)) {
      return Invalid(where + "." + key + "[" + std::to_string(i) + "]", "not an integer");
    }
    if (value < lo || value > hi) {
      return Invalid(where + "." + key + "[" + std::to_string(i) + "]",
                     std::to_string(value) + " is outside [" + std::to_string(lo) + ", " +
                         std::to_string(hi) + "]");
    }
    (*out)[i] = value;
  }
  return Status::Ok();
}

Status FloatArray(const json& tree, const char* key, const std::string& where, size_t n,
                  std::vector<float>* out) {
  PANO_ASSIGN_OR_RETURN(const json* array, MemberOfType(tree, key, where, json::value_t::array));
  if (array->size() != n) {
    return Invalid(where + "." + key, "has " + std::to_string(array->size()) +
                                          " entries, num_nodes is " + std::to_string(n));
  }
  out->resize(n);
  for (size_t i = 0; i < n; ++i) {
    const json& v = (*array)[i];
    // XGBoost writes float32 values in their shortest round-trip form, so double then
    // float recovers the value XGBoost itself reads.
    const float value = v.is_number() ? static_cast<float>(v.get<double>()) : NAN;
    if (!std::isfinite(value)) {
      return Invalid(where + "." + key + "[" + std::to_string(i) + "]",
                     "not a number finite in float32");
    }
    (*out)[i] = value;
  }
  return Status::Ok();
}

// The arrays of one XGBoost tree, checked for size and type.
struct RawTree {
  std::vector<int64_t> left, right, split_index, default_left, split_type;
  std::vector<float> split_condition, sum_hessian, base_weight;
};

Status ReadTree(const json& tree, const std::string& where, int num_features, RawTree* raw) {
  constexpr int64_t kMaxNodes = int64_t{1} << 28;
  PANO_ASSIGN_OR_RETURN(const json* param,
                        MemberOfType(tree, "tree_param", where, json::value_t::object));
  PANO_ASSIGN_OR_RETURN(int64_t num_nodes,
                        IntegerString(*param, "num_nodes", where + ".tree_param", 1, kMaxNodes));
  PANO_ASSIGN_OR_RETURN(int64_t leaf_vector, IntegerString(*param, "size_leaf_vector",
                                                           where + ".tree_param", 0, kMaxNodes));
  if (leaf_vector > 1) return Invalid(where, "vector leaves (multi-target trees) unsupported");
  const auto n = static_cast<size_t>(num_nodes);
  PANO_RETURN_IF_ERROR(IntArray(tree, "left_children", where, n, -1, num_nodes - 1, &raw->left));
  PANO_RETURN_IF_ERROR(IntArray(tree, "right_children", where, n, -1, num_nodes - 1, &raw->right));
  PANO_RETURN_IF_ERROR(IntArray(tree, "split_indices", where, n, 0,
                                std::numeric_limits<uint32_t>::max(), &raw->split_index));
  PANO_RETURN_IF_ERROR(IntArray(tree, "default_left", where, n, 0, 1, &raw->default_left));
  PANO_RETURN_IF_ERROR(FloatArray(tree, "split_conditions", where, n, &raw->split_condition));
  PANO_RETURN_IF_ERROR(FloatArray(tree, "sum_hessian", where, n, &raw->sum_hessian));
  PANO_RETURN_IF_ERROR(FloatArray(tree, "base_weights", where, n, &raw->base_weight));
  if (tree.is_object() && tree.contains("split_type")) {
    PANO_RETURN_IF_ERROR(IntArray(tree, "split_type", where, n, 0, 1, &raw->split_type));
    for (size_t i = 0; i < n; ++i) {
      if (raw->split_type[i] != 0) {
        return Invalid(where + ".split_type[" + std::to_string(i) + "]",
                       "categorical splits are not supported");
      }
    }
  }
  if (tree.is_object() && tree.contains("categories_nodes")) {
    const json& cats = tree["categories_nodes"];
    if (!cats.is_array() || !cats.empty()) {
      return Invalid(where + ".categories_nodes", "categorical splits are not supported");
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string node = where + " node " + std::to_string(i);
    if ((raw->left[i] < 0) != (raw->right[i] < 0)) return Invalid(node, "has a single child");
    if (raw->sum_hessian[i] < 0) return Invalid(node, "negative sum_hessian");
    if (raw->left[i] >= 0) {
      if (raw->split_index[i] >= num_features) {
        return Invalid(node, "split feature " + std::to_string(raw->split_index[i]) +
                                 " >= num_feature " + std::to_string(num_features));
      }
      if (!(raw->sum_hessian[i] > 0)) return Invalid(node, "internal node without cover");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<TreeEnsemble> TreeEnsemble::FromXgboostJson(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return Invalid("document", "larger than " + std::to_string(kMaxJsonBytes) + " bytes");
  }
  try {
    json doc;
    try {
      doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
      return Invalid("document", e.what());
    }
    PANO_ASSIGN_OR_RETURN(const json* learner,
                          MemberOfType(doc, "learner", "document", json::value_t::object));
    const std::string lw = "learner";

    PANO_ASSIGN_OR_RETURN(const json* objective,
                          MemberOfType(*learner, "objective", lw, json::value_t::object));
    PANO_ASSIGN_OR_RETURN(std::string objective_name,
                          StringMember(*objective, "name", lw + ".objective"));
    if (objective_name != "binary:logistic") {
      return Invalid(lw + ".objective.name", "objective \"" + objective_name +
                                                 "\" is not supported (binary:logistic only)");
    }

    PANO_ASSIGN_OR_RETURN(const json* lmp,
                          MemberOfType(*learner, "learner_model_param", lw, json::value_t::object));
    const std::string lmpw = lw + ".learner_model_param";
    PANO_ASSIGN_OR_RETURN(int64_t num_feature,
                          IntegerString(*lmp, "num_feature", lmpw, 1, kMaxFeatures));
    PANO_ASSIGN_OR_RETURN(float base_score, FloatString(*lmp, "base_score", lmpw));
    if (!(base_score > 0.0f && base_score < 1.0f)) {
      return Invalid(lmpw + ".base_score", "must be in (0, 1) for binary:logistic");
    }
    if (lmp->contains("num_class")) {
      PANO_ASSIGN_OR_RETURN(int64_t num_class, IntegerString(*lmp, "num_class", lmpw, 0, 1 << 20));
      if (num_class > 1) return Invalid(lmpw + ".num_class", "multi-class models unsupported");
    }
    if (lmp->contains("num_target")) {
      PANO_ASSIGN_OR_RETURN(int64_t num_target,
                            IntegerString(*lmp, "num_target", lmpw, 0, 1 << 20));
      if (num_target > 1) return Invalid(lmpw + ".num_target", "multi-target models unsupported");
    }

    PANO_ASSIGN_OR_RETURN(const json* booster,
                          MemberOfType(*learner, "gradient_booster", lw, json::value_t::object));
    const std::string bw = lw + ".gradient_booster";
    PANO_ASSIGN_OR_RETURN(std::string booster_name, StringMember(*booster, "name", bw));
    if (booster_name != "gbtree") {
      return Invalid(bw + ".name",
                     "booster \"" + booster_name + "\" is not supported (gbtree only)");
    }
    PANO_ASSIGN_OR_RETURN(const json* model,
                          MemberOfType(*booster, "model", bw, json::value_t::object));
    const std::string mw = bw + ".model";
    PANO_ASSIGN_OR_RETURN(const json* trees,
                          MemberOfType(*model, "trees", mw, json::value_t::array));
    if (trees->size() > (size_t{1} << 24)) return Invalid(mw + ".trees", "too many trees");
    const auto num_trees = static_cast<int64_t>(trees->size());
    PANO_ASSIGN_OR_RETURN(const json* gmp,
                          MemberOfType(*model, "gbtree_model_param", mw, json::value_t::object));
    PANO_ASSIGN_OR_RETURN(int64_t declared_trees,
                          IntegerString(*gmp, "num_trees", mw + ".gbtree_model_param", 0,
                                        std::numeric_limits<int32_t>::max()));
    if (declared_trees != num_trees) {
      return Invalid(mw + ".gbtree_model_param.num_trees", std::to_string(declared_trees) +
                                                               " but " + std::to_string(num_trees) +
                                                               " trees are present");
    }
    if (model->contains("tree_info")) {
      std::vector<int64_t> tree_info;
      PANO_RETURN_IF_ERROR(IntArray(*model, "tree_info", mw, trees->size(), 0, 0, &tree_info));
    }

    TreeEnsemble out;
    out.num_features_ = static_cast<int>(num_feature);
    // XGBoost's ProbToMargin for logistic regression, in float32.
    out.base_margin_f_ = -std::log(1.0f / base_score - 1.0f);
    out.base_margin_ = out.base_margin_f_;
    out.tree_roots_.reserve(trees->size());
    out.tree_depths_.reserve(trees->size());

    RawTree raw;
    std::vector<int64_t> order;    // flattened slot -> XGBoost node id
    std::vector<uint32_t> depth;   // flattened slot -> depth
    std::vector<uint8_t> reached;  // XGBoost node id -> already placed
    for (int64_t t = 0; t < num_trees; ++t) {
      const std::string tw = mw + ".trees[" + std::to_string(t) + "]";
      const json& tree = (*trees)[static_cast<size_t>(t)];
      if (!tree.is_object()) return Invalid(tw, "not an object");
      if (tree.contains("id")) {
        int64_t id = -1;
        if (!ToInt64(tree["id"], &id) || id != t) {
          return Invalid(tw + ".id", "must equal the tree's position " + std::to_string(t));
        }
      }
      PANO_RETURN_IF_ERROR(ReadTree(tree, tw, out.num_features_, &raw));
      const size_t n = raw.left.size();
      // Node indices (and index + 1) must fit in 32 bits.
      if (out.nodes_.size() + n > std::numeric_limits<uint32_t>::max() / 2) {
        return Invalid(tw, "too many nodes in the ensemble");
      }
      const auto base = static_cast<uint32_t>(out.nodes_.size());

      order.assign(1, 0);
      depth.assign(1, 0);
      reached.assign(n, 0);
      reached[0] = 1;
      uint32_t max_depth = 0;
      out.nodes_.resize(base + 1);
      for (size_t slot = 0; slot < order.size(); ++slot) {
        const auto id = static_cast<size_t>(order[slot]);
        Node& node = out.nodes_[base + slot];
        const auto self = base + static_cast<uint32_t>(slot);
        if (raw.left[id] < 0) {
          node.threshold_key = INT32_MIN;
          node.slot = 0;
          node.child = self - 1;  // wraps for node 0; a step adds the 1 back
          node.value = raw.split_condition[id];
          max_depth = std::max(max_depth, depth[slot]);
          continue;
        }
        for (int64_t child : {raw.left[id], raw.right[id]}) {
          const auto c = static_cast<size_t>(child);
          if (reached[c]) {
            return Invalid(tw + " node " + std::to_string(id),
                           "child " + std::to_string(c) + " is the root or has two parents");
          }
          reached[c] = 1;
        }
        const auto left = base + static_cast<uint32_t>(order.size());
        order.push_back(raw.left[id]);
        order.push_back(raw.right[id]);
        depth.push_back(depth[slot] + 1);
        depth.push_back(depth[slot] + 1);
        // `node` must not be used past this resize.
        Node internal;
        internal.threshold_key = FloatKey(raw.split_condition[id]);
        internal.slot =
            2 * static_cast<uint32_t>(raw.split_index[id]) + (raw.default_left[id] != 0 ? 1u : 0u);
        internal.child = left;
        out.nodes_[base + slot] = internal;
        out.nodes_.resize(base + order.size());
      }
      // Children come after their parent, so walking backwards meets children first.
      for (size_t slot = order.size(); slot-- > 0;) {
        Node& node = out.nodes_[base + slot];
        if (node.is_leaf()) continue;
        const auto l = static_cast<size_t>(order[node.left() - base]);
        const auto r = static_cast<size_t>(order[node.right() - base]);
        const auto id = static_cast<size_t>(order[slot]);
        float mean = out.nodes_[node.left()].value * raw.sum_hessian[l];
        mean += out.nodes_[node.right()].value * raw.sum_hessian[r];
        mean /= raw.sum_hessian[id];
        if (!std::isfinite(mean)) {
          return Invalid(tw + " node " + std::to_string(id),
                         "the cover-weighted mean of its leaves is not finite in float32");
        }
        node.value = mean;
      }
      out.tree_roots_.push_back(base);
      out.tree_depths_.push_back(max_depth);
    }
    for (size_t g = 0; g + kGroup <= out.tree_depths_.size(); g += kGroup) {
      out.group_depths_.push_back(
          *std::max_element(out.tree_depths_.begin() + g, out.tree_depths_.begin() + g + kGroup));
    }
    return out;
  } catch (const std::exception& e) {
    // Every access above is checked first; this is the net under nlohmann's throwing API.
    return Invalid("document", e.what());
  }
}

}  // namespace panorama::models
