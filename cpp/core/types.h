// One scalar type and one data layout for the whole training path, declared once.
//
// Layout: column-major Eigen matrices with ONE COLUMN PER SAMPLE. A batch of B inputs of a
// layer with n units is an n×B matrix; weights are stored as the labs write them, an m×n
// matrix (m inputs, n outputs; weights(i, j) = from input unit i to output unit j), so the
// forward pass is z = Wᵀ·a (the TP's z = a·W with samples as columns instead of rows).
// The inspector instantiates the same templates with double.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace digitrain {

using Scalar = float;

template <class T>
using MatrixT = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <class T>
using VectorT = Eigen::Matrix<T, Eigen::Dynamic, 1>;
// Weights are row-major so that input unit i's outgoing weights (row i) are contiguous:
// with one sample at a time, only the rows of non-zero pixels are read and updated.
template <class T>
using WeightsT = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

using Matrix = MatrixT<Scalar>;
using Vector = VectorT<Scalar>;

constexpr int kClasses = 10;

}  // namespace digitrain
