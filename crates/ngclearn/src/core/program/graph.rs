//! A method as a graph of array operations, specialised to the component's shapes:
//! what [`trace`](super::trace) makes of the source and [`kernel`](super::kernel) turns
//! into kernels.
//!
//! Nodes are float32 arrays of rank 0, 1 or 2 (booleans are 0 and 1). Each node is
//! made through [`Graph`]'s constructors, which apply XLA's rewrites where they decide
//! the bits: `a * b + c` (and `c + a * b`, `a * b - c`, `c - a * b`) is one fused
//! multiply-add, a division by a scalar that is broadcast (or a constant) is a
//! multiplication by its float32 reciprocal.

use super::parse::{Line, Problem};

/// A node's index in its graph.
pub type NodeId = usize;
/// A key's index in its graph.
pub type KeyId = usize;

/// Elementwise functions of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Un {
    /// `-x`
    Neg,
    /// `|x|`
    Abs,
    /// XLA's `exp`
    Exp,
    /// XLA's `log`
    Log,
    /// XLA's `log1p`
    Log1p,
    /// XLA's `tanh`
    Tanh,
    /// `jax.nn.sigmoid`
    Sigmoid,
    /// `jax.nn.relu`: `max(x, 0)`
    Relu,
    /// IEEE square root
    Sqrt,
    /// `1 / sqrt(x)`
    Rsqrt,
    /// `sign(x)` (NaN stays NaN, ±0 stays)
    Sign,
    /// `floor`
    Floor,
    /// `ceil`
    Ceil,
    /// round half to even
    Round,
    /// `1 / x` in float32
    Recip,
    /// `x != 0` as 0/1 (`astype(bool)`, `not`)
    Truthy,
    /// `x == 0` as 0/1 (`logical_not`, `~` on booleans)
    Not,
    /// truncation toward zero (`astype(int32)`)
    Trunc,
    /// `isnan`
    IsNan,
    /// A boolean as a float (`astype(float32)`): the same values.
    Float,
}

/// Elementwise functions of two arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bin {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b` (true division)
    Div,
    /// XLA's `max` (NaN wins; -0 < +0)
    Max,
    /// XLA's `min`
    Min,
    /// `a ** b` (general)
    Pow,
    /// Python's `%` (the sign of `b`)
    Mod,
    /// `a // b`
    FloorDiv,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a == b`
    Eq,
    /// `a != b`
    Ne,
    /// logical and of 0/1
    And,
    /// logical or of 0/1
    Or,
}

/// Reductions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Red {
    /// `sum`
    Sum,
    /// `mean`: the sum times `1 / n` (float32)
    Mean,
    /// `max`
    Max,
    /// `min`
    Min,
}

/// Random draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Draw {
    /// `uniform(key, shape, minval, maxval)`
    Uniform(f32, f32),
    /// `normal(key, shape)`
    Normal,
}

/// Which sum a fused multiply-add makes of `a * b` and `c`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fused {
    /// `a * b + c`
    Add,
    /// `a * b - c`
    SubC,
    /// `c - a * b`
    SubFrom,
}

/// What a node computes.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Compartment `i` as the method found it.
    Comp(usize),
    /// A constant array (a scalar, or an attribute's array), row-major.
    Const(Vec<f32>),
    /// The process's keyword `t` (0) or `dt` (1).
    Keyword(u8),
    /// `f(a)`
    Un(Un, NodeId),
    /// `f(a, b)`
    Bin(Bin, NodeId, NodeId),
    /// `a * b + c` (or `a * b - c`, `c - a * b`), one rounding
    Fma(NodeId, NodeId, NodeId, Fused),
    /// `where(c, a, b)`
    Select(NodeId, NodeId, NodeId),
    /// `a @ b` (rank 2 after promotion); the flags say an operand is read transposed.
    MatMul(NodeId, NodeId, bool, bool),
    /// A reduction over all axes (`None`) or one. A sum of a product `x * y` (the
    /// second operand) accumulates with fused multiply-adds, as XLA's loop does.
    Reduce(Red, NodeId, Option<usize>, Option<NodeId>),
    /// A node broadcast to this node's shape.
    Broadcast(NodeId),
    /// The transpose of a rank-2 array.
    Transpose(NodeId),
    /// The same values under another shape.
    Reshape(NodeId),
    /// A random draw of the node's shape with key `k`.
    Random(Draw, KeyId),
}

impl Op {
    /// Whether it is computed element for element (what a fused pass runs).
    pub fn is_elementwise(&self) -> bool {
        matches!(
            self,
            Op::Un(..) | Op::Bin(..) | Op::Fma(..) | Op::Select(..)
        )
    }
}

/// A node: its operation and its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it computes.
    pub op: Op,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Whether it holds booleans (0 and 1), as JAX's comparisons make: `+` and `*` of
    /// two of them are `or` and `and`.
    pub boolean: bool,
}

impl Node {
    /// Its number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether it has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a key is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOp {
    /// The component's key as the method found it.
    Comp,
    /// Key `i` of `split(src, n)`.
    Split(KeyId, usize, usize),
}

/// The graph of one method.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Its nodes, each after its operands.
    pub nodes: Vec<Node>,
    /// Its keys, each after its source.
    pub keys: Vec<KeyOp>,
    /// What the method leaves in each compartment it sets: `(compartment, node)`.
    pub writes: Vec<(usize, NodeId)>,
    /// The key the method leaves in the component's key, if it sets it.
    pub key_write: Option<KeyId>,
    /// Whether the method read an array's shape (`x.shape`, `len(x)`): its numbers then
    /// depend on the shapes, and a block of columns would compute others.
    pub reads_shape: bool,
    /// Each pure node by what it computes, so that a computation written twice is made
    /// once (as XLA's common-subexpression pass does; the bits are the same).
    seen: std::collections::HashMap<String, NodeId>,
}

/// The most elements one value of a method may have (1 GiB of float32): a method
/// asking for more is refused when it is read, not when memory runs out.
pub const MAX_ELEMENTS: usize = 1 << 28;

/// `Ok` if an array of `shape` may be made.
pub fn check_size(shape: &[usize], line: Line) -> Result<(), Problem> {
    if shape.len() > super::kernel::MAX_RANK {
        return Err(Problem::unsupported(
            line,
            format!("an array of more than {} axes", super::kernel::MAX_RANK),
        ));
    }
    let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    match n {
        Some(n) if n <= MAX_ELEMENTS => Ok(()),
        _ => Err(Problem::invalid(
            line,
            format!(
                "an array of shape {} is more than {MAX_ELEMENTS} values, the most one value of a method may hold",
                shape_text(shape)
            ),
        )),
    }
}

/// The nodes a node reads.
pub fn node_operands(op: &Op) -> Vec<NodeId> {
    match *op {
        Op::Comp(_) | Op::Const(_) | Op::Keyword(_) | Op::Random(..) => Vec::new(),
        Op::Reduce(_, a, _, Some(b)) => vec![a, b],
        Op::Un(_, a)
        | Op::Reduce(_, a, _, None)
        | Op::Transpose(a)
        | Op::Reshape(a)
        | Op::Broadcast(a) => vec![a],
        Op::Bin(_, a, b) | Op::MatMul(a, b, _, _) => vec![a, b],
        Op::Fma(a, b, c, _) | Op::Select(a, b, c) => vec![a, b, c],
    }
}

/// The shape two shapes broadcast to (NumPy's rule), if they do.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let x = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let y = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = if x == y || y == 1 {
            x
        } else if x == 1 {
            y
        } else {
            return None;
        };
    }
    Some(out)
}

fn shape_text(s: &[usize]) -> String {
    match s {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            s.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Graph {
    /// Adds a node.
    pub fn push(&mut self, op: Op, shape: Vec<usize>) -> NodeId {
        // Draws are not pure (two draws of one key are the same numbers, but they are
        // two nodes the source wrote); everything else is.
        let key = match &op {
            Op::Random(..) => None,
            Op::Const(v) if v.len() > 16 => None,
            Op::Const(v) => Some(format!(
                "C{:?}{:?}",
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                shape
            )),
            other => Some(format!("{other:?}{shape:?}")),
        };
        if let Some(k) = &key {
            if let Some(&n) = self.seen.get(k) {
                return n;
            }
        }
        let boolean = match &op {
            Op::Bin(f, ..) => matches!(
                f,
                Bin::Gt | Bin::Ge | Bin::Lt | Bin::Le | Bin::Eq | Bin::Ne | Bin::And | Bin::Or
            ),
            Op::Un(f, _) => matches!(f, Un::Not | Un::Truthy | Un::IsNan),
            Op::Select(_, a, b) => self.nodes[*a].boolean && self.nodes[*b].boolean,
            Op::Reshape(a) | Op::Broadcast(a) | Op::Transpose(a) => self.nodes[*a].boolean,
            _ => false,
        };
        self.nodes.push(Node { op, shape, boolean });
        let n = self.nodes.len() - 1;
        if let Some(k) = key {
            self.seen.insert(k, n);
        }
        n
    }

    /// XLA's fused multiply-adds: an addition or subtraction with a product as an
    /// operand becomes one fma (the left operand's product first) unless the product
    /// also feeds another elementwise computation that ends in the same place (then it
    /// is one value of one loop, which LLVM does not contract). Products that feed
    /// different results are computed again for each (XLA's fusion duplicates them), so
    /// each is contracted. Run once the method is read.
    pub fn contract(&mut self) {
        let n = self.nodes.len();
        let elementwise = Op::is_elementwise;
        let mut users: Vec<Vec<NodeId>> = vec![Vec::new(); n];
        for (i, node) in self.nodes.iter().enumerate() {
            for o in node_operands(&node.op) {
                users[o].push(i);
            }
        }
        // Where each node's value ends: results (`writes`) and the non-elementwise
        // computations that read it (each its own loop), through elementwise users.
        let mut ends: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in (0..n).rev() {
            let mut e: Vec<usize> = self
                .writes
                .iter()
                .filter(|w| w.1 == i)
                .map(|w| n + w.0)
                .collect();
            for &u in &users[i] {
                if elementwise(&self.nodes[u].op) {
                    e.extend_from_slice(&ends[u]);
                } else {
                    e.push(u);
                }
            }
            e.sort_unstable();
            e.dedup();
            ends[i] = e;
        }
        let shares = |a: &[usize], b: &[usize]| a.iter().any(|x| b.binary_search(x).is_ok());
        for u in 0..n {
            let Op::Bin(f @ (Bin::Add | Bin::Sub), a, b) = self.nodes[u].op else {
                continue;
            };
            let shape = self.nodes[u].shape.clone();
            let eligible = |g: &Self, m: NodeId| -> Option<(NodeId, NodeId)> {
                let Op::Bin(Bin::Mul, x, y) = g.nodes[m].op else {
                    return None;
                };
                let alone = users[m]
                    .iter()
                    .filter(|&&v| v != u && elementwise(&g.nodes[v].op))
                    .all(|&v| !shares(&ends[v], &ends[u]));
                (alone && g.simple_for(x, &shape) && g.simple_for(y, &shape)).then_some((x, y))
            };
            if let Some((x, y)) = eligible(self, a) {
                let kind = if f == Bin::Sub {
                    Fused::SubC
                } else {
                    Fused::Add
                };
                self.nodes[u].op = Op::Fma(x, y, b, kind);
            } else if let Some((x, y)) = eligible(self, b) {
                let kind = if f == Bin::Sub {
                    Fused::SubFrom
                } else {
                    Fused::Add
                };
                self.nodes[u].op = Op::Fma(x, y, a, kind);
            }
        }
    }

    /// Whether `x` can be read by an elementwise node of `shape` as it is (element for
    /// element, one value, one row or one column).
    fn simple_for(&self, x: NodeId, shape: &[usize]) -> bool {
        let s = self.shape(x);
        let len: usize = s.iter().product();
        let total: usize = shape.iter().product();
        if len == total || len == 1 || shape.is_empty() {
            return true;
        }
        let mut padded = vec![1; shape.len().saturating_sub(s.len())];
        padded.extend_from_slice(s);
        let (last, lead) = shape.split_last().expect("a non-empty shape");
        let row = padded.last() == Some(last) && padded[..padded.len() - 1].iter().all(|&d| d == 1);
        let col = padded.last() == Some(&1) && &padded[..padded.len() - 1] == lead;
        row || col
    }

    /// A scalar constant.
    pub fn scalar(&mut self, v: f32) -> NodeId {
        self.push(Op::Const(vec![v]), Vec::new())
    }

    /// Its shape.
    pub fn shape(&self, n: NodeId) -> &[usize] {
        &self.nodes[n].shape
    }

    fn constant(&self, n: NodeId) -> Option<f32> {
        match &self.nodes[n].op {
            Op::Const(v) if v.len() == 1 => Some(v[0]),
            _ => None,
        }
    }

    /// `f(a)`.
    pub fn un(&mut self, f: Un, a: NodeId) -> NodeId {
        let shape = self.nodes[a].shape.clone();
        // XLA folds a function of a constant when it compiles, with the C library's
        // float32 functions (not the polynomials it emits for run time).
        if let Op::Const(v) = &self.nodes[a].op {
            let fold: Option<fn(f32) -> f32> = match f {
                Un::Exp => Some(f32::exp),
                Un::Log => Some(f32::ln),
                Un::Log1p => Some(f32::ln_1p),
                Un::Tanh => Some(f32::tanh),
                _ => None,
            };
            if let Some(fold) = fold {
                let out = v.iter().map(|&x| fold(x)).collect();
                return self.push(Op::Const(out), shape);
            }
        }
        self.push(Op::Un(f, a), shape)
    }

    /// `x` as an operand of an elementwise node of `shape`: as it is when it is read
    /// element for element, as one value, as one row or as one column; otherwise
    /// (a broadcast along inner axes of a higher rank) broadcast first.
    fn simple(&mut self, x: NodeId, shape: &[usize]) -> NodeId {
        if self.simple_for(x, shape) {
            return x;
        }
        self.push(Op::Broadcast(x), shape.to_vec())
    }

    /// `f(a, b)`, broadcast, with XLA's rewrites.
    pub fn bin(&mut self, f: Bin, a: NodeId, b: NodeId, line: Line) -> Result<NodeId, Problem> {
        let shape = broadcast(self.shape(a), self.shape(b)).ok_or_else(|| {
            Problem::invalid(
                line,
                format!(
                    "shapes {} and {} do not broadcast",
                    shape_text(self.shape(a)),
                    shape_text(self.shape(b))
                ),
            )
        })?;
        check_size(&shape, line)?;
        // XLA deletes `x * 1`, `x / 1`, `x + 0` and `x - 0` (so -0 and NaN pass through
        // as they are); only where nothing is broadcast.
        let same = |g: &Self, n: NodeId| g.shape(n) == shape.as_slice();
        match (f, self.constant(a), self.constant(b)) {
            (Bin::Mul, _, Some(c)) if c == 1.0 && same(self, a) => return Ok(a),
            (Bin::Mul, Some(c), _) if c == 1.0 && same(self, b) => return Ok(b),
            (Bin::Div, _, Some(c)) if c == 1.0 && same(self, a) => return Ok(a),
            (Bin::Add, _, Some(c)) if c == 0.0 && same(self, a) => return Ok(a),
            (Bin::Add, Some(c), _) if c == 0.0 && same(self, b) => return Ok(b),
            (Bin::Sub, _, Some(c)) if c == 0.0 && same(self, a) => return Ok(a),
            _ => {}
        }
        if f == Bin::Div {
            // XLA: a division by a constant, or by a scalar broadcast to the
            // other operand's shape, is a multiplication by the reciprocal.
            // (A broadcast divisor: its reciprocal is taken before the broadcast.)
            let b_len = self.nodes[b].len();
            let out_len: usize = shape.iter().product();
            let constant = match &self.nodes[b].op {
                Op::Const(v) => Some(v.clone()),
                _ => None,
            };
            if constant.is_some() || b_len < out_len {
                let r = match constant {
                    // XLA folds the reciprocal of a constant in float32.
                    Some(v) => {
                        let shape_b = self.nodes[b].shape.clone();
                        self.push(Op::Const(v.iter().map(|c| 1.0 / c).collect()), shape_b)
                    }
                    None => self.un(Un::Recip, b),
                };
                let (a, r) = (self.simple(a, &shape), self.simple(r, &shape));
                return Ok(self.push(Op::Bin(Bin::Mul, a, r), shape));
            }
        }
        let (a, b) = (self.simple(a, &shape), self.simple(b, &shape));
        Ok(self.push(Op::Bin(f, a, b), shape))
    }

    /// `where(c, a, b)`, broadcast.
    pub fn select(
        &mut self,
        c: NodeId,
        a: NodeId,
        b: NodeId,
        line: Line,
    ) -> Result<NodeId, Problem> {
        let s = broadcast(self.shape(a), self.shape(b))
            .and_then(|s| broadcast(&s, self.shape(c)))
            .ok_or_else(|| Problem::invalid(line, "where: the shapes do not broadcast"))?;
        check_size(&s, line)?;
        let (c, a, b) = (self.simple(c, &s), self.simple(a, &s), self.simple(b, &s));
        Ok(self.push(Op::Select(c, a, b), s))
    }

    /// A node reshaped (same number of elements).
    pub fn reshape(&mut self, a: NodeId, shape: Vec<usize>, line: Line) -> Result<NodeId, Problem> {
        if shape.len() > super::kernel::MAX_RANK {
            return Err(Problem::unsupported(line, "an array of more than 8 axes"));
        }
        if shape.iter().product::<usize>() != self.nodes[a].len() {
            return Err(Problem::invalid(
                line,
                format!(
                    "cannot reshape an array of shape {} into shape {}",
                    shape_text(self.shape(a)),
                    shape_text(&shape)
                ),
            ));
        }
        if shape == self.nodes[a].shape {
            return Ok(a);
        }
        Ok(self.push(Op::Reshape(a), shape))
    }

    /// `a` broadcast to `shape` (as a new array, through an elementwise select).
    pub fn broadcast_to(
        &mut self,
        a: NodeId,
        shape: &[usize],
        line: Line,
    ) -> Result<NodeId, Problem> {
        if self.shape(a) == shape {
            return Ok(a);
        }
        match broadcast(self.shape(a), shape) {
            Some(s) if s == shape => {}
            _ => {
                return Err(Problem::invalid(
                    line,
                    format!(
                        "cannot broadcast shape {} to {}",
                        shape_text(self.shape(a)),
                        shape_text(shape)
                    ),
                ))
            }
        }
        Ok(self.push(Op::Broadcast(a), shape.to_vec()))
    }

    /// `a @ b` with NumPy's rules for ranks 1 and 2.
    pub fn matmul(&mut self, a: NodeId, b: NodeId, line: Line) -> Result<NodeId, Problem> {
        let (sa, sb) = (self.shape(a).to_vec(), self.shape(b).to_vec());
        if sa.is_empty() || sb.is_empty() {
            return Err(Problem::invalid(line, "matmul: an operand is a scalar"));
        }
        if sa.len() > 2 || sb.len() > 2 {
            return Err(Problem::unsupported(
                line,
                "a batched product (operands of more than two axes)",
            ));
        }
        // A rank-1 operand is a row (left) or a column (right), dropped from the result.
        let (m, k1) = if sa.len() == 1 {
            (1, sa[0])
        } else {
            (sa[0], sa[1])
        };
        let (k2, n) = if sb.len() == 1 {
            (sb[0], 1)
        } else {
            (sb[0], sb[1])
        };
        if k1 != k2 {
            return Err(Problem::invalid(
                line,
                format!(
                    "matmul: shapes {} and {} do not align ({k1} != {k2})",
                    shape_text(&sa),
                    shape_text(&sb)
                ),
            ));
        }
        let mut shape = Vec::new();
        if sa.len() == 2 {
            shape.push(m);
        }
        if sb.len() == 2 {
            shape.push(n);
        }
        check_size(&shape, line)?;
        // A transposed operand is read in place.
        let (a, ta) = match self.nodes[a].op {
            Op::Transpose(x) => (x, true),
            _ => (a, false),
        };
        let (b, tb) = match self.nodes[b].op {
            Op::Transpose(x) => (x, true),
            _ => (b, false),
        };
        Ok(self.push(Op::MatMul(a, b, ta, tb), shape))
    }

    /// A reduction over `axis` (`None`: all), keeping the axis as 1 if `keepdims`.
    pub fn reduce(
        &mut self,
        r: Red,
        a: NodeId,
        axis: Option<i64>,
        keepdims: bool,
        line: Line,
    ) -> Result<NodeId, Problem> {
        let s = self.shape(a).to_vec();
        let axis = match axis {
            None => None,
            Some(x) => {
                let rank = s.len() as i64;
                let ax = if x < 0 { x + rank } else { x };
                if ax < 0 || ax >= rank {
                    return Err(Problem::invalid(
                        line,
                        format!("axis {x} is out of bounds for an array of rank {rank}"),
                    ));
                }
                Some(ax as usize)
            }
        };
        if matches!(r, Red::Max | Red::Min) && s.iter().product::<usize>() == 0 {
            return Err(Problem::invalid(line, "max/min of an empty array"));
        }
        let shape: Vec<usize> = match axis {
            None if keepdims => vec![1; s.len()],
            None => Vec::new(),
            Some(ax) if keepdims => s
                .iter()
                .enumerate()
                .map(|(i, &n)| if i == ax { 1 } else { n })
                .collect(),
            Some(ax) => s
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != ax)
                .map(|(_, &n)| n)
                .collect(),
        };
        // XLA fuses a product into the sum: each term is accumulated by an fma.
        if let (Red::Sum | Red::Mean, Op::Bin(Bin::Mul, x, y)) = (r, &self.nodes[a].op) {
            let (x, y) = (*x, *y);
            let s = self.nodes[a].shape.clone();
            let (x, y) = (self.simple(x, &s), self.simple(y, &s));
            let (x, y) = (
                self.broadcast_to(x, &s, line)?,
                self.broadcast_to(y, &s, line)?,
            );
            return Ok(self.push(Op::Reduce(r, x, axis, Some(y)), shape));
        }
        Ok(self.push(Op::Reduce(r, a, axis, None), shape))
    }

    /// The transpose (rank 2; ranks 0 and 1 are their own).
    pub fn transpose(&mut self, a: NodeId, line: Line) -> Result<NodeId, Problem> {
        let s = self.shape(a).to_vec();
        if s.len() < 2 {
            return Ok(a);
        }
        if s.len() > 2 {
            return Err(Problem::unsupported(
                line,
                "the transpose of an array of more than two axes",
            ));
        }
        if let Op::Transpose(x) = self.nodes[a].op {
            return Ok(x);
        }
        Ok(self.push(Op::Transpose(a), vec![s[1], s[0]]))
    }
}
