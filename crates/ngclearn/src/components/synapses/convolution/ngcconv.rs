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
    #[inline]
    fn source(&self, p: isize, lo: isize, len: usize) -> Option<usize> {
        let q = p - lo;
        if q < 0 {
            return None;
        }
        let d = self.lhs_dilation as isize;
        if q % d != 0 {
            return None;
        }
        let i = (q / d) as usize;
        (i < len).then_some(i)
    }

    /// `out = conv(x, k)`, each slice row-major in its NHWC/HWIO layout; `get_x(b, i, j,
    /// c)` and `get_k(a, e, c, o)` read the operands (so that transposed or flipped views
    /// need no copy).
    pub fn run(
        &self,
        get_x: impl Fn(usize, usize, usize, usize) -> f32,
        get_k: impl Fn(usize, usize, usize, usize) -> f32,
        out: &mut [f32],
    ) {
        debug_assert_eq!(out.len(), self.out_shape().iter().product::<usize>());
        let (s, rd) = (self.stride as isize, self.rhs_dilation as isize);
        let co = self.c_out;
        for b in 0..self.n {
            for i in 0..self.out_h {
                for j in 0..self.out_w {
                    let o0 = ((b * self.out_h + i) * self.out_w + j) * co;
                    let acc = &mut out[o0..o0 + co];
                    acc.fill(0.0);
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
                            for c in 0..self.c_in {
                                let v = get_x(b, xi, xj, c);
                                for (o, r) in acc.iter_mut().enumerate() {
                                    *r = v.mul_add(get_k(a, e, c, o), *r);
                                }
                            }
                        }
                    }
                }
            }
        }
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
