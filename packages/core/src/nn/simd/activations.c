/*
 * Elementwise activations and their gradients on float32 arrays, 4 lanes at a time (WebAssembly
 * SIMD). Built by tools/build-simd.mjs into activations.wasm (no libc; it imports only its memory);
 * loaded by simd-kernels.ts.
 *
 * Why: tfjs-backend-wasm computes Tanh, Softplus and Selu one element at a time through libm
 * (about 6, 15 and 5 ns per element); these are float32-accurate (a few ulp) and vectorised. It
 * also sums a matrix's columns (a dense layer's bias gradient) without transposing it first.
 *
 * Accuracy: exp/expm1 follow Cephes expf (Cody-Waite reduction by ln 2, degree-5 polynomial),
 * log1p follows Cephes logf (degree-8 polynomial on [sqrt(1/2) - 1, sqrt(2) - 1]); NaN propagates
 * (wasm's f32x4.min/max return NaN for a NaN operand), and tanh keeps the sign of -0.
 *
 * The elementwise kernels read n floats at x (and dy) and write n floats at out (which may be x);
 * the tail of fewer than four elements goes through the same vector code, zero-padded.
 */
#include <wasm_simd128.h>

typedef float f4 __attribute__((vector_size(16)));
typedef int i4 __attribute__((vector_size(16)));

static inline f4 splat(float c) { return (f4){c, c, c, c}; }
static inline f4 vmin(f4 a, f4 b) { return (f4)wasm_f32x4_min((v128_t)a, (v128_t)b); }
static inline f4 vmax(f4 a, f4 b) { return (f4)wasm_f32x4_max((v128_t)a, (v128_t)b); }
static inline f4 vabs(f4 a) { return (f4)wasm_f32x4_abs((v128_t)a); }
/* lanes of a where mask is set, else of b */
static inline f4 pick(i4 mask, f4 a, f4 b) { return (f4)wasm_v128_bitselect((v128_t)a, (v128_t)b, (v128_t)mask); }

/* 2^n for integral n in [-126, 127] (float lanes), by building the exponent bits. */
static inline f4 pow2(f4 n) {
  i4 e = (i4)wasm_i32x4_trunc_sat_f32x4((v128_t)n);
  return (f4)((e + 127) << 23);
}

/* x = n ln2 + r with |r| <= ln2 / 2: returns expm1(r) and sets *n. */
static inline f4 expm1_reduced(f4 x, f4 *n) {
  f4 k = (f4)wasm_f32x4_nearest((v128_t)(x * splat(1.44269504088896341f)));
  f4 r = x - k * splat(0.693359375f);
  r = r - k * splat(-2.12194440e-4f);
  f4 p = splat(1.9875691500e-4f);
  p = p * r + splat(1.3981999507e-3f);
  p = p * r + splat(8.3334519073e-3f);
  p = p * r + splat(4.1665795894e-2f);
  p = p * r + splat(1.6666665459e-1f);
  p = p * r + splat(5.0000001201e-1f);
  *n = k;
  return p * (r * r) + r;
}

/* e^x for any x: below -87.3 the result is subnormal, so 2^n is applied in two halves. */
static inline f4 vexp(f4 x) {
  f4 n;
  f4 m = expm1_reduced(vmax(vmin(x, splat(88.7f)), splat(-104.0f)), &n);
  f4 half = (f4)wasm_f32x4_trunc((v128_t)(n * splat(0.5f)));
  return (m + splat(1.0f)) * pow2(half) * pow2(n - half);
}

/* e^x - 1, accurate near 0; x <= 88 (lanes below -88 give -1). */
static inline f4 vexpm1(f4 x) {
  f4 n;
  f4 m = expm1_reduced(vmax(x, splat(-88.0f)), &n);
  f4 s = pow2(n);
  return m * s + (s - splat(1.0f));
}

/* log(1 + t) for t in [0, 1]. */
static inline f4 vlog1p01(f4 t) {
  i4 big = t > splat(0.41421356f);
  f4 f = pick(big, t * splat(0.5f) - splat(0.5f), t);
  f4 e = pick(big, splat(1.0f), splat(0.0f));
  f4 z = f * f;
  f4 p = splat(7.0376836292e-2f);
  p = p * f + splat(-1.1514610310e-1f);
  p = p * f + splat(1.1676998740e-1f);
  p = p * f + splat(-1.2420140846e-1f);
  p = p * f + splat(1.4249322787e-1f);
  p = p * f + splat(-1.6668057665e-1f);
  p = p * f + splat(2.0000714765e-1f);
  p = p * f + splat(-2.4999993993e-1f);
  p = p * f + splat(3.3333331174e-1f);
  f4 y = p * f * z;
  y = y + e * splat(-2.12194440e-4f);
  y = y - splat(0.5f) * z;
  return f + y + e * splat(0.693359375f);
}

/* tanh(x) = sign(x) expm1(2|x|) / (expm1(2|x|) + 2); |x| >= 9 rounds to ±1 in float32. */
static inline f4 vtanh(f4 x) {
  f4 a = vmin(vabs(x), splat(9.0f));
  f4 e = vexpm1(a + a);
  f4 t = e / (e + splat(2.0f));
  return (f4)((i4)t | ((i4)x & (i4){(int)0x80000000, (int)0x80000000, (int)0x80000000, (int)0x80000000}));
}

/* softplus(s x) * s: s = 1 is softplus, s = -1 is logsigmoid(x) = -softplus(-x). */
static inline f4 vsoftplus_signed(f4 x, float s) {
  f4 u = x * splat(s);
  f4 sp = vmax(u, splat(0.0f)) + vlog1p01(vexp(-vabs(u)));
  return sp * splat(s);
}

/* sigmoid(s x), the derivative of either sign's softplus. */
static inline f4 vsigmoid_signed(f4 x, float s) {
  f4 u = x * splat(s);
  f4 t = vexp(-vabs(u));
  f4 d = splat(1.0f) + t;
  return pick(u >= splat(0.0f), splat(1.0f) / d, t / d);
}

#define SELU_SCALE 1.0507009873554805f
#define SELU_SCALE_ALPHA 1.7580993408473768f

static inline f4 vselu(f4 x) {
  return pick(x > splat(0.0f), x * splat(SELU_SCALE), vexpm1(vmin(x, splat(0.0f))) * splat(SELU_SCALE_ALPHA));
}

static inline f4 vselu_grad(f4 x) {
  return pick(x > splat(0.0f), splat(SELU_SCALE), vexp(vmin(x, splat(0.0f))) * splat(SELU_SCALE_ALPHA));
}

static inline f4 load(const float *p) { return (f4)wasm_v128_load(p); }
static inline void store(float *p, f4 v) { wasm_v128_store(p, (v128_t)v); }

/*
 * The last r < 4 elements, lane by lane: no stack array, because the module runs on memory it
 * imports (tfjs-backend-wasm's heap), where it owns no stack.
 */
static inline f4 load_tail(const float *p, int r) {
  f4 v = splat(0.0f);
  v[0] = p[0];
  if (r > 1) v[1] = p[1];
  if (r > 2) v[2] = p[2];
  return v;
}
static inline void store_tail(float *p, f4 v, int r) {
  p[0] = v[0];
  if (r > 1) p[1] = v[1];
  if (r > 2) p[2] = v[2];
}

/* out[i] = F(x[i]) for i < n, with F an f4 expression of the vector v. */
#define UNARY(name, F)                                                                                                 \
  __attribute__((export_name(#name))) void name(const float *x, float *out, int n) {                                  \
    int i = 0;                                                                                                         \
    for (; i + 4 <= n; i += 4) {                                                                                       \
      f4 v = load(x + i);                                                                                              \
      store(out + i, F);                                                                                               \
    }                                                                                                                  \
    if (i < n) {                                                                                                       \
      f4 v = load_tail(x + i, n - i);                                                                                  \
      store_tail(out + i, F, n - i);                                                                                   \
    }                                                                                                                  \
  }

/* out[i] = dy[i] * D(x[i]) for i < n, with D an f4 expression of the vector v. */
#define BACKWARD(name, D)                                                                                              \
  __attribute__((export_name(#name))) void name(const float *x, const float *dy, float *out, int n) {                 \
    int i = 0;                                                                                                         \
    for (; i + 4 <= n; i += 4) {                                                                                       \
      f4 v = load(x + i);                                                                                              \
      store(out + i, load(dy + i) * (D));                                                                              \
    }                                                                                                                  \
    if (i < n) {                                                                                                       \
      f4 v = load_tail(x + i, n - i);                                                                                  \
      store_tail(out + i, load_tail(dy + i, n - i) * (D), n - i);                                                      \
    }                                                                                                                  \
  }

UNARY(tanh_forward, vtanh(v))
/* From the saved output y = tanh(x): (1 - y^2) dy, the product tfjs's Tanh gradient forms. */
BACKWARD(tanh_backward, splat(1.0f) - v * v)
UNARY(softplus_forward, vsoftplus_signed(v, 1.0f))
BACKWARD(softplus_backward, vsigmoid_signed(v, 1.0f))
UNARY(logsigmoid_forward, vsoftplus_signed(v, -1.0f))
BACKWARD(logsigmoid_backward, vsigmoid_signed(v, -1.0f))
UNARY(selu_forward, vselu(v))
BACKWARD(selu_backward, vselu_grad(v))

/*
 * out[j] = sum over i of x[i * cols + j] (x rows × cols, row-major): a dense layer's bias
 * gradient, without the transpose that tfjs-backend-wasm's Sum over axis 0 makes first. Blocks of
 * 16 columns stay in four vector accumulators for one pass over the rows.
 */
__attribute__((export_name("column_sums"))) void column_sums(const float *x, float *out, int rows, int cols) {
  int j = 0;
  for (; j + 16 <= cols; j += 16) {
    f4 a0 = splat(0.0f), a1 = splat(0.0f), a2 = splat(0.0f), a3 = splat(0.0f);
    for (int i = 0; i < rows; i++) {
      const float *r = x + i * cols + j;
      a0 += load(r);
      a1 += load(r + 4);
      a2 += load(r + 8);
      a3 += load(r + 12);
    }
    store(out + j, a0);
    store(out + j + 4, a1);
    store(out + j + 8, a2);
    store(out + j + 12, a3);
  }
  for (; j + 4 <= cols; j += 4) {
    f4 a = splat(0.0f);
    for (int i = 0; i < rows; i++) a += load(x + i * cols + j);
    store(out + j, a);
  }
  for (; j < cols; j++) {
    float s = 0.0f;
    for (int i = 0; i < rows; i++) s += x[i * cols + j];
    out[j] = s;
  }
}

/*
 * One Adam step of n values, in tfjs's operation order (training/host-adam.ts):
 *   g' = g s;  m = b1 m + c1 g';  v = b2 v + (g' g') c2;  out = ((m / d1) / (sqrt(v / d2) + eps)) nlr + x
 * with m and v updated in place and nlr = -lr. WebAssembly's f32x4 +, -, *, / and sqrt round
 * correctly, as the host path's Math.fround of each double result does, so both give the same bits;
 * s = 1 multiplies exactly. Contraction stays off: a fused multiply-add would round once, not twice.
 */
static inline f4 adam_lanes(f4 x, f4 g, f4 *m, f4 *v, const float *k) {
#pragma clang fp contract(off)
  f4 gs = g * splat(k[0]);
  *m = *m * splat(k[1]) + gs * splat(k[2]);
  *v = *v * splat(k[3]) + (gs * gs) * splat(k[4]);
  f4 den = (f4)wasm_f32x4_sqrt((v128_t)(*v / splat(k[6]))) + splat(k[7]);
  return ((*m / splat(k[5])) / den) * splat(k[8]) + x;
}

/* k: s, b1, c1, b2, c2, d1, d2, eps, -lr (nine floats, beside the arrays in memory). */
__attribute__((export_name("adam_step"))) void adam_step(const float *x, const float *g, float *m, float *v,
                                                          float *out, int n, const float *k) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 mi = load(m + i), vi = load(v + i);
    store(out + i, adam_lanes(load(x + i), load(g + i), &mi, &vi, k));
    store(m + i, mi);
    store(v + i, vi);
  }
  if (i < n) {
    int r = n - i;
    f4 mi = load_tail(m + i, r), vi = load_tail(v + i, r);
    store_tail(out + i, adam_lanes(load_tail(x + i, r), load_tail(g + i, r), &mi, &vi, k), r);
    store_tail(m + i, mi, r);
    store_tail(v + i, vi, r);
  }
}
