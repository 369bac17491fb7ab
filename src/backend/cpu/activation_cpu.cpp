#include "backend/cpu/activation_cpu.h"

#include <cmath>

#include "backend/cpu/vector_math.h"
#include "backend/dispatch.h"

namespace hone::cpu {
namespace {

constexpr int64_t kParallelThreshold = 16384;

// Each activation gives its value and derivative at x together, so gated backward evaluates the
// transcendental functions once per element.
struct ReLUOp {
  template <class T>
  static T value(T x) {
    return x > T(0) ? x : T(0);
  }
  template <class T>
  static void value_and_slope(T x, T& value, T& slope) {
    value = x > T(0) ? x : T(0);
    slope = x > T(0) ? T(1) : T(0);  // PyTorch's convention: slope 0 at x = 0
  }
};

struct GeluTanhOp {
  // 0.5 x (1 + tanh(k (x + c x^3))), k = sqrt(2 / pi), c = 0.044715.
  static constexpr double kK = 0.7978845608028654;
  static constexpr double kC = 0.044715;
  template <class T>
  static T value(T x) {
    const T u = T(kK) * (x + T(kC) * x * x * x);
    return T(0.5) * x * (T(1) + tanh_of(u));
  }
  template <class T>
  static void value_and_slope(T x, T& value, T& slope) {
    const T u = T(kK) * (x + T(kC) * x * x * x);
    const T t = tanh_of(u);
    value = T(0.5) * x * (T(1) + t);
    slope = T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * T(kK) * (T(1) + T(3 * kC) * x * x);
  }
};

struct GeluErfOp {
  static constexpr double kInvSqrt2 = 0.7071067811865476;
  static constexpr double kInvSqrt2Pi = 0.3989422804014327;
  template <class T>
  static T value(T x) {
    return T(0.5) * x * (T(1) + erf_of(x * T(kInvSqrt2)));
  }
  template <class T>
  static void value_and_slope(T x, T& value, T& slope) {
    const T cdf = T(0.5) * (T(1) + erf_of(x * T(kInvSqrt2)));
    value = x * cdf;
    slope = cdf + x * T(kInvSqrt2Pi) * exp_of(T(-0.5) * x * x);
  }
};

struct SiLUOp {
  template <class T>
  static T value(T x) {
    return x / (T(1) + exp_of(-x));
  }
  template <class T>
  static void value_and_slope(T x, T& value, T& slope) {
    const T s = T(1) / (T(1) + exp_of(-x));
    value = x * s;
    slope = s * (T(1) + x * (T(1) - s));
  }
};

template <class F>
void with_op(Activation activation, F&& body) {
  switch (activation) {
    case Activation::ReLU: return body(ReLUOp{});
    case Activation::GeluTanh: return body(GeluTanhOp{});
    case Activation::GeluErf: return body(GeluErfOp{});
    case Activation::SiLU: return body(SiLUOp{});
  }
  fail("activation: unknown activation kind ", static_cast<int>(activation));
}

void check_same_contiguous(const char* kernel, const Tensor& a, const char* a_name, const Tensor& b, const char* b_name) {
  HONE_CHECK(a.is_contiguous() && b.is_contiguous() && a.shape() == b.shape(), kernel, ": ", a_name, " and ", b_name,
             " must be contiguous with the same shape, got ", a.describe(), " and ", b.describe());
}

// Gated operands: [rows, n] with unit stride along n; the row stride may be anything (slices of a wider
// matrix).
void check_gated(const char* kernel, const Tensor& gate, std::initializer_list<std::pair<const Tensor*, const char*>> others) {
  HONE_CHECK(gate.dim() == 2 && gate.stride(1) == 1, kernel, ": gate must be a [rows, n] matrix with unit stride in n, got ",
             gate.describe());
  for (const auto& [t, name] : others) {
    HONE_CHECK(t->dim() == 2 && t->stride(1) == 1 && t->shape() == gate.shape(), kernel, ": ", name, " must be ",
               shape_str(gate.shape()), " with unit stride in the last dimension like gate, got ", t->describe());
  }
}

template <class Op, class T>
void forward_loop(const T* x, T* y, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) y[i] = Op::value(x[i]);
}

template <class Op, class T>
void backward_loop(const T* x, const T* dy, T* dx, int64_t n) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    T value, slope;
    Op::value_and_slope(x[i], value, slope);
    dx[i] = dy[i] * slope;
  }
}

template <class Op, class T>
void gated_forward_loop(const Tensor& gate, const Tensor& up, const Tensor& y) {
  const T* pg = gate.data<T>();
  const T* pu = up.data<T>();
  T* py = y.data<T>();
  const int64_t rows = gate.size(0), n = gate.size(1);
  const int64_t sg = gate.stride(0), su = up.stride(0), sy = y.stride(0);
#pragma omp parallel for schedule(static) if (rows * n > kParallelThreshold)
  for (int64_t r = 0; r < rows; ++r) {
    const T* g = pg + r * sg;
    const T* u = pu + r * su;
    T* out = py + r * sy;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) out[j] = Op::value(g[j]) * u[j];
  }
}

template <class Op, class T>
void gated_backward_loop(const Tensor& gate, const Tensor& up, const Tensor& dy, const Tensor& dgate,
                         const Tensor& dup) {
  const T* pg = gate.data<T>();
  const T* pu = up.data<T>();
  const T* pdy = dy.data<T>();
  T* pdg = dgate.data<T>();
  T* pdu = dup.data<T>();
  const int64_t rows = gate.size(0), n = gate.size(1);
  const int64_t sg = gate.stride(0), su = up.stride(0), sdy = dy.stride(0), sdg = dgate.stride(0),
                sdu = dup.stride(0);
#pragma omp parallel for schedule(static) if (rows * n > kParallelThreshold)
  for (int64_t r = 0; r < rows; ++r) {
    const T* g = pg + r * sg;
    const T* u = pu + r * su;
    const T* d = pdy + r * sdy;
    T* dg = pdg + r * sdg;
    T* du = pdu + r * sdu;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) {
      T value, slope;
      Op::value_and_slope(g[j], value, slope);
      dg[j] = d[j] * u[j] * slope;
      du[j] = d[j] * value;
    }
  }
}

}  // namespace

void activation_forward(Activation activation, const Tensor& x, const Tensor& y) {
  check_same_contiguous("activation_forward", x, "x", y, "y");
  dispatch_float(common_dtype("activation_forward", {&x, &y}), "activation_forward", [&](auto zero) {
    using scalar_t = decltype(zero);
    with_op(activation, [&](auto op) {
      forward_loop<decltype(op)>(x.data<scalar_t>(), y.data<scalar_t>(), x.numel());
    });
  });
}

void activation_backward(Activation activation, const Tensor& x, const Tensor& dy, const Tensor& dx) {
  check_same_contiguous("activation_backward", x, "x", dy, "dy");
  check_same_contiguous("activation_backward", x, "x", dx, "dx");
  dispatch_float(common_dtype("activation_backward", {&x, &dy, &dx}), "activation_backward", [&](auto zero) {
    using scalar_t = decltype(zero);
    with_op(activation, [&](auto op) {
      backward_loop<decltype(op)>(x.data<scalar_t>(), dy.data<scalar_t>(), dx.data<scalar_t>(), x.numel());
    });
  });
}

void gated_activation_forward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& y) {
  check_gated("gated_activation_forward", gate, {{&up, "up"}, {&y, "y"}});
  dispatch_float(common_dtype("gated_activation_forward", {&gate, &up, &y}), "gated_activation_forward", [&](auto zero) {
    using scalar_t = decltype(zero);
    with_op(activation, [&](auto op) { gated_forward_loop<decltype(op), scalar_t>(gate, up, y); });
  });
}

void gated_activation_backward(Activation activation, const Tensor& gate, const Tensor& up, const Tensor& dy,
                               const Tensor& dgate, const Tensor& dup) {
  check_gated("gated_activation_backward", gate, {{&up, "up"}, {&dy, "dy"}, {&dgate, "dgate"}, {&dup, "dup"}});
  dispatch_float(common_dtype("gated_activation_backward", {&gate, &up, &dy, &dgate, &dup}),
                      "gated_activation_backward", [&](auto zero) {
    using scalar_t = decltype(zero);
    with_op(activation, [&](auto op) { gated_backward_loop<decltype(op), scalar_t>(gate, up, dy, dgate, dup); });
  });
}

}  // namespace hone::cpu
