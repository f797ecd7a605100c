// The model file: a round trip keeps every field and the model's predictions; writes are
// atomic (no temporary file left, an existing file replaced whole); bad files are errors
// that name the file and the field.
#include "models/model_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "models/model_data.h"

namespace panorama::models {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("models_file_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    testing::HandTree t;
    t.left = {1, -1, 3, -1, -1};
    t.right = {2, -1, 4, -1, -1};
    t.split_index = {0, 0, 2, 0, 0};
    t.default_left = {1, 0, 0, 0, 0};
    t.split_condition = {1.0, 0.5, 0.0, -1.0, 2.0};
    t.sum_hessian = {5, 3, 2, 1, 1};
    xgb_ = testing::MakeXgboostJson(3, 0.3, {t, testing::Stump(1, 5.0, 0.1, -0.1, false)});

    meta_.id = "fraud-20261203T120000Z";
    meta_.kind = "fraud";
    meta_.created_at = "2026-12-03T12:00:00Z";
    meta_.spec_name = "fraud";
    meta_.spec_version = 3;
    meta_.spec_fingerprint = 0xfedcba9876543210ull;
    meta_.features = {"tx.amount", "card_count_24h", "customer_amount_mean_30d"};
    meta_.train = {1'700'000'000'000'000, 1'700'600'000'000'000, 120000, 2400};
    meta_.valid = {1'700'600'000'000'000, 1'700'900'000'123'456, 30000, 610};
    meta_.auc = 0.9312;
    meta_.auprc = std::numeric_limits<double>::quiet_NaN();
    meta_.at_alert_rate = {{0.01, 300, 0.81, 0.5, 0.246},
                           {0.05, 1500, 0.3, std::numeric_limits<double>::quiet_NaN(), 0.6}};
    meta_.params.rounds = 250;
    meta_.params.eta = 0.05;
    meta_.params.seed = 99;
    meta_.params.early_stopping_rounds = 20;
    meta_.rounds = 2;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void Spit(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  // Writes a good file, edits its JSON, and expects ReadModelFile to fail mentioning needle.
  void ExpectReadFails(const std::function<void(json&)>& edit, const std::string& needle) {
    const std::string path = Path("edited.json");
    ASSERT_TRUE(WriteModelFile(path, meta_, xgb_).ok());
    json doc = json::parse(Slurp(path));
    edit(doc);
    Spit(path, doc.dump());
    auto r = ReadModelFile(path);
    ASSERT_FALSE(r.ok()) << "accepted; wanted an error about " << needle;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  }

  fs::path dir_;
  std::string xgb_;
  ModelMetadata meta_;
};

TEST_F(ModelFileTest, RoundTripKeepsEveryField) {
  const std::string path = Path("model.json");
  const Status s = WriteModelFile(path, meta_, xgb_);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto r = ReadModelFile(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ModelMetadata& m = r->meta;
  EXPECT_EQ(m.id, meta_.id);
  EXPECT_EQ(m.kind, meta_.kind);
  EXPECT_EQ(m.created_at, meta_.created_at);
  EXPECT_EQ(m.spec_name, meta_.spec_name);
  EXPECT_EQ(m.spec_version, 3);
  EXPECT_EQ(m.spec_fingerprint, 0xfedcba9876543210ull);
  EXPECT_EQ(m.features, meta_.features);
  EXPECT_EQ(m.train.from, meta_.train.from);
  EXPECT_EQ(m.train.to, meta_.train.to);
  EXPECT_EQ(m.train.rows, 120000u);
  EXPECT_EQ(m.train.positives, 2400u);
  EXPECT_EQ(m.valid.to, 1'700'900'000'123'456);
  EXPECT_EQ(m.valid.positives, 610u);
  EXPECT_EQ(m.auc, 0.9312);
  EXPECT_TRUE(std::isnan(m.auprc));
  ASSERT_EQ(m.at_alert_rate.size(), 2u);
  EXPECT_EQ(m.at_alert_rate[0].rate, 0.01);
  EXPECT_EQ(m.at_alert_rate[0].alerts, 300u);
  EXPECT_EQ(m.at_alert_rate[0].threshold, 0.81);
  EXPECT_EQ(m.at_alert_rate[0].recall, 0.246);
  EXPECT_TRUE(std::isnan(m.at_alert_rate[1].precision));
  EXPECT_EQ(m.params.rounds, 250);
  EXPECT_EQ(m.params.eta, 0.05);
  EXPECT_EQ(m.params.seed, 99u);
  EXPECT_EQ(m.params.early_stopping_rounds, 20);
  EXPECT_EQ(m.params.max_depth, meta_.params.max_depth);
  EXPECT_EQ(m.params.subsample, meta_.params.subsample);
  EXPECT_EQ(m.rounds, 2);

  // The embedded model is the same model.
  auto original = TreeEnsemble::FromXgboostJson(xgb_);
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(r->ensemble.num_trees(), 2);
  EXPECT_EQ(r->ensemble.num_features(), 3);
  EXPECT_EQ(r->ensemble.base_margin(), original->base_margin());
  const float rows[][3] = {{2, 0, -1}, {0, 9, 1}, {NAN, NAN, NAN}, {1, 5, 0}};
  for (const auto& row : rows) {
    EXPECT_EQ(r->ensemble.Predict(row), original->Predict(row));
  }
  auto again = TreeEnsemble::FromXgboostJson(r->xgboost_json);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->nodes().size(), original->nodes().size());
}

TEST_F(ModelFileTest, WriteReplacesAtomicallyAndLeavesNoTemporaryFile) {
  const std::string path = Path("model.json");
  ASSERT_TRUE(WriteModelFile(path, meta_, xgb_).ok());
  meta_.id = "fraud-2";
  ASSERT_TRUE(WriteModelFile(path, meta_, xgb_).ok());
  auto r = ReadModelFile(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->meta.id, "fraud-2");
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "model.json");
  }
  EXPECT_EQ(files, 1u);
}

TEST_F(ModelFileTest, WriteRefusesWhatCouldNotBeRead) {
  meta_.features.pop_back();
  Status s = WriteModelFile(Path("a.json"), meta_, xgb_);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("2 feature names for a model of 3 features"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("a.json"), std::string::npos);
  meta_.features.push_back("x");
  s = WriteModelFile(Path("b.json"), meta_, "{\"learner\": 1}");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  meta_.id.clear();
  EXPECT_FALSE(WriteModelFile(Path("c.json"), meta_, xgb_).ok());
  EXPECT_FALSE(fs::exists(Path("a.json")));
  EXPECT_FALSE(fs::exists(Path("b.json")));
  EXPECT_FALSE(fs::exists(Path("c.json")));
}

TEST_F(ModelFileTest, WriteIntoAMissingDirectoryIsAnIOError) {
  const std::string path = Path("no/such/dir/model.json");
  const Status s = WriteModelFile(path, meta_, xgb_);
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

TEST_F(ModelFileTest, MissingAndUnreadableFilesAreNamed) {
  auto r = ReadModelFile(Path("absent.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("absent.json"), std::string::npos);
  r = ReadModelFile(dir_.string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a regular file"), std::string::npos)
      << r.status().message();
}

TEST_F(ModelFileTest, TruncatedAndNonJsonFilesAreRejected) {
  const std::string path = Path("model.json");
  ASSERT_TRUE(WriteModelFile(path, meta_, xgb_).ok());
  const std::string text = Slurp(path);
  for (const size_t keep : {size_t{0}, size_t{1}, text.size() / 3, text.size() - 3}) {
    Spit(path, text.substr(0, keep));
    auto r = ReadModelFile(path);
    ASSERT_FALSE(r.ok()) << keep;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(path), std::string::npos);
  }
}

TEST_F(ModelFileTest, BadFieldsAreRejectedByName) {
  ExpectReadFails([](json& d) { d["format"] = "other"; }, "format");
  ExpectReadFails([](json& d) { d["format_version"] = 2; }, "version 2 is not supported");
  ExpectReadFails([](json& d) { d.erase("id"); }, "id: missing");
  ExpectReadFails([](json& d) { d["features"].push_back("extra"); }, "4 names, the model has 3");
  ExpectReadFails([](json& d) { d["features"][1] = d["features"][0]; }, "duplicate feature");
  ExpectReadFails([](json& d) { d["features"][1] = 7; }, "features[1]");
  ExpectReadFails([](json& d) { d["spec"]["fingerprint"] = "xyz"; }, "fingerprint");
  ExpectReadFails([](json& d) { d["spec"]["fingerprint"] = "FEDCBA9876543210"; }, "fingerprint");
  ExpectReadFails([](json& d) { d["train"]["from"] = "yesterday"; }, "train.from");
  ExpectReadFails([](json& d) { d["train"]["rows"] = -5; }, "train.rows");
  ExpectReadFails([](json& d) { d["valid"]["positives"] = 1e12; }, "valid.positives");
  ExpectReadFails([](json& d) { d["valid"]["positives"] = 40000; }, "more than rows");
  ExpectReadFails([](json& d) { d["metrics"]["auc"] = "high"; }, "metrics.auc");
  ExpectReadFails([](json& d) { d["metrics"]["at_alert_rate"][1].erase("recall"); },
                  "metrics.at_alert_rate[1].recall");
  ExpectReadFails([](json& d) { d["params"]["rounds"] = 1e100; }, "params.rounds");
  ExpectReadFails([](json& d) { d["params"]["max_depth"] = 99999999999; }, "params.max_depth");
  ExpectReadFails([](json& d) { d["rounds"] = -1; }, "rounds");
  ExpectReadFails([](json& d) { d.erase("xgboost"); }, "xgboost: missing");
  ExpectReadFails(
      [](json& d) { d["xgboost"]["learner"]["objective"]["name"] = "reg:squarederror"; },
      "binary:logistic only");
  ExpectReadFails([](json& d) { d = json::array(); }, "not an object");
}

TEST_F(ModelFileTest, ARealXgboostModelRoundTripsThroughTheFile) {
  const Dataset d = testing::MakeSyntheticDataset(2000, 8, 30);
  TrainParams p;
  p.rounds = 20;
  p.threads = 1;
  auto outcome = TrainGradientBoosting(d, nullptr, p);
  ASSERT_TRUE(outcome.ok());
  meta_.features = {"a", "b", "c", "d", "e", "f", "g", "h"};
  const std::string path = Path("real.json");
  ASSERT_TRUE(WriteModelFile(path, meta_, outcome->model_json).ok());
  auto r = ReadModelFile(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto direct = TreeEnsemble::FromXgboostJson(outcome->model_json);
  ASSERT_TRUE(direct.ok());
  std::vector<double> a(d.rows());
  std::vector<double> b(d.rows());
  r->ensemble.PredictBatch(d.values.data(), d.rows(), a.data());
  direct->PredictBatch(d.values.data(), d.rows(), b.data());
  EXPECT_EQ(a, b);
  // XGBoost itself loads the embedded (re-serialized) model and agrees.
  auto booster = XgboostBooster::Load(r->xgboost_json);
  ASSERT_TRUE(booster.ok()) << booster.status().ToString();
  std::vector<float> expected;
  ASSERT_EQ((*booster)->Predict(d.values.data(), d.rows(), d.cols, &expected).ToString(), "OK");
  for (size_t i = 0; i < d.rows(); ++i) ASSERT_EQ(a[i], static_cast<double>(expected[i])) << i;
}

}  // namespace
}  // namespace panorama::models
