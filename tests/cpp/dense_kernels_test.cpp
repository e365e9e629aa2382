// The dense products (cpp/core/dense_kernels.h) against Eigen's, on every shape class the
// blocking has: full register blocks, one-packet blocks and single columns; full and partial
// sample (row) blocks; operands inside larger matrices (strides); float and double.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <vector>

#include "dense_kernels.h"
#include "types.h"

namespace digitrain {
namespace {

using Eigen::Index;

template <class T>
using Weights = WeightsT<T>;
template <class T>
using Matrix_ = MatrixT<T>;

// Largest |x − y| relative to the largest |y| (the sums' scale).
template <class A, class B>
double relativeError(const A& x, const B& y) {
  const double scale = std::max(1.0, double(y.cwiseAbs().maxCoeff()));
  return double((x - y).cwiseAbs().maxCoeff()) / scale;
}

template <class T>
double tolerance() {
  return sizeof(T) == 4 ? 1e-5 : 1e-13;
}

const std::vector<Index> kInputs = {1, 2, 5, 13, 64};
const std::vector<Index> kOutputs = {1, 3, 4, 7, 10, 16, 17, 33, 50};
const std::vector<Index> kSamples = {1, 2, 3, 4, 5, 7, 8, 13};

template <class T, int S, int P>
void checkProduct() {
  for (Index m : kInputs)
    for (Index n : kOutputs)
      for (Index B : kSamples) {
        // Every operand is a block of a larger matrix, as the workspaces' leftCols and the
        // threads' column shares are.
        const Weights<T> Wbig = Weights<T>::Random(m + 2, n + 3);
        const Matrix_<T> abig = Matrix_<T>::Random(m + 1, B + 2);
        Matrix_<T> zbig = Matrix_<T>::Constant(n + 4, B + 1, T(7));
        const auto W = Wbig.block(1, 2, m, n);
        const auto a = abig.block(1, 1, m, B);
        productTransposed<S, P>(W.data(), Wbig.outerStride(), m, n, a.data(), abig.outerStride(), B, zbig.data() + 2,
                                zbig.outerStride());
        const Matrix_<T> expected = W.transpose() * a;
        SCOPED_TRACE(testing::Message() << "m=" << m << " n=" << n << " B=" << B);
        EXPECT_LT(relativeError(zbig.block(2, 0, n, B), expected), tolerance<T>());
        // Nothing outside z is written.
        EXPECT_TRUE((zbig.topRows(2).array() == T(7)).all());
        EXPECT_TRUE((zbig.bottomRows(2).array() == T(7)).all());
        EXPECT_TRUE((zbig.rightCols(1).array() == T(7)).all());
      }
}

template <class T, int R, int P>
void checkOuterProduct() {
  for (Index m : kInputs)
    for (Index n : kOutputs)
      for (Index B : kSamples)
        for (bool accumulate : {true, false}) {
          const T alpha = T(-0.375);
          const Weights<T> W0 = Weights<T>::Random(m + 3, n + 2);
          const Matrix_<T> abig = Matrix_<T>::Random(m + 2, B + 1);
          const Matrix_<T> ebig = Matrix_<T>::Random(n + 5, B + 1);
          const auto a = abig.block(2, 0, m, B);
          const auto e = ebig.block(1, 1, n, B);
          Weights<T> W = W0;
          addOuterProduct<R, P>(W.data() + W.outerStride() + 1, W.outerStride(), m, n, alpha, a.data(),
                                abig.outerStride(), e.data(), ebig.outerStride(), B, accumulate);
          Weights<T> expected = W0;
          if (accumulate) expected.block(1, 1, m, n) += alpha * (a * e.transpose());
          else expected.block(1, 1, m, n) = alpha * (a * e.transpose());
          SCOPED_TRACE(testing::Message() << "m=" << m << " n=" << n << " B=" << B << " accumulate=" << accumulate);
          EXPECT_LT(relativeError(W, expected), tolerance<T>());
          // The rows and columns around the block are untouched, bit for bit.
          EXPECT_EQ(W.row(0), W0.row(0));
          EXPECT_EQ(W.col(0), W0.col(0));
          EXPECT_EQ(W.bottomRows(2), W0.bottomRows(2));
          EXPECT_EQ(W.rightCols(1), W0.rightCols(1));
        }
}

// Both kernels on one block shape (a failure names the kernel by its line).
template <class T, int R, int P>
void checkBothKernels() {
  SCOPED_TRACE(testing::Message() << R << "×" << P << " blocks");
  checkProduct<T, R, P>();
  checkOuterProduct<T, R, P>();
}

// This target's blocks, and WebAssembly's (2×4) and x86-64's (3×4) whichever this is, and 4×2.
TEST(DenseKernels, ProductsMatchEigenOnEveryBlockShapeFloat) {
  checkBothKernels<float, detail::kBlockRows, detail::kBlockPackets>();
  checkBothKernels<float, 2, 4>();
  checkBothKernels<float, 3, 4>();
  checkBothKernels<float, 4, 2>();
}
TEST(DenseKernels, ProductsMatchEigenOnEveryBlockShapeDouble) {
  checkBothKernels<double, detail::kBlockRows, detail::kBlockPackets>();
  checkBothKernels<double, 2, 4>();
}

// A sample's outputs must not depend on which samples share its chunk: the page predicts a
// drawing alone and the evaluation predicts it in a batch, and the two must agree exactly.
TEST(DenseKernels, ASamplesOutputsAreTheSameBitsAloneAndInAChunk) {
  const Index m = 784, n = 130, B = 11;
  const Weights<float> W = Weights<float>::Random(m, n);
  const Matrix_<float> a = Matrix_<float>::Random(m, B);
  Matrix_<float> together(n, B), alone(n, B);
  productTransposed(W.data(), W.outerStride(), m, n, a.data(), a.outerStride(), B, together.data(), n);
  for (Index j = 0; j < B; ++j)
    productTransposed(W.data(), W.outerStride(), m, n, a.col(j).data(), m, Index(1), alone.col(j).data(), n);
  EXPECT_EQ(together, alone);
}

// The rows of W are independent sums: updating them in two calls (as threads split rows)
// gives the same bits as one call.
TEST(DenseKernels, RowSplitsGiveTheSameBits) {
  const Index m = 101, n = 64, B = 9;
  const Matrix_<float> a = Matrix_<float>::Random(m, B), e = Matrix_<float>::Random(n, B);
  Weights<float> whole = Weights<float>::Random(m, n);
  Weights<float> split = whole;
  addOuterProduct(whole.data(), n, m, n, 0.5f, a.data(), m, e.data(), n, B);
  for (Index r0 : {Index(0), Index(37)}) {
    const Index rows = r0 == 0 ? 37 : m - 37;
    addOuterProduct(split.data() + r0 * n, n, rows, n, 0.5f, a.data() + r0, m, e.data(), n, B);
  }
  EXPECT_EQ(whole, split);
}

}  // namespace
}  // namespace digitrain
