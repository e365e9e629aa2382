// Tests for settings.h: the table covers every TrainConfig field exactly once, each range in
// it is what validate() and the JSON reader enforce (every bound probed from both sides),
// the allowed names are names.cpp's, the limits are the engine's, and the schema JSON says
// all of it.
#include "settings.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "config_json.h"
#include "presets.h"
#include "random.h"
#include "test_util.h"
#include "types.h"

namespace digitrain {
namespace {

using nlohmann::json;

using testing::everyFieldChanged;

TEST(Settings, KeysAndFlagsAreUnique) {
  std::set<std::string> keys, flags;
  for (const Setting& s : settingsTable()) {
    EXPECT_TRUE(keys.insert(s.key).second) << s.key;
    EXPECT_TRUE(flags.insert(s.flag).second) << s.flag;
    for (const std::string& alias : s.aliases) EXPECT_TRUE(flags.insert(alias).second) << alias;
    EXPECT_NE(std::string(s.label), "") << s.key;
    EXPECT_NE(std::string(s.help), "") << s.key;
  }
}

// Each row writes exactly one field, and no two rows the same one: setting one row's value on
// the defaults changes that key and nothing else.
TEST(Settings, EachRowOwnsExactlyOneField) {
  const TrainConfig changed = everyFieldChanged();
  const json defaults = configToJson(TrainConfig{});
  for (const Setting& s : settingsTable()) {
    TrainConfig c;
    s.set(c, s.get(changed));
    const json after = configToJson(c);
    for (const Setting& other : settingsTable()) {
      if (other.key == s.key)
        EXPECT_NE(after[other.key], defaults[other.key]) << "row " << s.key << " did not write its field";
      else EXPECT_EQ(after[other.key], defaults[other.key]) << "row " << s.key << " also wrote " << other.key;
    }
  }
}

// Every TrainConfig field changed, written and read back: a field missing from the table
// comes back at its default and fails here.
TEST(Settings, CoverEveryFieldOfTrainConfig) {
  const TrainConfig a = everyFieldChanged();
  auto r = applyConfigJson(TrainConfig{}, configToJson(a));
  ASSERT_TRUE(r.ok()) << r.error();
  testing::expectSameConfig(*r, a);
  // And the test's own list is complete: every row's value differs from the default.
  const json defaults = configToJson(TrainConfig{}), changed = configToJson(a);
  for (const Setting& s : settingsTable()) EXPECT_NE(changed[s.key], defaults[s.key]) << s.key;
}

std::string quotedKeyAndLabel(const Setting& s) { return "setting \"" + std::string(s.key) + "\" (" + s.label + ") "; }

// `value` for setting `s`, through validate() (the field set directly) and through the JSON
// reader: both accept it, or both refuse it naming the key and the label.
void expectVerdict(const Setting& s, const json& value, bool accepted) {
  SCOPED_TRACE(std::string(s.key) + " = " + value.dump());
  auto read = applyConfigJson(TrainConfig{}, json{{s.key, value}});
  EXPECT_EQ(read.ok(), accepted) << (read.ok() ? "" : read.error());
  if (!read.ok()) {
    EXPECT_EQ(read.error().rfind(quotedKeyAndLabel(s), 0), 0u) << read.error();
  }

  // Directly on the field, when the value fits in it (an int field cannot hold 2^31).
  const bool fits = s.type != SettingType::Int || (value.get<double>() >= std::numeric_limits<int>::min() &&
                                                   value.get<double>() <= std::numeric_limits<int>::max());
  if (!fits) return;
  TrainConfig c;
  s.set(c, value);
  const Status valid = validate(c);
  EXPECT_EQ(valid.ok(), accepted) << (valid.ok() ? "" : valid.error());
  if (!valid.ok()) {
    EXPECT_EQ(valid.error().rfind(quotedKeyAndLabel(s), 0), 0u) << valid.error();
    const auto e = checkSettings(c);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->key, s.key);
  }
}

json numberOf(const Setting& s, double x) {
  if (s.type == SettingType::Int) return json(static_cast<int64_t>(x));
  return json(x);
}

TEST(Settings, EveryBoundIsWhatValidateEnforces) {
  int probed = 0;
  for (const Setting& s : settingsTable()) {
    if (s.type != SettingType::Int && s.type != SettingType::Number) continue;
    ASSERT_TRUE(s.min.has_value()) << s.key << ": every number needs a lower bound";
    const auto step = [&](double x, double toward) {
      return s.type == SettingType::Int ? x + (toward > x ? 1 : -1) : std::nextafter(x, toward);
    };
    const double inf = std::numeric_limits<double>::infinity();
    for (const auto& [bound, outward] : {std::pair{s.min, -inf}, std::pair{s.max, inf}}) {
      if (!bound) continue;
      const double inward = -outward;
      if (bound->exclusive) {
        expectVerdict(s, numberOf(s, bound->value), false);
        expectVerdict(s, numberOf(s, step(bound->value, inward)), true);
      } else {
        expectVerdict(s, numberOf(s, bound->value), true);
        expectVerdict(s, numberOf(s, step(bound->value, outward)), false);
      }
      ++probed;
    }
    if (s.type == SettingType::Number) {
      // Bounded or not, a number must be finite (nlohmann holds infinity in memory).
      TrainConfig c;
      s.set(c, json(inf));
      const Status valid = validate(c);
      EXPECT_FALSE(valid.ok()) << s.key;
      if (!valid.ok()) {
        EXPECT_EQ(valid.error().rfind(quotedKeyAndLabel(s), 0), 0u) << valid.error();
      }
    }
  }
  EXPECT_GE(probed, 25);
}

TEST(Settings, DriftedRangesAreTheCoresOwn) {
  // The page accepted momentum 1 and the CLI layers up to 2^20: one range now.
  expectVerdict(*findSetting("momentum"), json(1.0), false);
  expectVerdict(*findSetting("momentum"), json(std::nextafter(1.0, 0.0)), true);
  const Setting& layers = *findSetting("layers");
  EXPECT_EQ(layers.max->value, kMaxLayerUnits);
  expectVerdict(layers, json{784, kMaxLayerUnits, 10}, true);
  expectVerdict(layers, json{784, kMaxLayerUnits + 1, 10}, false);
  expectVerdict(layers, json{784, 100000, 10}, false);
  // The network builder's limit is the same constant.
  NetworkSpec spec = TrainConfig{}.networkSpec();
  spec.sizes = {2, kMaxLayerUnits + 1, 10};
  EXPECT_FALSE(validate(spec).ok());
  EXPECT_EQ(findSetting("threads")->max->value, kMaxThreads);
}

TEST(Settings, LayersNeedTwoSizesEndingWithTheTenDigits) {
  const Setting& s = *findSetting("layers");
  expectVerdict(s, json{784, 10}, true);
  expectVerdict(s, json{10}, false);
  expectVerdict(s, json::array(), false);
  expectVerdict(s, json{784, 0, 10}, false);
  expectVerdict(s, json{784, 1, 10}, true);
  expectVerdict(s, json{784, 9}, false);
  EXPECT_EQ(s.lastValue, kClasses);
  auto r = applyConfigJson(TrainConfig{}, json{{"layers", {784, 9}}});
  EXPECT_EQ(r.error(), "setting \"layers\" (Layer sizes) must end with 10 units (one per digit), got 9");
}

TEST(Settings, EnumsAllowTheNamesTablesNames) {
  EXPECT_EQ(findSetting("output")->values, activationNames());
  EXPECT_EQ(findSetting("loss")->values, lossNames());
  EXPECT_EQ(findSetting("init")->values, initNames());
  EXPECT_EQ(findSetting("reduction")->values, reductionNames());
  EXPECT_EQ(findSetting("optimizer")->values, optimizerNames());
  // Hidden layers: every activation allowed before the output (names.cpp's rule).
  std::vector<std::string> hidden;
  for (const std::string& n : activationNames())
    if (allowedBeforeOutput(*parseActivation(n))) hidden.push_back(n);
  EXPECT_EQ(findSetting("hidden")->values, hidden);
  EXPECT_LT(hidden.size(), activationNames().size());
  for (const Setting& s : settingsTable()) {
    if (s.type != SettingType::Enum) continue;
    for (const std::string& v : s.values) {
      TrainConfig base;
      // An output other than softmax needs a loss that allows it.
      base.loss = Loss::Mse;
      auto r = applyConfigJson(base, json{{s.key, v}});
      EXPECT_TRUE(r.ok()) << s.key << " = " << v << ": " << r.error();
    }
  }
}

TEST(Settings, TheLossRuleNamesTheOutputSetting) {
  TrainConfig c;
  c.loss = Loss::CrossEntropy;
  c.output = Activation::Sigmoid;
  const auto e = checkSettings(c);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->key, "output");
  EXPECT_EQ(e->message(),
            "setting \"output\" (Output activation) must be softmax with the cross-entropy loss, got sigmoid");
  c.loss = Loss::Mse;
  EXPECT_FALSE(checkSettings(c).has_value());
}

TEST(Settings, SchemaJsonDescribesEveryRow) {
  const json schema = json::parse(settingsSchemaJson());
  ASSERT_TRUE(schema.is_array());
  ASSERT_EQ(schema.size(), settingsTable().size());
  const json defaults = configToJson(TrainConfig{});
  for (size_t i = 0; i < schema.size(); ++i) {
    const json& j = schema[i];
    const Setting& s = settingsTable()[i];
    EXPECT_EQ(j["key"], s.key);
    EXPECT_EQ(j["type"], name(s.type));
    EXPECT_EQ(j["label"], s.label);
    EXPECT_EQ(j["help"], s.help);
    EXPECT_EQ(j["flag"], s.flag);
    EXPECT_EQ(j["default"], defaults[s.key]);
    for (const Preset& p : presets()) EXPECT_EQ(j["presets"][p.name], configToJson(p.config)[s.key]) << s.key;
    if (s.type == SettingType::Enum) {
      EXPECT_EQ(j["values"], s.values);
    }
    if (s.min) {
      EXPECT_EQ(j["min"], s.min->value) << s.key;
      EXPECT_EQ(j["min_exclusive"], s.min->exclusive) << s.key;
    }
    if (s.max) {
      EXPECT_EQ(j["max"], s.max->value) << s.key;
      EXPECT_EQ(j["max_exclusive"], s.max->exclusive) << s.key;
    }
  }
  EXPECT_EQ(schema[3]["key"], "output");
  const json& loss = *std::find_if(schema.begin(), schema.end(), [](const json& j) { return j["key"] == "loss"; });
  EXPECT_EQ(loss["required_output"], json({{"cross-entropy", "softmax"}}));
}

}  // namespace
}  // namespace digitrain
