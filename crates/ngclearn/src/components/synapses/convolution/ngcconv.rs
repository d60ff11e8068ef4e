//! The convolutions of ngclearn's `ngcconv` (`conv2d`, `deconv2d`, the gradients with
//! respect to the kernel and to the input), as XLA computes `lax.conv_general_dilated`
//! on NHWC inputs and HWIO kernels: each output a chain of fused multiply-adds over the
//! kernel's taps in `(kh, kw, input channel)` order, from +0.0 (Eigen's packed GEMM on
//! XLA's CPU path; taps that fall in padding or between dilated inputs add nothing and
//! are skipped). Direct loops: the sizes ngclearn's components convolve fit in cache.

/// One convolution's geometry: `lax.conv_general_dilated(x, k, strides, pads,
/// lhs_dilation, rhs_dilation, ('NHWC', 'HWIO', 'NHWC'))` on `x` of `(n, h, w, c_in)` and
/// `k` of `(kh, kw, c_in, c_out)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Conv2d {
    pub n: usize,
    pub h: usize,
    pub w: usize,
    pub c_in: usize,
    pub kh: usize,
    pub kw: usize,
    pub c_out: usize,
    pub stride: usize,
    /// `(low, high)` padding of each spatial axis (negative crops).
    pub pads: [(isize, isize); 2],
    pub lhs_dilation: usize,
    pub rhs_dilation: usize,
    pub out_h: usize,
    pub out_w: usize,
}

impl Conv2d {
    /// The geometry and its output size; `None` when the output would be empty or a size
    /// overflows.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        (n, h, w, c_in): (usize, usize, usize, usize),
        (kh, kw, c_out): (usize, usize, usize),
        stride: usize,
        pads: [(isize, isize); 2],
        lhs_dilation: usize,
        rhs_dilation: usize,
    ) -> Option<Conv2d> {
        let out = |len: usize, k: usize, (lo, hi): (isize, isize)| -> Option<usize> {
            let dilated = (len.checked_sub(1)?).checked_mul(lhs_dilation)? + 1;
            let padded = isize::try_from(dilated).ok()? + lo + hi;
            let eff_k = isize::try_from((k.checked_sub(1)?).checked_mul(rhs_dilation)? + 1).ok()?;
            let span = padded - eff_k;
            (span >= 0 && stride >= 1).then(|| span as usize / stride + 1)
        };
        let out_h = out(h, kh, pads[0])?;
        let out_w = out(w, kw, pads[1])?;
        n.checked_mul(out_h)?
            .checked_mul(out_w)?
            .checked_mul(c_out)?;
        Some(Conv2d {
            n,
            h,
            w,
            c_in,
            kh,
            kw,
            c_out,
            stride,
            pads,
            lhs_dilation,
            rhs_dilation,
            out_h,
            out_w,
        })
    }

    /// The output's shape, `(n, out_h, out_w, c_out)`.
    pub fn out_shape(&self) -> [usize; 4] {
        [self.n, self.out_h, self.out_w, self.c_out]
    }

    /// The input index along one axis of the tap at padded, dilated position `p`, if
    /// it is an input (not padding, not between dilated inputs).
    #[inline(always)]
    fn source(&self, p: isize, lo: isize, len: usize) -> Option<usize> {
        let q = p - lo;
        if q < 0 {
            return None;
        }
        let i = if self.lhs_dilation == 1 {
            q as usize
        } else {
            let d = self.lhs_dilation as isize;
            if q % d != 0 {
                return None;
            }
            (q / d) as usize
        };
        (i < len).then_some(i)
    }

    /// `out = conv(x, k)`, `out` row-major NHWC; `x` and `k` are read through
    /// [`View`]s (so that transposed or turned operands need no copy). The taps of each
    /// output are summed in `(kh, kw, input channel)` order; the output channels run
    /// innermost, over contiguous memory where the filter's are.
    pub fn run(&self, x: View<'_>, k: View<'_>, out: &mut [f32]) {
        // The fused multiply-adds in the processor's vector unit where it has one (the
        // same IEEE operation on each lane).
        crate::core::simd::with_simd(
            #[inline(always)]
            || self.run_inner(x, k, out),
        );
    }

    #[inline(always)]
    fn run_inner(&self, x: View<'_>, k: View<'_>, out: &mut [f32]) {
        debug_assert_eq!(out.len(), self.out_shape().iter().product::<usize>());
        // The output channels in blocks whose sums stay in registers across the taps.
        match self.c_out {
            c if c % 16 == 0 => self.blocks::<16>(x, k, out),
            c if c % 8 == 0 => self.blocks::<8>(x, k, out),
            c if c % 4 == 0 => self.blocks::<4>(x, k, out),
            _ => self.blocks::<1>(x, k, out),
        }
    }

    /// [`Conv2d::run`] with the output channels in blocks of `N` (`N` divides them).
    #[inline(always)]
    fn blocks<const N: usize>(&self, x: View<'_>, k: View<'_>, out: &mut [f32]) {
        let (s, rd) = (self.stride as isize, self.rhs_dilation as isize);
        let co = self.c_out;
        let k_o = k.strides[3];
        for b in 0..self.n {
            for i in 0..self.out_h {
                for j in 0..self.out_w {
                    let o0 = ((b * self.out_h + i) * self.out_w + j) * co;
                    for ob in (0..co).step_by(N) {
                        let mut acc = [0.0f32; N];
                        for a in 0..self.kh {
                            let p = i as isize * s + a as isize * rd;
                            let Some(xi) = self.source(p, self.pads[0].0, self.h) else {
                                continue;
                            };
                            for e in 0..self.kw {
                                let q = j as isize * s + e as isize * rd;
                                let Some(xj) = self.source(q, self.pads[1].0, self.w) else {
                                    continue;
                                };
                                let x_at = x.at(b, xi, xj, 0);
                                let k_at = k.at(a, e, 0, 0) + ob as isize * k_o;
                                for c in 0..self.c_in {
                                    let v = x.data[(x_at + c as isize * x.strides[3]) as usize];
                                    let kc = k_at + c as isize * k.strides[2];
                                    if k_o == 1 {
                                        let row: &[f32; N] = k.data[kc as usize..kc as usize + N]
                                            .try_into()
                                            .expect("a block of N");
                                        for (r, &kv) in acc.iter_mut().zip(row) {
                                            *r = v.mul_add(kv, *r);
                                        }
                                    } else {
                                        for (l, r) in acc.iter_mut().enumerate() {
                                            let kv = k.data[(kc + l as isize * k_o) as usize];
                                            *r = v.mul_add(kv, *r);
                                        }
                                    }
                                }
                            }
                        }
                        out[o0 + ob..o0 + ob + N].copy_from_slice(&acc);
                    }
                }
            }
        }
    }
}

/// An operand of [`Conv2d::run`]: values of four logical axes at `offset + sum(index *
/// stride)` in `data` (strides may be negative, for a turned filter).
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    pub data: &'a [f32],
    pub offset: isize,
    pub strides: [isize; 4],
}

impl<'a> View<'a> {
    /// A row-major array of `dims`.
    pub fn row_major(data: &'a [f32], dims: [usize; 4]) -> View<'a> {
        let [_, d1, d2, d3] = dims.map(|d| d as isize);
        View {
            data,
            offset: 0,
            strides: [d1 * d2 * d3, d2 * d3, d3, 1],
        }
    }

    /// The same values with the logical axes taken in `order` (`order[i]` is the
    /// source axis of new axis `i`).
    pub fn permuted(self, order: [usize; 4]) -> View<'a> {
        View {
            strides: order.map(|i| self.strides[i]),
            ..self
        }
    }

    /// The same values with axes `axes` read backwards (`len` values along each).
    pub fn reversed(mut self, axes: &[(usize, usize)]) -> View<'a> {
        for &(axis, len) in axes {
            self.offset += (len as isize - 1) * self.strides[axis];
            self.strides[axis] = -self.strides[axis];
        }
        self
    }

    #[inline(always)]
    fn at(&self, i0: usize, i1: usize, i2: usize, i3: usize) -> isize {
        self.offset
            + i0 as isize * self.strides[0]
            + i1 as isize * self.strides[1]
            + i2 as isize * self.strides[2]
            + i3 as isize * self.strides[3]
    }
}

/// `"SAME"` or `"VALID"`: the padding ngclearn's convolutional components take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    Same,
    Valid,
}

impl Padding {
    pub fn parse(s: &str) -> Option<Padding> {
        match s {
            "SAME" => Some(Padding::Same),
            "VALID" => Some(Padding::Valid),
            _ => None,
        }
    }

    /// `lax.padtype_to_pads` for one axis of a forward convolution: SAME pads to
    /// `ceil(len / stride)` outputs, the extra on the high side.
    pub fn forward(self, len: usize, k: usize, stride: usize) -> (isize, isize) {
        match self {
            Padding::Valid => (0, 0),
            Padding::Same => {
                let out = len.div_ceil(stride);
                let need = ((out.saturating_sub(1)) * stride + k).saturating_sub(len) as isize;
                (need / 2, need - need / 2)
            }
        }
    }

    /// JAX's `_conv_transpose_padding(k, s, padding)`: a transposed convolution's pads.
    pub fn transposed(self, k: usize, s: usize) -> (isize, isize) {
        let (k, s) = (k as isize, s as isize);
        let (pad_len, pad_a) = match self {
            Padding::Same => {
                let len = k + s - 2;
                (len, if s > k - 1 { k - 1 } else { ceil_half(len) })
            }
            Padding::Valid => (k + s - 2 + (k - s).max(0), k - 1),
        };
        (pad_a, pad_len - pad_a)
    }
}

/// `int(np.ceil(n / 2))`.
fn ceil_half(n: isize) -> isize {
    n.div_euclid(2) + n.rem_euclid(2)
}

/// ngclearn's `_conv_same_transpose_padding` / `_conv_valid_transpose_padding` (the
/// input gradient's pads of a convolution) and `_deconv_same_transpose_padding` /
/// `_deconv_valid_transpose_padding` (the kernel gradient's of a deconvolution), for
/// one axis.
pub(crate) fn ngc_transpose_padding(
    deconv: bool,
    padding: Padding,
    inputs: usize,
    output: usize,
    kernel: usize,
    stride: usize,
) -> (isize, isize) {
    let (i, o, k, s) = (
        inputs as isize,
        output as isize,
        kernel as isize,
        stride as isize,
    );
    let pad_len = o - ((s - 1) * (i - 1) + i - (k - 1));
    let pad_a = match (deconv, padding) {
        (false, Padding::Same) if s > k => k - 1,
        (false, Padding::Same) => ceil_half(pad_len),
        (false, Padding::Valid) => k - 1,
        (true, Padding::Same) if s >= o - 1 => o - 1,
        (true, Padding::Same) => ceil_half(pad_len),
        (true, Padding::Valid) => o - 1,
    };
    (pad_a, pad_len - pad_a)
}
