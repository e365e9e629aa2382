// The session both front ends share (cpp/core/session.h): which file is which, how a run is
// configured (preset, starting model, refusal), evaluating an imported model, predicting with
// every layer's activations, and the thread budget sessions share.
#include "session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "config_json.h"
#include "presets.h"
#include "test_util.h"

namespace digitrain {
namespace {

using testing::contains;
using testing::syntheticDigits;
using testing::typed;

IdxArray bytesArray(std::vector<uint32_t> dims, std::vector<uint8_t> values) {
  return typed<uint8_t>(IdxType::U8, std::move(dims), values);
}

// A Dataset as the two IDX files a front end hands over.
NamedSource imagesSource(const Dataset& set, const std::string& name) {
  IdxArray a =
      bytesArray({static_cast<uint32_t>(set.count()), static_cast<uint32_t>(set.rows), static_cast<uint32_t>(set.cols)},
                 set.images);
  return {name, [bytes = writeIdx(a)] { return Expected<std::vector<uint8_t>>(bytes); }};
}
NamedSource labelsSource(const Dataset& set, const std::string& name) {
  IdxArray a = bytesArray({static_cast<uint32_t>(set.count())}, set.labels);
  return {name, [bytes = writeIdx(a)] { return Expected<std::vector<uint8_t>>(bytes); }};
}

void load(Session& s, Slot slot, const Dataset& set, const std::string& prefix) {
  auto r = s.setDataset(slot, imagesSource(set, prefix + "-images"), labelsSource(set, prefix + "-labels"));
  ASSERT_TRUE(r.ok()) << r.error();
}

bool sameWeights(const Network& a, const Network& b) {
  if (a.layers.size() != b.layers.size()) return false;
  for (size_t l = 0; l < a.layers.size(); ++l)
    if (a.layers[l].weights != b.layers[l].weights || a.layers[l].bias != b.layers[l].bias) return false;
  return true;
}

constexpr const char* kSmallRun = R"({"layers":[784,16,10],"batch_size":10,"epochs":2,"learning_rate":0.05,
                                      "reduction":"mean","bias":true,"seed":3})";

// ---- file roles -----------------------------------------------------------------------------

TEST(FileRoles, LabelsOnlyWhenEveryValueIsADigit) {
  IdxSummary s = summarise(bytesArray({5}, {3, 0, 9, 3, 1}));
  EXPECT_EQ(s.role, FileRole::Labels);
  EXPECT_EQ(s.histogram[3], 2u);
  EXPECT_EQ(s.histogram[9], 1u);

  s = summarise(bytesArray({5}, {3, 0, 12, 3, 1}));  // one value past 9
  EXPECT_EQ(s.role, FileRole::Other);
  EXPECT_EQ(s.max, 12);
  EXPECT_EQ(s.histogram[3], 0u);  // no histogram for a file that is not labels

  EXPECT_EQ(summarise(typed<float>(IdxType::F32, {3}, {1.0f, 2.5f, 3.0f})).role, FileRole::Other);
  EXPECT_EQ(summarise(typed<float>(IdxType::F32, {3}, {1.0f, -1.0f, 3.0f})).role, FileRole::Other);
  s = summarise(typed<int32_t>(IdxType::I32, {3}, {1, 9, 9}));
  EXPECT_EQ(s.role, FileRole::Labels);
  EXPECT_EQ(s.histogram[9], 2u);
}

TEST(FileRoles, NByOneIsLabelsAndOtherRanksAreNot) {
  EXPECT_EQ(summarise(bytesArray({4, 1}, {1, 2, 3, 4})).role, FileRole::Labels);
  EXPECT_EQ(summarise(bytesArray({2, 2}, {1, 2, 3, 4})).role, FileRole::Other);  // digits, wrong shape
  EXPECT_EQ(summarise(bytesArray({1, 2, 2, 1}, {1, 2, 3, 4})).role, FileRole::Other);
}

TEST(FileRoles, RankThreeIsImagesWhateverItsValues) {
  IdxSummary s = summarise(bytesArray({2, 1, 2}, {1, 2, 3, 4}));  // all digits, still images
  EXPECT_EQ(s.role, FileRole::Images);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_EQ(std::string(name(FileRole::Images)), "images");
  EXPECT_EQ(std::string(name(FileRole::Labels)), "labels");
  EXPECT_EQ(std::string(name(FileRole::Other)), "other");
}

TEST(FileRoles, SessionDescribesBytesAndRefusesGzip) {
  ThreadBudget budget(0);
  Session s(budget);
  auto d = s.describe("t10k-labels", writeIdx(bytesArray({3}, {4, 4, 2})));
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_EQ(d->summary.role, FileRole::Labels);
  EXPECT_EQ(d->dims, std::vector<uint32_t>{3});
  EXPECT_EQ(d->summary.histogram[4], 2u);

  auto gz = s.describe("t10k-labels.gz", {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3});
  ASSERT_FALSE(gz.ok());
  EXPECT_EQ(gz.error(), "t10k-labels.gz: is gzip-compressed; unpack it before handing it to the engine");

  IdxLimits small;
  small.maxElements = 4;
  Session limited(budget, small);
  EXPECT_FALSE(limited.describe("big", writeIdx(bytesArray({5}, {1, 2, 3, 4, 5}))).ok());
}

TEST(FileRoles, SlotsAndSplitsByName) {
  EXPECT_EQ(*parseSlot("test"), Slot::Test);
  EXPECT_EQ(parseSlot("nope").error(), "unknown dataset slot \"nope\" (expected \"train\" or \"test\")");
  EXPECT_EQ(*parseSplit("validation"), Split::Validation);
  EXPECT_FALSE(parseSplit("Test").ok());
}

TEST(SessionData, SetDatasetKeepsTheSlotOnFailure) {
  ThreadBudget budget(0);
  Session s(budget);
  auto digits = syntheticDigits(30, 1);
  auto info = s.setDataset(Slot::Train, imagesSource(*digits, "a"), labelsSource(*digits, "b"));
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->count, 30u);
  int total = 0;
  for (int h : info->histogram) total += h;
  EXPECT_EQ(total, 30);
  EXPECT_EQ(info->histogram[digits->labels[0]] > 0, true);

  // Swapped files are refused by makeDataset, naming them; the slot keeps its 30 samples.
  auto swapped = s.setDataset(Slot::Train, labelsSource(*digits, "labels"), imagesSource(*digits, "images"));
  ASSERT_FALSE(swapped.ok());
  EXPECT_TRUE(contains(swapped.error(), "were the two swapped?")) << swapped.error();
  const SampleView v = s.samples(Slot::Train, 28, 10);
  EXPECT_EQ(v.count, 2u);
  EXPECT_EQ(v.labels[1], digits->labels[29]);
  EXPECT_EQ(v.imageBytes, 784u);
  EXPECT_EQ(std::memcmp(v.images, digits->image(28), 2 * 784), 0);
  EXPECT_EQ(s.samples(Slot::Test, 0, 1).count, 0u);
  EXPECT_EQ(s.samples(Slot::Train, 30, 1).count, 0u);
}

// A training pair loaded over other data leaves a test set that grades against the wrong
// answers: clearing its slot drops it, and the run measured on it ends with its network kept.
TEST(SessionData, ClearSlotDropsTheTestSetAndKeepsTheRunsNetwork) {
  ThreadBudget budget(0);
  Session s(budget);
  EXPECT_FALSE(s.clearSlot(Slot::Test));  // nothing loaded, no model: fine
  auto train = syntheticDigits(40, 1), test = syntheticDigits(20, 2);
  load(s, Slot::Train, *train, "train");
  load(s, Slot::Test, *test, "test");
  auto run = s.configure(kSmallRun, "");
  ASSERT_TRUE(run.ok()) << run.error();
  EXPECT_EQ(run->testCount, 20u);
  ASSERT_TRUE(s.train(1000).ok());
  const Network trained = *s.network();
  const auto before = s.evaluate(Split::Test, false);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->evaluation.count, 20u);

  EXPECT_TRUE(s.clearSlot(Slot::Test));
  EXPECT_EQ(s.samples(Slot::Test, 0, 1).count, 0u);
  const auto after = s.evaluate(Split::Test, false);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error(), "no test data loaded");
  EXPECT_FALSE(s.train(1).ok());  // the run has ended
  ASSERT_NE(s.network(), nullptr);
  EXPECT_TRUE(sameWeights(*s.network(), trained));
  const auto model = s.exportModel();
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->history.size(), 2u);
  // The next run has no test set.
  auto next = s.configure(kSmallRun, "");
  ASSERT_TRUE(next.ok()) << next.error();
  EXPECT_EQ(next->testCount, 0u);
  EXPECT_EQ(s.samples(Slot::Train, 0, 1).count, 1u);
  // A split larger than the data is fitted by the trainer's one rule, and the run says so.
  auto fitted = s.configure(R"({"layers":[784,16,10],"validation":35})", "");
  ASSERT_TRUE(fitted.ok()) << fitted.error();
  EXPECT_EQ(fitted->validationCount, 8u);
  ASSERT_FALSE(fitted->warnings.empty());
  EXPECT_TRUE(contains(fitted->warnings[0], "holds out 8 (a fifth) instead")) << fitted->warnings[0];
}

// ---- configure ------------------------------------------------------------------------------

TEST(SessionConfigure, APresetNamedInTheSettingsIsTheBase) {
  ThreadBudget budget(0);
  Session s(budget);
  load(s, Slot::Train, *syntheticDigits(200, 2), "train");
  auto run = s.configure(R"({"preset":"blog","epochs":3,"limit":100})", "");
  ASSERT_TRUE(run.ok()) << run.error();
  TrainConfig expected = *presetConfig("blog");
  expected.epochs = 3;
  expected.limit = 100;
  EXPECT_EQ(configToJson(run->config), configToJson(expected));
  EXPECT_EQ(run->trainCount, 100u);

  // Without a preset, the defaults.
  run = s.configure(R"({"epochs":1})", "");
  ASSERT_TRUE(run.ok()) << run.error();
  TrainConfig defaults;
  defaults.epochs = 1;
  EXPECT_EQ(configToJson(run->config), configToJson(defaults));

  EXPECT_EQ(s.configure(R"({"preset":"nope"})", "").ok(), false);
  EXPECT_TRUE(contains(s.configure("{oops", "").error(), "the settings are not valid JSON"));
  EXPECT_EQ(s.configure("[1]", "").error(), "the settings must be a JSON object");
}

TEST(SessionConfigure, AStartingModelGivesItsSettingsAndHistory) {
  ThreadBudget budget(0);
  Session s(budget);
  load(s, Slot::Train, *syntheticDigits(100, 3), "train");
  ASSERT_TRUE(s.configure(kSmallRun, "").ok());
  ASSERT_TRUE(s.train(1000).ok());
  auto model = s.exportModel();
  ASSERT_TRUE(model.ok());
  ASSERT_EQ(model->history.size(), 2u);
  const std::string file = modelToJson(*model);

  // The model's settings, not the preset the patch names nor the defaults; the patch on top.
  auto run = s.configure(R"({"preset":"tp","epochs":4})", file);
  ASSERT_TRUE(run.ok()) << run.error();
  EXPECT_EQ(run->config.layers, (std::vector<int>{784, 16, 10}));
  EXPECT_EQ(run->config.learningRate, 0.05);
  EXPECT_EQ(run->config.epochs, 4);
  EXPECT_EQ(run->epoch, 2);
  EXPECT_TRUE(sameWeights(*s.network(), model->network));

  // A model without settings: the network's own shape, activations, loss and bias.
  Model bare = *model;
  bare.config.reset();
  bare.history.clear();
  bare.network.layers[0].activation = Activation::Tanh;
  run = s.configure("", modelToJson(bare));
  ASSERT_TRUE(run.ok()) << run.error();
  EXPECT_EQ(run->config.layers, (std::vector<int>{784, 16, 10}));
  EXPECT_EQ(run->config.hidden, Activation::Tanh);
  EXPECT_EQ(run->config.output, Activation::Softmax);
  EXPECT_TRUE(run->config.bias);
  EXPECT_EQ(run->config.preset, "");
  EXPECT_EQ(run->epoch, 0);
  EXPECT_EQ(configToJson(configForNetwork(bare.network)), configToJson(run->config));
}

TEST(SessionConfigure, ARefusedConfigurationKeepsThePreviousRun) {
  ThreadBudget budget(2);
  Session s(budget);
  load(s, Slot::Train, *syntheticDigits(100, 4), "train");
  auto first = s.configure(R"({"layers":[784,16,10],"batch_size":10,"epochs":2,"threads":2})", "");
  ASSERT_TRUE(first.ok()) << first.error();
  ASSERT_TRUE(s.train(3).ok());
  const Network before = *s.network();
  ASSERT_EQ(budget.workersInUse(), 1);

  for (const char* bad :
       {R"({"learning_rate":0})", R"({"epochs":-1})", R"({"layers":[400,10]})", R"({"frobnicate":1})"}) {
    auto r = s.configure(bad, "");
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(budget.workersInUse(), 1) << bad;
  }
  EXPECT_FALSE(s.configure("", "{\"format\":\"something else\"}").ok());

  // The same run goes on from where it was: batch 4 of epoch 1, with the same weights.
  EXPECT_TRUE(sameWeights(*s.network(), before));
  auto next = s.train(1);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->batchInEpoch, 4);
  EXPECT_EQ(next->epoch, 0);
}

TEST(SessionConfigure, NothingToTrainOrEvaluateBeforeConfigure) {
  ThreadBudget budget(0);
  Session s(budget);
  EXPECT_EQ(s.train(1).error(), "not configured: call configure() before train()");
  EXPECT_EQ(s.evaluate(Split::Test, false).error(), "no model: configure a run or import a model first");
  EXPECT_EQ(s.predict(std::vector<float>(784)).error(), "no model: configure a run or import a model first");
  EXPECT_FALSE(s.exportModel().ok());
  EXPECT_FALSE(s.exportNpz().ok());
  EXPECT_TRUE(contains(s.configure("", "").error(), "no training data"));
}

// ---- evaluating an imported model -----------------------------------------------------------

TEST(SessionEvaluate, AnImportedModelOnTheWholeSlot) {
  ThreadBudget budget(0);
  auto train = syntheticDigits(200, 5);
  auto test = syntheticDigits(60, 6);
  Session trainer(budget);
  load(trainer, Slot::Train, *train, "train");
  load(trainer, Slot::Test, *test, "t10k");
  ASSERT_TRUE(trainer.configure(kSmallRun, "").ok());
  ASSERT_TRUE(trainer.train(1000).ok());
  const std::string file = modelToJson(*trainer.exportModel());
  auto viaRun = trainer.evaluate(Split::Test, true);
  ASSERT_TRUE(viaRun.ok());

  Session s(budget);
  load(s, Slot::Test, *test, "t10k");
  auto imported = s.importModel(file, "trained.json");
  ASSERT_TRUE(imported.ok()) << imported.error();
  EXPECT_EQ((*imported)->history.size(), 2u);
  auto ev = s.evaluate(Split::Test, true);
  ASSERT_TRUE(ev.ok()) << ev.error();
  EXPECT_EQ(ev->evaluation.count, 60u);
  EXPECT_EQ(ev->outputs, 10);
  const Evaluation direct = evaluate((*imported)->network, *test, 0, test->count(), true);
  EXPECT_EQ(ev->evaluation.confusion, direct.confusion);
  EXPECT_EQ(ev->evaluation.loss, direct.loss);
  EXPECT_EQ(ev->evaluation.probabilities, direct.probabilities);
  // The weights went through the model file: the same answers as the run they came from.
  EXPECT_EQ(ev->evaluation.predicted, viaRun->evaluation.predicted);

  EXPECT_EQ(s.evaluate(Split::Validation, false).error(),
            "no validation split: it is defined by a training run (configure first)");
  EXPECT_EQ(s.evaluate(Split::Train, false).error(), "no training data loaded");
}

TEST(SessionEvaluate, AModelThatDoesNotFitTheImagesIsNamed) {
  ThreadBudget budget(0);
  Session s(budget);
  load(s, Slot::Test, *syntheticDigits(20, 7, 20), "small");  // 20×20 images
  Model m;
  Rng rng(1);
  NetworkSpec spec{{784, 10}, {Activation::Softmax}};
  m.network = *makeNetwork(spec, rng);
  ASSERT_TRUE(s.importModel(modelToJson(m), "mnist.json").ok());
  EXPECT_EQ(s.evaluate(Split::Test, false).error(),
            "mnist.json: the model reads 784 inputs but small-images holds images of 20×20 = 400 pixels");

  spec = {{400, 5}, {Activation::Softmax}};
  m.network = *makeNetwork(spec, rng);
  m.inputRows = m.inputCols = 20;
  {
    auto imported = s.importModel(modelToJson(m), "");
    ASSERT_TRUE(imported.ok()) << imported.error();
  }
  EXPECT_EQ(s.evaluate(Split::Test, false).error(),
            "model.json: the model has 5 output(s); evaluating on digits needs 10");
}

TEST(SessionEvaluate, EvaluateModelTakesTheFirstCountSamples) {
  auto set = syntheticDigits(50, 8);
  Rng rng(2);
  const Network net = *makeNetwork({{784, 10}, {Activation::Softmax}}, rng);
  auto ev = evaluateModel(net, "m", *set, "i", 20, false);
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->count, 20u);
  EXPECT_EQ(evaluateModel(net, "m", *set, "i", 0, false)->count, 50u);
  EXPECT_EQ(evaluateModel(net, "m", *set, "i", 500, false)->count, 50u);
}

// ---- predict --------------------------------------------------------------------------------

TEST(SessionPredict, ActivationsAreEveryLayersOutput) {
  // 3-4-2: tanh with biases, then softmax; the expected values computed here in double.
  Network net;
  net.loss = Loss::CrossEntropy;
  Layer hidden, out;
  hidden.activation = Activation::Tanh;
  hidden.weights.resize(3, 4);
  hidden.weights << 0.1f, -0.2f, 0.3f, 0.4f,  //
      0.5f, 0.6f, -0.7f, 0.8f,                //
      -0.9f, 1.0f, 1.1f, -1.2f;
  hidden.bias.resize(4);
  hidden.bias << 0.05f, -0.05f, 0.1f, 0.0f;
  out.activation = Activation::Softmax;
  out.weights.resize(4, 2);
  out.weights << 1.0f, -1.0f, 0.5f, 0.25f, -0.75f, 2.0f, 0.3f, 0.1f;
  out.bias.resize(2);
  out.bias << 0.2f, -0.2f;
  net.layers = {hidden, out};
  const std::vector<float> x = {0.2f, 0.9f, 0.4f};

  std::vector<double> a1(4), z2(2);
  for (int j = 0; j < 4; ++j) {
    double z = hidden.bias[j];
    for (int i = 0; i < 3; ++i) z += double(x[i]) * hidden.weights(i, j);
    a1[j] = std::tanh(z);
  }
  for (int j = 0; j < 2; ++j) {
    z2[j] = out.bias[j];
    for (int i = 0; i < 4; ++i) z2[j] += a1[i] * out.weights(i, j);
  }
  const double norm = std::exp(z2[0]) + std::exp(z2[1]);
  const std::vector<double> p = {std::exp(z2[0]) / norm, std::exp(z2[1]) / norm};

  ThreadBudget budget(0);
  Session s(budget);
  Model m;
  m.network = net;
  m.inputRows = 1;
  m.inputCols = 3;
  ASSERT_TRUE(s.importModel(modelToJson(m), "tiny.json").ok());
  auto r = s.predict(x);
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->activations.size(), 2u);
  ASSERT_EQ(r->activations[0].size(), 4u);
  for (int j = 0; j < 4; ++j) EXPECT_NEAR(r->activations[0][j], a1[j], 1e-6) << j;
  for (int j = 0; j < 2; ++j) EXPECT_NEAR(r->outputs()[j], p[j], 1e-6) << j;
  EXPECT_EQ(r->predicted, p[1] > p[0] ? 1 : 0);

  EXPECT_EQ(s.predict({0.1f, 0.2f}).error(), "predict: got 2 values but the model has 3 inputs");
  EXPECT_EQ(s.predict({0.1f, NAN, 0.2f}).error(), "predict: pixel 1 is not a number");
}

// ---- the thread budget ----------------------------------------------------------------------

TEST(ThreadBudget, ClampsRequestsToTheWorkersLeft) {
  ThreadBudget budget(3);
  EXPECT_EQ(budget.maxThreads(), 4);
  ThreadGrant a = budget.lease(2);
  EXPECT_EQ(a.lease.threads(), 2);
  EXPECT_EQ(a.warning, "");
  EXPECT_EQ(budget.workersInUse(), 1);
  ThreadGrant b = budget.lease(8);
  EXPECT_EQ(b.lease.threads(), 3);
  EXPECT_EQ(b.warning,
            "threads: 8 requested, clamped to 3 (the engine's thread pool holds 4 threads, some used by another "
            "session)");
  EXPECT_EQ(budget.workersInUse(), 3);
  ThreadGrant c = budget.lease(2);
  EXPECT_EQ(c.lease.threads(), 1);
  EXPECT_EQ(c.warning.rfind("threads: 2 requested, clamped to 1", 0), 0u);
  a.lease.release();
  EXPECT_EQ(budget.workersInUse(), 2);
  { ThreadLease moved = std::move(b.lease); }
  EXPECT_EQ(budget.workersInUse(), 0);
  EXPECT_EQ(budget.lease(8).warning, "threads: 8 requested, clamped to 4 (the engine's thread pool holds 4 threads)");
  EXPECT_EQ(budget.workersInUse(), 0);  // the temporary's lease ended with it
  EXPECT_EQ(budget.lease(0).lease.threads(), 1);
}

TEST(ThreadBudget, ABuildWithoutThreadsTrainsOnOne) {
  ThreadBudget budget(0);
  ThreadGrant g = budget.lease(4);
  EXPECT_EQ(g.lease.threads(), 1);
  EXPECT_EQ(g.warning,
            "threads: 4 requested, but this build of the engine has no threads (the page is not cross-origin "
            "isolated or the browser lacks WebAssembly threads): training on 1");
  EXPECT_EQ(budget.lease(1).warning, "");
}

TEST(ThreadBudget, SessionsShareItAndGiveWorkersBack) {
  ThreadBudget budget(2);
  auto data = syntheticDigits(60, 9);
  Session a(budget);
  load(a, Slot::Train, *data, "train");
  auto run = a.configure(R"({"layers":[784,8,10],"batch_size":10,"epochs":1,"threads":3})", "");
  ASSERT_TRUE(run.ok()) << run.error();
  EXPECT_EQ(run->config.threads, 3);
  EXPECT_EQ(run->threadsRequested, 3);
  EXPECT_EQ(run->threadsMax, 3);
  EXPECT_TRUE(run->warnings.empty());
  EXPECT_EQ(budget.workersInUse(), 2);
  {
    Session b(budget);
    load(b, Slot::Train, *data, "train");
    auto other = b.configure(R"({"layers":[784,8,10],"batch_size":10,"epochs":1,"threads":2})", "");
    ASSERT_TRUE(other.ok()) << other.error();
    EXPECT_EQ(other->config.threads, 1);
    ASSERT_EQ(other->warnings.size(), 1u);
    EXPECT_EQ(other->warnings[0],
              "threads: 2 requested, clamped to 1 (the engine's thread pool holds 3 threads, some used by "
              "another session)");
    ASSERT_TRUE(b.train(100).ok());

    // Reconfiguring gives a's workers back before it asks again.
    run = a.configure(R"({"layers":[784,8,10],"batch_size":10,"epochs":1,"threads":1})", "");
    ASSERT_TRUE(run.ok());
    EXPECT_EQ(budget.workersInUse(), 0);
    other = b.configure(R"({"layers":[784,8,10],"batch_size":10,"epochs":1,"threads":3})", "");
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(other->config.threads, 3);
    EXPECT_EQ(budget.workersInUse(), 2);
    ASSERT_TRUE(b.train(100).ok());
  }
  EXPECT_EQ(budget.workersInUse(), 0);  // b's destructor gave them back

  // Importing a model ends the run, and with it the lease.
  run = a.configure(R"({"layers":[784,8,10],"batch_size":10,"epochs":1,"threads":2})", "");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(budget.workersInUse(), 1);
  ASSERT_TRUE(a.importModel(modelToJson(*a.exportModel()), "m.json").ok());
  EXPECT_EQ(budget.workersInUse(), 0);
}

// ---- numbers and the inspector --------------------------------------------------------------

TEST(NumbersFromJson, ArraysOrOneNumberWithNamedErrors) {
  EXPECT_EQ(*numbersFromJson("[0.8, 0.2]", "--input"), (std::vector<double>{0.8, 0.2}));
  EXPECT_EQ(*numbersFromJson("3", "--input"), std::vector<double>{3});
  EXPECT_EQ(numbersFromJson("[1, \"a\"]", "--input").error(), "--input: element 1 is not a number (got \"a\")");
  EXPECT_EQ(numbersFromJson("[]", "the target").error(), "the target: expected a JSON array of numbers, got []");
  EXPECT_EQ(numbersFromJson("{\"x\":1}", "t").error().rfind("t: expected a JSON array of numbers", 0), 0u);
  EXPECT_EQ(numbersFromJson("[1,", "--input").error().rfind("--input: not valid JSON: ", 0), 0u);
}

TEST(InspectModel, TheLabStepFromText) {
  auto text = readFileMaybeGzip(std::string(DIGITRAIN_FIXTURES) + "/models/lab-2-2-1.json");
  ASSERT_TRUE(text.ok());
  const std::string model(text->begin(), text->end());
  auto step = inspectModel(model, "[0.8, 0.2]", "[0.4]", 5);
  ASSERT_TRUE(step.ok()) << step.error();
  EXPECT_NEAR(step->outputBefore[0], 0.5597295991095770, 1e-12);
  EXPECT_NEAR(step->outputAfter[0], 0.4064882358921010, 1e-12);
  EXPECT_TRUE(contains(inspectModel(model, "[0.8]", "[0.4]", 5).error(), "input has 1 values"));
  EXPECT_EQ(inspectModel(model, "[0.8, true]", "[0.4]", 5).error(), "the input: element 1 is not a number (got true)");
}

}  // namespace
}  // namespace digitrain
