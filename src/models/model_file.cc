// The model file: metadata and the XGBoost model in one JSON document (model_file.h).
// Written atomically (temporary file, fsync, rename, fsync of the directory), so a reader
// sees the old file or the new one, never a torn one. Read as untrusted input: every field
// is checked for presence, type and range, and nlohmann's exceptions stay in this file.
#include "models/model_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "core/atomic_file.h"

namespace panorama::models {
namespace {

using nlohmann::json;

constexpr char kFormat[] = "panorama-model";
constexpr int64_t kFormatVersion = 1;
constexpr size_t kMaxFileBytes = TreeEnsemble::kMaxJsonBytes + (size_t{64} << 20);

// JSON has no NaN or infinity: they are written as null and read back as NaN.
json Real(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json PeriodJson(const Period& p) {
  return {{"from", FormatIso8601(p.from)},
          {"to", FormatIso8601(p.to)},
          {"rows", p.rows},
          {"positives", p.positives}};
}

json ParamsJson(const TrainParams& p) {
  return {{"rounds", p.rounds},
          {"max_depth", p.max_depth},
          {"eta", Real(p.eta)},
          {"subsample", Real(p.subsample)},
          {"colsample_bytree", Real(p.colsample_bytree)},
          {"min_child_weight", Real(p.min_child_weight)},
          {"lambda", Real(p.lambda)},
          {"scale_pos_weight", Real(p.scale_pos_weight)},
          {"max_bin", p.max_bin},
          {"threads", p.threads},
          {"seed", p.seed},
          {"early_stopping_rounds", p.early_stopping_rounds}};
}

// Field readers: `where` is the JSON path of the object, for messages.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  Status Check() const { return object_.is_object() ? Status::Ok() : Error("", "not an object"); }
  Result<const json*> Get(const char* key) const {
    PANO_RETURN_IF_ERROR(Check());
    auto it = object_.find(key);
    if (it == object_.end()) return Error(key, "missing");
    return &*it;
  }
  Result<std::string> String(const char* key) const {
    PANO_ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_string()) return Error(key, "not a string");
    return v->get<std::string>();
  }
  Result<int64_t> Int(const char* key, int64_t lo, int64_t hi) const {
    PANO_ASSIGN_OR_RETURN(const json* v, Get(key));
    int64_t value = 0;
    if (v->is_number_unsigned()) {
      const auto u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(hi)) return Error(key, "out of range");
      value = static_cast<int64_t>(u);
    } else if (v->is_number_integer()) {
      value = v->get<int64_t>();
    } else {
      return Error(key, "not an integer");
    }
    if (value < lo || value > hi) return Error(key, "out of range");
    return value;
  }
  Result<uint64_t> Uint(const char* key) const {
    PANO_ASSIGN_OR_RETURN(const json* v, Get(key));
    if (!v->is_number_unsigned()) return Error(key, "not a non-negative integer");
    return v->get<uint64_t>();
  }
  // A number, or null for NaN.
  Result<double> Real(const char* key) const {
    PANO_ASSIGN_OR_RETURN(const json* v, Get(key));
    if (v->is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!v->is_number()) return Error(key, "not a number");
    return v->get<double>();
  }
  Result<Timestamp> Time(const char* key) const {
    PANO_ASSIGN_OR_RETURN(std::string text, String(key));
    auto ts = ParseIso8601(text);
    if (!ts.ok()) return Error(key, ts.status().message());
    return *ts;
  }
  Result<Fields> Object(const char* key) const {
    PANO_ASSIGN_OR_RETURN(const json* v, Get(key));
    Fields f(*v, Path(key));
    PANO_RETURN_IF_ERROR(f.Check());
    return f;
  }
  std::string Path(std::string_view key) const {
    return where_.empty() ? std::string(key) : where_ + "." + std::string(key);
  }
  Status Error(std::string_view key, std::string_view why) const {
    return Status::InvalidArgument((key.empty() ? where_ : Path(key)) + ": " + std::string(why));
  }

 private:
  const json& object_;
  std::string where_;
};

Result<Period> ReadPeriod(const Fields& parent, const char* key) {
  PANO_ASSIGN_OR_RETURN(Fields f, parent.Object(key));
  Period p;
  PANO_ASSIGN_OR_RETURN(p.from, f.Time("from"));
  PANO_ASSIGN_OR_RETURN(p.to, f.Time("to"));
  PANO_ASSIGN_OR_RETURN(p.rows, f.Uint("rows"));
  PANO_ASSIGN_OR_RETURN(p.positives, f.Uint("positives"));
  if (p.positives > p.rows) return f.Error("positives", "more than rows");
  return p;
}

Result<TrainParams> ReadParams(const Fields& f) {
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  TrainParams p;
  PANO_ASSIGN_OR_RETURN(int64_t rounds, f.Int("rounds", 0, kIntMax));
  PANO_ASSIGN_OR_RETURN(int64_t max_depth, f.Int("max_depth", 0, kIntMax));
  PANO_ASSIGN_OR_RETURN(p.eta, f.Real("eta"));
  PANO_ASSIGN_OR_RETURN(p.subsample, f.Real("subsample"));
  PANO_ASSIGN_OR_RETURN(p.colsample_bytree, f.Real("colsample_bytree"));
  PANO_ASSIGN_OR_RETURN(p.min_child_weight, f.Real("min_child_weight"));
  PANO_ASSIGN_OR_RETURN(p.lambda, f.Real("lambda"));
  PANO_ASSIGN_OR_RETURN(p.scale_pos_weight, f.Real("scale_pos_weight"));
  PANO_ASSIGN_OR_RETURN(int64_t max_bin, f.Int("max_bin", 0, kIntMax));
  PANO_ASSIGN_OR_RETURN(int64_t threads, f.Int("threads", 0, kIntMax));
  PANO_ASSIGN_OR_RETURN(p.seed, f.Uint("seed"));
  PANO_ASSIGN_OR_RETURN(int64_t early, f.Int("early_stopping_rounds", 0, kIntMax));
  p.rounds = static_cast<int>(rounds);
  p.max_depth = static_cast<int>(max_depth);
  p.max_bin = static_cast<int>(max_bin);
  p.threads = static_cast<int>(threads);
  p.early_stopping_rounds = static_cast<int>(early);
  return p;
}

Result<ModelMetadata> ReadMetadata(const json& doc) {
  const Fields top(doc, "");
  PANO_RETURN_IF_ERROR(top.Check());
  PANO_ASSIGN_OR_RETURN(std::string format, top.String("format"));
  if (format != kFormat) {
    return top.Error("format", "\"" + format + "\" is not \"" + kFormat + "\"");
  }
  PANO_ASSIGN_OR_RETURN(int64_t version, top.Int("format_version", 0, 1 << 30));
  if (version != kFormatVersion) {
    return top.Error("format_version", "version " + std::to_string(version) +
                                           " is not supported (only " +
                                           std::to_string(kFormatVersion) + ")");
  }
  ModelMetadata m;
  PANO_ASSIGN_OR_RETURN(m.id, top.String("id"));
  if (m.id.empty()) return top.Error("id", "empty");
  PANO_ASSIGN_OR_RETURN(m.kind, top.String("kind"));
  PANO_ASSIGN_OR_RETURN(m.created_at, top.String("created_at"));

  PANO_ASSIGN_OR_RETURN(Fields spec, top.Object("spec"));
  PANO_ASSIGN_OR_RETURN(m.spec_name, spec.String("name"));
  PANO_ASSIGN_OR_RETURN(m.spec_version, spec.Int("version", std::numeric_limits<int64_t>::min(),
                                                 std::numeric_limits<int64_t>::max()));
  PANO_ASSIGN_OR_RETURN(std::string fingerprint, spec.String("fingerprint"));
  {
    char* end = nullptr;
    errno = 0;
    m.spec_fingerprint = std::strtoull(fingerprint.c_str(), &end, 16);
    if (fingerprint.size() != 16 || errno != 0 || end != fingerprint.c_str() + 16 ||
        fingerprint.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return spec.Error("fingerprint", "not 16 lowercase hex digits");
    }
  }

  PANO_ASSIGN_OR_RETURN(const json* features, top.Get("features"));
  if (!features->is_array()) return top.Error("features", "not an array");
  std::set<std::string> seen;
  for (size_t i = 0; i < features->size(); ++i) {
    const json& name = (*features)[i];
    const std::string where = "features[" + std::to_string(i) + "]";
    if (!name.is_string() || name.get_ref<const std::string&>().empty()) {
      return Status::InvalidArgument(where + ": not a non-empty string");
    }
    if (!seen.insert(name.get<std::string>()).second) {
      return Status::InvalidArgument(where + ": duplicate feature \"" + name.get<std::string>() +
                                     "\"");
    }
    m.features.push_back(name.get<std::string>());
  }

  PANO_ASSIGN_OR_RETURN(m.train, ReadPeriod(top, "train"));
  PANO_ASSIGN_OR_RETURN(m.valid, ReadPeriod(top, "valid"));

  PANO_ASSIGN_OR_RETURN(Fields metrics, top.Object("metrics"));
  PANO_ASSIGN_OR_RETURN(m.auc, metrics.Real("auc"));
  PANO_ASSIGN_OR_RETURN(m.auprc, metrics.Real("auprc"));
  PANO_ASSIGN_OR_RETURN(const json* rates, metrics.Get("at_alert_rate"));
  if (!rates->is_array()) return metrics.Error("at_alert_rate", "not an array");
  for (size_t i = 0; i < rates->size(); ++i) {
    const Fields r((*rates)[i], metrics.Path("at_alert_rate[" + std::to_string(i) + "]"));
    AlertRateResult a;
    PANO_ASSIGN_OR_RETURN(a.rate, r.Real("rate"));
    PANO_ASSIGN_OR_RETURN(uint64_t alerts, r.Uint("alerts"));
    a.alerts = static_cast<size_t>(alerts);
    PANO_ASSIGN_OR_RETURN(a.threshold, r.Real("threshold"));
    PANO_ASSIGN_OR_RETURN(a.precision, r.Real("precision"));
    PANO_ASSIGN_OR_RETURN(a.recall, r.Real("recall"));
    m.at_alert_rate.push_back(a);
  }

  PANO_ASSIGN_OR_RETURN(Fields params, top.Object("params"));
  PANO_ASSIGN_OR_RETURN(m.params, ReadParams(params));
  PANO_ASSIGN_OR_RETURN(int64_t rounds, top.Int("rounds", 0, std::numeric_limits<int>::max()));
  m.rounds = static_cast<int>(rounds);
  return m;
}

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno("open", errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::FromErrno("stat", err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    ::close(fd);
    return Status::InvalidArgument("larger than " + std::to_string(kMaxFileBytes) + " bytes");
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::FromErrno("read", err);
    }
    if (n == 0) break;  // the file shrank while being read
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

Status WriteImpl(const std::string& path, const ModelMetadata& meta,
                 const std::string& xgboost_json) {
  PANO_ASSIGN_OR_RETURN(TreeEnsemble ensemble, TreeEnsemble::FromXgboostJson(xgboost_json));
  if (meta.features.size() != static_cast<size_t>(ensemble.num_features())) {
    return Status::InvalidArgument(std::to_string(meta.features.size()) +
                                   " feature names for a model of " +
                                   std::to_string(ensemble.num_features()) + " features");
  }
  if (meta.id.empty()) return Status::InvalidArgument("empty model id");
  json rates = json::array();
  for (const AlertRateResult& r : meta.at_alert_rate) {
    rates.push_back({{"rate", Real(r.rate)},
                     {"alerts", r.alerts},
                     {"threshold", Real(r.threshold)},
                     {"precision", Real(r.precision)},
                     {"recall", Real(r.recall)}});
  }
  char fingerprint[17];
  std::snprintf(fingerprint, sizeof fingerprint, "%016" PRIx64, meta.spec_fingerprint);
  json doc = {
      {"format", kFormat},
      {"format_version", kFormatVersion},
      {"id", meta.id},
      {"kind", meta.kind},
      {"created_at", meta.created_at},
      {"spec",
       {{"name", meta.spec_name}, {"version", meta.spec_version}, {"fingerprint", fingerprint}}},
      {"features", meta.features},
      {"train", PeriodJson(meta.train)},
      {"valid", PeriodJson(meta.valid)},
      {"metrics", {{"auc", Real(meta.auc)}, {"auprc", Real(meta.auprc)}, {"at_alert_rate", rates}}},
      {"params", ParamsJson(meta.params)},
      {"rounds", meta.rounds},
      {"xgboost", json::parse(xgboost_json)},
  };
  // error_handler replace: invalid UTF-8 in a name must not throw.
  std::string text = doc.dump(-1, ' ', false, json::error_handler_t::replace);
  text.push_back('\n');
  return WriteFileAtomically(path, text);
}

}  // namespace

Status WriteModelFile(const std::string& path, const ModelMetadata& meta,
                      const std::string& xgboost_json) {
  Status s;
  try {
    s = WriteImpl(path, meta, xgboost_json);
  } catch (const std::exception& e) {
    s = Status::InvalidArgument(e.what());
  }
  return s.ok() ? s : s.WithContext("writing model file " + path);
}

Result<ModelFile> ReadModelFile(const std::string& path) {
  auto fail = [&](const Status& s) { return s.WithContext("model file " + path); };
  auto text = ReadWholeFile(path);
  if (!text.ok()) return fail(text.status());
  try {
    json doc;
    try {
      doc = json::parse(*text);
    } catch (const json::parse_error& e) {
      return fail(Status::InvalidArgument(e.what()));
    }
    auto meta = ReadMetadata(doc);
    if (!meta.ok()) return fail(meta.status());
    if (!doc.contains("xgboost")) return fail(Status::InvalidArgument("xgboost: missing"));
    ModelFile file;
    file.meta = std::move(*meta);
    file.xgboost_json = doc["xgboost"].dump();
    auto ensemble = TreeEnsemble::FromXgboostJson(file.xgboost_json);
    if (!ensemble.ok()) return fail(ensemble.status());
    file.ensemble = std::move(*ensemble);
    if (file.meta.features.size() != static_cast<size_t>(file.ensemble.num_features())) {
      return fail(Status::InvalidArgument(
          "features: " + std::to_string(file.meta.features.size()) + " names, the model has " +
          std::to_string(file.ensemble.num_features()) + " features"));
    }
    return file;
  } catch (const std::exception& e) {
    return fail(Status::InvalidArgument(e.what()));
  }
}

}  // namespace panorama::models
