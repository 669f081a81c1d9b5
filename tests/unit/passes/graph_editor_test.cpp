// The GraphEditor primitives the passes are built from.
#include "ir/graph_editor.h"

#include <gtest/gtest.h>

#include "pass_testing.h"

namespace int8rt {
namespace {

using pass_testing::add_floats;
using pass_testing::layer_position;

// x -> a (Relu) -> t -> b (Neg) -> y ; t also -> c (Add(t, t)) -> z
struct Fixture {
  Network net;
  Tensor* x = net.add_input("x", DataType::kFloat, Dims{2}).value();
  Layer* a = net.add_layer(OpType::kRelu, "a", {x}, NoAttrs{}, {"t"}).value();
  Layer* b = net.add_layer(OpType::kNeg, "b", {a->output(0)}, NoAttrs{}, {"y"}).value();
  Layer* c =
      net.add_layer(OpType::kAdd, "c", {a->output(0), a->output(0)}, NoAttrs{}, {"z"}).value();
};

TEST(GraphEditor, CountsUsesPerInputSlot) {
  Fixture f;
  ir::GraphEditor editor(f.net);
  EXPECT_EQ(editor.use_count(*f.a->output(0)), 3);
  EXPECT_EQ(editor.consumers(*f.a->output(0)).size(), 2u);
  EXPECT_EQ(editor.sole_consumer(*f.a->output(0)), nullptr);
  EXPECT_EQ(editor.sole_consumer(*f.x), f.a);
  EXPECT_EQ(editor.sole_consumer(*f.b->output(0)), nullptr);  // nobody reads y
  EXPECT_EQ(editor.position(*f.c), 2);
}

TEST(GraphEditor, SetOutputMovesTheTensorBetweenProducers) {
  Fixture f;
  ir::GraphEditor editor(f.net);
  Tensor* y = f.b->output(0);
  Tensor* z = f.c->output(0);
  editor.set_output(*f.b, 0, z);
  EXPECT_EQ(z->producer(), f.b);
  EXPECT_EQ(f.b->output(0), z);
  EXPECT_EQ(f.c->output(0), nullptr);
  EXPECT_EQ(y->producer(), nullptr);
}

TEST(GraphEditor, MoveAfterAndInsertKeepTheRequestedOrder) {
  Fixture f;
  ir::GraphEditor editor(f.net);
  editor.move_after(f.a, f.c);  // breaks topology on purpose; the editor just reorders
  EXPECT_EQ(layer_position(f.net, f.a), 2);
  EXPECT_EQ(layer_position(f.net, f.b), 0);
  editor.move_after(f.a, f.a);
  EXPECT_EQ(layer_position(f.net, f.a), 2);
  editor.move_after(f.b, f.c);
  EXPECT_EQ(f.net.layer(0), f.c);
  EXPECT_EQ(f.net.layer(1), f.b);
  EXPECT_EQ(f.net.layer(2), f.a);

  auto inserted = editor.insert_layer(OpType::kSigmoid, "s", {f.x}, NoAttrs{}, {"t"}, f.b);
  ASSERT_TRUE(inserted.is_ok()) << inserted.status().to_string();
  EXPECT_EQ(layer_position(f.net, inserted.value()), 1);
  EXPECT_EQ(inserted.value()->output(0)->name(), "t.1");
  EXPECT_EQ(inserted.value()->output(0)->producer(), inserted.value());
  // Two outputs asking for the same taken name get two fresh ones; nullptr `before` appends.
  auto split =
      editor.insert_layer(OpType::kSplit, "split", {f.x}, SplitAttrs{}, {"t", "t"}, nullptr);
  ASSERT_TRUE(split.is_ok()) << split.status().to_string();
  EXPECT_EQ(layer_position(f.net, split.value()), f.net.num_layers() - 1);
  EXPECT_EQ(split.value()->output(0)->name(), "t.2");
  EXPECT_EQ(split.value()->output(1)->name(), "t.3");
}

TEST(GraphEditor, UniqueNamesAndConstants) {
  Fixture f;
  ir::GraphEditor editor(f.net);
  EXPECT_EQ(editor.unique_tensor_name("fresh"), "fresh");
  EXPECT_EQ(editor.unique_tensor_name("t"), "t.1");
  add_floats(f.net, "t.1", Dims{1}, {0.0f});
  EXPECT_EQ(editor.unique_tensor_name("t"), "t.2");
  Tensor* k = editor.add_constant(
      "y", Weights::from_vector(DataType::kFloat, Dims{2}, std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(k->name(), "y.1");
  EXPECT_TRUE(k->is_constant());
  EXPECT_EQ(k->dims(), (Dims{2}));
}

TEST(GraphEditor, SetInputGrowsAndSetOpRetypes) {
  Fixture f;
  ir::GraphEditor editor(f.net);
  editor.set_input(*f.b, 3, f.x);
  ASSERT_EQ(f.b->num_inputs(), 4);
  EXPECT_EQ(f.b->input(1), nullptr);
  EXPECT_EQ(f.b->input(2), nullptr);
  EXPECT_EQ(f.b->input(3), f.x);
  editor.set_op(*f.b, OpType::kGemm, GemmAttrs{2.0f});
  EXPECT_EQ(f.b->type(), OpType::kGemm);
  EXPECT_EQ(f.b->attrs_as<GemmAttrs>().alpha, 2.0f);
  editor.rename_layer(*f.b, "b+c");
  EXPECT_EQ(f.net.find_layer("b+c"), f.b);
}

}  // namespace
}  // namespace int8rt
