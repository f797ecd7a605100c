// Malformed and hostile XGBoost JSON: every case is an InvalidArgument with a message that
// names the problem, never a crash; and a mutation fuzzer over a real model's text and
// structure (under ASan/UBSan in CI) whose survivors must still be well-formed ensembles.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "models/model_data.h"
#include "models/tree_ensemble.h"
#include "models/xgboost_trainer.h"

namespace panorama::models {
namespace {

using nlohmann::json;

std::string ValidJson() {
  testing::HandTree t;
  t.left = {1, -1, 3, -1, -1};
  t.right = {2, -1, 4, -1, -1};
  t.split_index = {0, 0, 1, 0, 0};
  t.default_left = {1, 0, 0, 0, 0};
  t.split_condition = {1.0, 0.5, 0.0, -1.0, 2.0};
  t.sum_hessian = {5, 3, 2, 1, 1};
  return testing::MakeXgboostJson(2, 0.5, {t, testing::Stump(1, 5.0, 0.1, -0.1, false)});
}

json& Tree0(json& doc) { return doc["learner"]["gradient_booster"]["model"]["trees"][0]; }

// Applies `edit` to the valid model and expects InvalidArgument mentioning `needle`.
void ExpectRejected(const std::function<void(json&)>& edit, const std::string& needle) {
  json doc = json::parse(ValidJson());
  edit(doc);
  auto e = TreeEnsemble::FromXgboostJson(doc.dump());
  ASSERT_FALSE(e.ok()) << "accepted; wanted an error about " << needle;
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status().message().find(needle), std::string::npos) << e.status().message();
}

TEST(ModelJsonTest, TheBaseModelIsValid) {
  auto e = TreeEnsemble::FromXgboostJson(ValidJson());
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->num_trees(), 2);
}

TEST(ModelJsonTest, OtherObjectivesAreRejected) {
  for (const char* objective :
       {"reg:squarederror", "binary:logitraw", "multi:softprob", "binary:hinge", "reg:logistic"}) {
    auto e = TreeEnsemble::FromXgboostJson(
        testing::MakeXgboostJson(1, 0.5, {testing::Stump(0, 0, 1, 2, true)}, objective));
    ASSERT_FALSE(e.ok()) << objective;
    EXPECT_NE(e.status().message().find("binary:logistic only"), std::string::npos)
        << e.status().message();
    EXPECT_NE(e.status().message().find(objective), std::string::npos);
  }
}

TEST(ModelJsonTest, OtherBoostersAreRejected) {
  ExpectRejected([](json& d) { d["learner"]["gradient_booster"]["name"] = "dart"; }, "gbtree only");
  ExpectRejected([](json& d) { d["learner"]["gradient_booster"]["name"] = "gblinear"; },
                 "gbtree only");
}

TEST(ModelJsonTest, CategoricalSplitsAreRejected) {
  ExpectRejected([](json& d) { Tree0(d)["split_type"][0] = 1; }, "categorical");
  ExpectRejected([](json& d) { Tree0(d)["categories_nodes"] = {0}; }, "categorical");
}

TEST(ModelJsonTest, MultiClassAndVectorLeavesAreRejected) {
  ExpectRejected([](json& d) { d["learner"]["learner_model_param"]["num_class"] = "3"; },
                 "multi-class");
  ExpectRejected([](json& d) { d["learner"]["learner_model_param"]["num_target"] = "2"; },
                 "multi-target");
  ExpectRejected([](json& d) { Tree0(d)["tree_param"]["size_leaf_vector"] = "2"; },
                 "vector leaves");
  ExpectRejected([](json& d) { d["learner"]["gradient_booster"]["model"]["tree_info"][1] = 1; },
                 "tree_info[1]");
}

TEST(ModelJsonTest, ChildIndicesOutOfRangeAreRejected) {
  ExpectRejected([](json& d) { Tree0(d)["left_children"][0] = 5; }, "left_children[0]");
  ExpectRejected([](json& d) { Tree0(d)["right_children"][2] = 1000000000; }, "right_children[2]");
  ExpectRejected([](json& d) { Tree0(d)["left_children"][0] = -2; }, "left_children[0]");
  ExpectRejected([](json& d) { Tree0(d)["left_children"][0] = 1.5; }, "not an integer");
  ExpectRejected([](json& d) { Tree0(d)["left_children"][0] = "1"; }, "not an integer");
  ExpectRejected([](json& d) { Tree0(d)["left_children"][0] = 18446744073709551615ull; },
                 "left_children[0]");
}

TEST(ModelJsonTest, CyclesAndSharedChildrenAreRejected) {
  // A child pointing back at the root.
  ExpectRejected([](json& d) { Tree0(d)["right_children"][2] = 0; }, "two parents");
  // A node that is its own child.
  ExpectRejected([](json& d) { Tree0(d)["left_children"][2] = 2; }, "two parents");
  // Both children the same node.
  ExpectRejected([](json& d) { Tree0(d)["right_children"][0] = 1; }, "two parents");
  // A loop deeper down: node 2's child is node 1, already a child of the root.
  ExpectRejected([](json& d) { Tree0(d)["left_children"][2] = 1; }, "two parents");
}

TEST(ModelJsonTest, SingleChildIsRejected) {
  ExpectRejected([](json& d) { Tree0(d)["right_children"][0] = -1; }, "single child");
}

TEST(ModelJsonTest, FeatureIndicesBeyondNumFeatureAreRejected) {
  ExpectRejected([](json& d) { Tree0(d)["split_indices"][2] = 2; }, "num_feature 2");
  ExpectRejected([](json& d) { Tree0(d)["split_indices"][2] = -1; }, "split_indices[2]");
  ExpectRejected([](json& d) { Tree0(d)["split_indices"][2] = 4294967296ll; }, "split_indices[2]");
}

TEST(ModelJsonTest, BadNumFeatureIsRejected) {
  for (const char* bad : {"0", "-1", "99999999999", "abc", "", "2x", "1e3"}) {
    json doc = json::parse(ValidJson());
    doc["learner"]["learner_model_param"]["num_feature"] = bad;
    auto e = TreeEnsemble::FromXgboostJson(doc.dump());
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("num_feature"), std::string::npos);
  }
  ExpectRejected([](json& d) { d["learner"]["learner_model_param"]["num_feature"] = 2; },
                 "not string");
}

TEST(ModelJsonTest, SizesThatDisagreeAreRejected) {
  ExpectRejected([](json& d) { Tree0(d)["tree_param"]["num_nodes"] = "7"; }, "num_nodes is 7");
  ExpectRejected([](json& d) { Tree0(d)["split_conditions"].erase(4); }, "split_conditions");
  ExpectRejected([](json& d) { Tree0(d)["sum_hessian"].push_back(1.0); }, "sum_hessian");
  ExpectRejected([](json& d) { Tree0(d)["default_left"] = json::array(); }, "default_left");
  ExpectRejected(
      [](json& d) {
        d["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "3";
      },
      "num_trees");
  ExpectRejected([](json& d) { Tree0(d)["tree_param"]["num_nodes"] = "0"; }, "num_nodes");
  ExpectRejected([](json& d) { Tree0(d)["id"] = 1; }, "id");
}

TEST(ModelJsonTest, MissingFieldsAreRejected) {
  ExpectRejected([](json& d) { Tree0(d).erase("left_children"); }, "left_children: missing");
  ExpectRejected([](json& d) { Tree0(d).erase("sum_hessian"); }, "sum_hessian: missing");
  ExpectRejected([](json& d) { d["learner"].erase("objective"); }, "objective: missing");
  ExpectRejected([](json& d) { d["learner"]["learner_model_param"].erase("base_score"); },
                 "base_score: missing");
  ExpectRejected([](json& d) { d.erase("learner"); }, "learner: missing");
  ExpectRejected([](json& d) { d["learner"]["gradient_booster"]["model"]["trees"] = 3; },
                 "trees: not array");
}

TEST(ModelJsonTest, NumbersNotFiniteInFloatAreRejected) {
  ExpectRejected([](json& d) { Tree0(d)["split_conditions"][0] = 1e39; }, "finite in float32");
  ExpectRejected([](json& d) { Tree0(d)["split_conditions"][3] = -1e300; }, "finite in float32");
  ExpectRejected([](json& d) { Tree0(d)["sum_hessian"][1] = "x"; }, "sum_hessian[1]");
  ExpectRejected([](json& d) { Tree0(d)["sum_hessian"][1] = -1.0; }, "negative sum_hessian");
  ExpectRejected([](json& d) { Tree0(d)["sum_hessian"][2] = 0.0; }, "without cover");
  // Finite leaves and covers whose weighted mean overflows float32.
  ExpectRejected(
      [](json& d) {
        Tree0(d)["split_conditions"][3] = 3e38;
        Tree0(d)["split_conditions"][4] = 3e38;
        Tree0(d)["sum_hessian"][3] = 3e38;
      },
      "not finite");
  for (const char* bad : {"0", "1", "1.5", "-0.5", "nan", "inf", "x", "1e-50"}) {
    json doc = json::parse(ValidJson());
    doc["learner"]["learner_model_param"]["base_score"] = bad;
    EXPECT_FALSE(TreeEnsemble::FromXgboostJson(doc.dump()).ok()) << bad;
  }
}

TEST(ModelJsonTest, TextThatIsNotAModelIsRejected) {
  const std::string valid = ValidJson();
  const std::string cases[] = {
      "",
      "null",
      "[]",
      "{}",
      "42",
      "\"learner\"",
      valid.substr(0, valid.size() / 2),
      valid.substr(0, valid.size() - 1),
      valid + "x",
      R"({"learner": 1})",
      R"({"learner": {"objective": {"name": 7}}})",
      "{\"learner\": \xff}",
      R"({"learner": {"objective": {"name": "binary:logistic"}, "learner_model_param": 1e400}})",
  };
  for (const std::string& text : cases) {
    auto e = TreeEnsemble::FromXgboostJson(text);
    ASSERT_FALSE(e.ok()) << text;
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find("xgboost model"), std::string::npos);
  }
}

TEST(ModelJsonTest, DeepNestingDoesNotOverflowTheStack) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  EXPECT_FALSE(TreeEnsemble::FromXgboostJson(deep).ok());
  const std::string deep_obj = "{\"learner\":" + std::string(100000, '[');
  EXPECT_FALSE(TreeEnsemble::FromXgboostJson(deep_obj).ok());
}

// Checks what an accepted model must satisfy whatever its origin.
void ExpectWellFormed(const TreeEnsemble& e) {
  const auto nodes = e.nodes();
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    ASSERT_TRUE(std::isfinite(n.value));
    if (n.is_leaf()) {
      ASSERT_EQ(n.right(), i);  // a step from a leaf stays on it
    } else {
      ASSERT_LT(n.feature(), e.num_features());
      ASSERT_GT(n.left(), i);
      ASSERT_EQ(n.right(), n.left() + 1);
      ASSERT_LT(n.right(), nodes.size());
      ASSERT_TRUE(std::isfinite(n.threshold()));
    }
  }
  std::vector<float> row(static_cast<size_t>(e.num_features()), 0.5f);
  const double p = e.Predict(row);
  ASSERT_TRUE(p >= 0 && p <= 1) << p;
  std::fill(row.begin(), row.end(), std::numeric_limits<float>::quiet_NaN());
  std::vector<double> c(row.size() + 1);
  e.Contributions(row, c);
  for (const double v : c) ASSERT_FALSE(std::isnan(v));
}

class FuzzTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Dataset d = testing::MakeSyntheticDataset(3000, 8, 21);
    TrainParams p;
    p.rounds = 6;
    p.max_depth = 3;
    p.threads = 1;
    auto outcome = TrainGradientBoosting(d, nullptr, p);
    ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
    model_ = new std::string(outcome->model_json);
  }
  static void TearDownTestSuite() { delete model_; }
  static std::string* model_;
};
std::string* FuzzTest::model_ = nullptr;

TEST_F(FuzzTest, ByteMutationsNeverCrash) {
  std::mt19937_64 rng(1);
  // JSON's punctuation and literals, an invalid UTF-8 byte and a NUL.
  const std::string alphabet = std::string("0123456789-+.eE[]{},:\"truefalsnl \xff") + '\0';
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = *model_;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + rng() % 8);
          break;
        case 2:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          text.resize(at);
          break;
      }
      if (text.empty()) text = "{";
    }
    auto e = TreeEnsemble::FromXgboostJson(text);
    if (e.ok()) {
      ++accepted;
      ExpectWellFormed(*e);
    } else {
      EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
    }
  }
  // Most single-byte edits land in a number or a name and still parse: some are accepted.
  EXPECT_GT(accepted, 0);
}

// Replaces values inside the tree arrays and parameters with hostile ones.
TEST_F(FuzzTest, StructuralMutationsNeverCrash) {
  std::mt19937_64 rng(2);
  const json base = json::parse(*model_);
  const char* arrays[] = {"left_children",    "right_children", "split_indices", "default_left",
                          "split_conditions", "sum_hessian",    "base_weights",  "split_type"};
  const json hostile[] = {
      -1,   0,     1,    2,   7,   -2,      1000000, 2147483648ll,  -1e9,           1.5,
      1e38, -1e38, 1e39, 0.0, "1", nullptr, true,    json::array(), json::object(), 4294967295ull,
      1e-45};
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    json doc = base;
    json& trees = doc["learner"]["gradient_booster"]["model"]["trees"];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      json& tree = trees[rng() % trees.size()];
      json& array = tree[arrays[rng() % std::size(arrays)]];
      switch (rng() % 5) {
        case 0:
          if (!array.empty()) array.erase(rng() % array.size());
          break;
        case 1:
          array.push_back(hostile[rng() % std::size(hostile)]);
          break;
        case 2:
          tree["tree_param"]["num_nodes"] = std::to_string(rng() % 40);
          break;
        default:
          if (!array.empty()) array[rng() % array.size()] = hostile[rng() % std::size(hostile)];
          break;
      }
    }
    auto e = TreeEnsemble::FromXgboostJson(doc.dump());
    if (e.ok()) {
      ++accepted;
      ExpectWellFormed(*e);
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace panorama::models
