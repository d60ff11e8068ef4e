//! A method's graph lowered to kernels the step loop runs: elementwise chains fused
//! into one pass over the data in chunks that stay in cache (each instruction a tight
//! loop over a chunk of registers), products, reductions, transposes and random
//! draws. Every buffer is made when the program is built; running it allocates
//! nothing.

use super::graph::{
    node_operands as operands, Bin, Draw, Fused, Graph, KeyOp, NodeId, Op, Red, Un,
};
use crate::core::rng::Key;
use crate::core::xla_math::{exp_xla, ln_xla, log1p_xla, maximum, minimum, tanh_xla};
use ndarray::Array2;

/// The most axes an array may have.
pub const MAX_RANK: usize = 8;

/// Elements per chunk of a fused pass.
const CHUNK: usize = 256;

/// Where a value lives while the program runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    /// A compartment of the component, as the method found it.
    Comp(usize),
    /// A buffer of the program.
    Buf(usize),
}

/// An instruction's operand that is read where it lives (operand `i` of the pass), not
/// from a register: `IN_PLACE | i`.
const IN_PLACE: u16 = 0x8000;

/// How an operand of a fused pass is read, against the pass's `(rows, cols)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bcast {
    /// Element for element.
    Full,
    /// One value for all.
    Scalar,
    /// One row, repeated down.
    Row,
    /// One column, repeated across.
    Col,
}

#[derive(Debug, Clone, Copy)]
enum Ins {
    /// Reads operand `i` of the pass into a register.
    Load(u16, usize),
    /// Writes a register to a buffer.
    Store(u16, usize),
    /// Writes a register to a compartment.
    StoreComp(u16, usize),
    Un(Un, u16, u16),
    Bin(Bin, u16, u16, u16),
    Fma(u16, u16, u16, u16, Fused),
    Select(u16, u16, u16, u16),
}

#[derive(Debug, Clone)]
struct Map {
    rows: usize,
    cols: usize,
    /// Whether any operand broadcasts along an axis (the pass then goes row by row).
    by_row: bool,
    loads: Vec<(Loc, Bcast)>,
    /// Registers filled once per run with one value (scalars), which no other value
    /// of the pass takes.
    preamble: Vec<(u16, usize)>,
    code: Vec<Ins>,
    /// Its own registers, so that a value filled before the pass stays between runs
    /// (it is filled again only when it changes).
    regs: Vec<Vec<f32>>,
    /// The bits each preamble register was last filled with.
    filled: Vec<Option<u32>>,
}

#[derive(Debug, Clone)]
enum Kernel {
    Map(Map),
    MatMul {
        a: Loc,
        b: Loc,
        ta: bool,
        tb: bool,
        m: usize,
        k: usize,
        n: usize,
        out: usize,
    },
    Reduce {
        r: Red,
        src: Loc,
        /// The second factor of a sum of products.
        times: Option<Loc>,
        plan: ReducePlan,
        /// `1 / n` for a mean.
        scale: Option<f32>,
        out: usize,
        scratch: [usize; 2],
    },
    Broadcast {
        src: Loc,
        /// The source's strides over the output's axes (0 where it broadcasts).
        strides: Vec<usize>,
        shape: Vec<usize>,
        out: usize,
    },
    Transpose {
        src: Loc,
        rows: usize,
        cols: usize,
        out: usize,
    },
    Copy {
        src: Loc,
        out: usize,
    },
    Random {
        draw: Draw,
        key: usize,
        out: usize,
    },
}

/// A method, ready to run.
#[derive(Debug, Clone)]
pub struct Program {
    kernels: Vec<Kernel>,
    bufs: Vec<Vec<f32>>,
    keyword_bufs: [Option<usize>; 2],
    keys: Vec<KeyOp>,
    key_regs: Vec<Key>,
    key_write: Option<usize>,
    writes: Vec<(usize, Loc)>,
    /// Whether it reads `t` or `dt`, the compartments it writes.
    pub written: Vec<usize>,
}

/// A shape as `(all axes but the last, the last)`, how arrays are kept.
fn two_d(shape: &[usize]) -> (usize, usize) {
    match shape.split_last() {
        None => (1, 1),
        Some((&last, lead)) => (lead.iter().product(), last),
    }
}

impl Program {
    /// Lowers a graph. `comp_shapes` are the component's compartments' shapes.
    /// Fails, naming the method's first `line`, if its buffers cannot be allocated.
    pub fn lower(g: &Graph, line: super::parse::Line) -> Result<Program, super::Problem> {
        let n = g.nodes.len();
        // Which nodes each node feeds; which are left in compartments.
        let mut users: Vec<Vec<NodeId>> = vec![Vec::new(); n];
        for (i, node) in g.nodes.iter().enumerate() {
            for o in operands(&node.op) {
                users[o].push(i);
            }
        }
        let mut needed = vec![false; n];
        for &(_, node) in &g.writes {
            needed[node] = true;
        }
        // Only what the writes depend on is computed.
        for i in (0..n).rev() {
            if needed[i] {
                for o in operands(&g.nodes[i].op) {
                    needed[o] = true;
                }
            }
        }
        // One-value computations on leaves only (`dt / tau`) are hoisted into a first
        // pass of their own, so that they do not cut the passes they feed.
        let leaf = |op: &Op| matches!(op, Op::Comp(_) | Op::Const(_) | Op::Keyword(_));
        let mut hoisted = vec![false; n];
        for (i, node) in g.nodes.iter().enumerate() {
            hoisted[i] = needed[i]
                && node.op.is_elementwise()
                && node.len() == 1
                && operands(&node.op)
                    .iter()
                    .all(|&o| hoisted[o] || (leaf(&g.nodes[o].op) && g.nodes[o].len() == 1));
        }
        // Fused passes: runs of elementwise nodes of one shape, in order.
        let mut kernel_of: Vec<Option<usize>> = vec![None; n];
        let mut groups: Vec<(Vec<usize>, Vec<NodeId>)> = Vec::new();
        if hoisted.iter().any(|&h| h) {
            let members: Vec<NodeId> = (0..n).filter(|&i| hoisted[i]).collect();
            for &m in &members {
                kernel_of[m] = Some(0);
            }
            groups.push((Vec::new(), members));
        }
        let mut open: Option<usize> = None;
        for (i, node) in g.nodes.iter().enumerate() {
            if !needed[i] || hoisted[i] {
                continue;
            }
            if node.op.is_elementwise() {
                match open {
                    Some(k) if groups[k].0 == node.shape => {
                        groups[k].1.push(i);
                        kernel_of[i] = Some(k);
                    }
                    _ => {
                        groups.push((node.shape.clone(), vec![i]));
                        open = Some(groups.len() - 1);
                        kernel_of[i] = open;
                    }
                }
            } else if !leaf(&node.op) {
                open = None;
            }
        }
        let written: Vec<bool> = {
            let mut w = vec![false; n];
            for &(_, node) in &g.writes {
                w[node] = true;
            }
            w
        };
        // A node is kept in a buffer when something outside its pass reads it.
        let materialise = |i: NodeId| -> bool {
            written[i]
                || users[i]
                    .iter()
                    .any(|&u| needed[u] && (kernel_of[u].is_none() || kernel_of[u] != kernel_of[i]))
        };
        // A value the method leaves in compartment `c` is stored straight into it when
        // nothing reads `c`'s old value afterwards: every reader of the old value is
        // in the same pass, no later than the value itself (the pass reads a chunk
        // before it stores it), or runs before the pass.
        let entry_of: Vec<Option<NodeId>> = {
            let mut e = vec![None; g.writes.iter().map(|w| w.0 + 1).max().unwrap_or(0)];
            for (i, node) in g.nodes.iter().enumerate() {
                if let Op::Comp(c) = node.op {
                    if c < e.len() {
                        e[c] = Some(i);
                    }
                }
            }
            e
        };
        let first_of: Vec<usize> = groups.iter().map(|(_, members)| members[0]).collect();
        let direct = |m: NodeId| -> Option<usize> {
            let k = kernel_of[m]?;
            if hoisted[m] {
                return None; // the first pass runs before nodes it follows in the source
            }
            let mut targets = g.writes.iter().filter(|w| w.1 == m).map(|w| w.0);
            let c = targets.next()?;
            let Some(old) = entry_of.get(c).copied().flatten() else {
                return Some(c);
            };
            // The old value and its reshapes, which live where it does.
            let mut aliases = vec![old];
            let mut at = 0;
            while at < aliases.len() {
                let a = aliases[at];
                for &u in &users[a] {
                    if needed[u] && matches!(g.nodes[u].op, Op::Reshape(_)) {
                        aliases.push(u);
                    }
                }
                at += 1;
            }
            if g.writes.iter().any(|w| aliases.contains(&w.1)) {
                return None; // the old value goes to another compartment at the end
            }
            aliases
                .iter()
                .flat_map(|&a| users[a].iter())
                .filter(|&&u| needed[u] && !matches!(g.nodes[u].op, Op::Reshape(_)))
                .all(|&u| match kernel_of[u] {
                    Some(ku) if ku == k => u <= m,
                    _ => u < first_of[k],
                })
                .then_some(c)
        };
        let mut bufs: Vec<Vec<f32>> = Vec::new();
        let mut loc: Vec<Option<Loc>> = vec![None; n];
        let mut keyword_bufs = [None, None];
        let mut kernels = Vec::new();
        // Buffers are allocated fallibly: a method needing more memory than there is
        // is refused, not aborted on.
        let out_of_memory = std::cell::Cell::new(false);
        let new_buf = |bufs: &mut Vec<Vec<f32>>, len: usize| {
            let mut v: Vec<f32> = Vec::new();
            if v.try_reserve_exact(len).is_ok() {
                v.resize(len, 0.0);
            } else {
                out_of_memory.set(true);
            }
            bufs.push(v);
            bufs.len() - 1
        };
        let mut emitted_group = vec![false; groups.len()];
        // Leaves first: a fused pass is emitted at its first node and reads leaves
        // made later in the source.
        for i in 0..n {
            if !needed[i] {
                continue;
            }
            match &g.nodes[i].op {
                Op::Comp(c) => loc[i] = Some(Loc::Comp(*c)),
                Op::Const(v) => {
                    let b = new_buf(&mut bufs, v.len());
                    bufs[b].copy_from_slice(v);
                    loc[i] = Some(Loc::Buf(b));
                }
                Op::Keyword(k) => {
                    let b = match keyword_bufs[*k as usize] {
                        Some(b) => b,
                        None => {
                            let b = new_buf(&mut bufs, 1);
                            keyword_bufs[*k as usize] = Some(b);
                            b
                        }
                    };
                    loc[i] = Some(Loc::Buf(b));
                }
                _ => {}
            }
        }
        let visit = groups
            .first()
            .filter(|(shape, _)| shape.is_empty() && hoisted[groups[0].1[0]])
            .map(|(_, m)| m[0])
            .into_iter()
            .chain(0..n);
        for i in visit {
            if !needed[i] {
                continue;
            }
            let node = &g.nodes[i];
            let len = node.len();
            match &node.op {
                Op::Comp(_) | Op::Const(_) | Op::Keyword(_) => {}
                Op::Reshape(a) => loc[i] = loc[*a],
                Op::Transpose(a) => {
                    let (rows, cols) = two_d(&g.nodes[*a].shape);
                    let out = new_buf(&mut bufs, len);
                    kernels.push(Kernel::Transpose {
                        src: loc[*a].expect("operand placed"),
                        rows,
                        cols,
                        out,
                    });
                    loc[i] = Some(Loc::Buf(out));
                }
                Op::MatMul(a, b, ta, tb) => {
                    let (sa, sb) = (&g.nodes[*a].shape, &g.nodes[*b].shape);
                    let (ra, ca) = two_d(sa);
                    let (rb, cb) = if sb.len() == 1 { (sb[0], 1) } else { two_d(sb) };
                    let (m, k) = if *ta { (ca, ra) } else { (ra, ca) };
                    let nn = if *tb { rb } else { cb };
                    let out = new_buf(&mut bufs, len);
                    kernels.push(Kernel::MatMul {
                        a: loc[*a].expect("operand placed"),
                        b: loc[*b].expect("operand placed"),
                        ta: *ta,
                        tb: *tb,
                        m,
                        k,
                        n: nn,
                        out,
                    });
                    loc[i] = Some(Loc::Buf(out));
                }
                Op::Reduce(r, a, axis, times) => {
                    let s = g.nodes[*a].shape.clone();
                    let axes: Vec<usize> = match axis {
                        None => (0..s.len()).collect(),
                        Some(ax) => vec![*ax],
                    };
                    let plan = ReducePlan::new(&s, &axes);
                    let n: usize = axes.iter().map(|&d| s[d]).product();
                    let out = new_buf(&mut bufs, len);
                    let widest = plan.stages.iter().map(|st| st.len()).max().unwrap_or(0);
                    let scratch = [new_buf(&mut bufs, widest), new_buf(&mut bufs, widest)];
                    kernels.push(Kernel::Reduce {
                        r: *r,
                        src: loc[*a].expect("operand placed"),
                        times: times.map(|t| loc[t].expect("operand placed")),
                        plan,
                        scale: (*r == Red::Mean).then(|| 1.0 / n as f32),
                        out,
                        scratch,
                    });
                    loc[i] = Some(Loc::Buf(out));
                }
                Op::Broadcast(a) => {
                    let s = &g.nodes[*a].shape;
                    let shape = node.shape.clone();
                    let mut padded = vec![1; shape.len() - s.len()];
                    padded.extend_from_slice(s);
                    let mut strides = vec![0; shape.len()];
                    let mut acc = 1;
                    for d in (0..shape.len()).rev() {
                        strides[d] = if padded[d] == 1 { 0 } else { acc };
                        acc *= padded[d];
                    }
                    let out = new_buf(&mut bufs, len);
                    kernels.push(Kernel::Broadcast {
                        src: loc[*a].expect("operand placed"),
                        strides,
                        shape,
                        out,
                    });
                    loc[i] = Some(Loc::Buf(out));
                }
                Op::Random(draw, key) => {
                    let out = new_buf(&mut bufs, len);
                    kernels.push(Kernel::Random {
                        draw: *draw,
                        key: *key,
                        out,
                    });
                    loc[i] = Some(Loc::Buf(out));
                }
                _ => {
                    // An elementwise node: its whole pass is emitted at its first node.
                    let k = kernel_of[i].expect("elementwise nodes have a pass");
                    if emitted_group[k] {
                        continue;
                    }
                    emitted_group[k] = true;
                    let (shape, members) = &groups[k];
                    let (rows, cols) = two_d(shape);
                    let total = rows * cols;
                    let mut regs_free: Vec<u16> = Vec::new();
                    let mut nregs: u16 = 0;
                    let mut alloc = |free: &mut Vec<u16>| {
                        free.pop().unwrap_or_else(|| {
                            nregs += 1;
                            nregs - 1
                        })
                    };
                    let mut reg_of: std::collections::HashMap<NodeId, u16> = Default::default();
                    let mut loads = Vec::new();
                    let mut preamble = Vec::new();
                    let mut pinned: Vec<NodeId> = Vec::new();
                    let mut code = Vec::new();
                    let mut by_row = false;
                    // Last use of each value within the pass.
                    let mut last_use: std::collections::HashMap<NodeId, usize> = Default::default();
                    for (pos, &m) in members.iter().enumerate() {
                        for o in operands(&g.nodes[m].op) {
                            last_use.insert(o, pos);
                        }
                    }
                    for (pos, &m) in members.iter().enumerate() {
                        let ops = operands(&g.nodes[m].op);
                        let mut regs_in = Vec::new();
                        for &o in &ops {
                            let r = match reg_of.get(&o) {
                                Some(&r) => r,
                                None => {
                                    let (orow, ocol) = two_d(&g.nodes[o].shape);
                                    // A scalar's register is filled before the pass,
                                    // so no other value of the pass may have had it.
                                    let r = if orow * ocol == 1 && total != 1 {
                                        let mut none = Vec::new();
                                        alloc(&mut none)
                                    } else {
                                        alloc(&mut regs_free)
                                    };
                                    let olen = orow * ocol;
                                    let b = if olen == total {
                                        Bcast::Full
                                    } else if olen == 1 {
                                        Bcast::Scalar
                                    } else if orow == 1 && ocol == cols {
                                        Bcast::Row
                                    } else {
                                        Bcast::Col
                                    };
                                    by_row |= matches!(b, Bcast::Row | Bcast::Col);
                                    loads.push((loc[o].expect("operand placed"), b));
                                    let r = match b {
                                        Bcast::Scalar => {
                                            preamble.push((r, loads.len() - 1));
                                            pinned.push(o);
                                            r
                                        }
                                        // Read where it is, without a copy.
                                        Bcast::Full | Bcast::Row => {
                                            regs_free.push(r);
                                            pinned.push(o);
                                            IN_PLACE | (loads.len() - 1) as u16
                                        }
                                        Bcast::Col => {
                                            code.push(Ins::Load(r, loads.len() - 1));
                                            r
                                        }
                                    };
                                    reg_of.insert(o, r);
                                    r
                                }
                            };
                            regs_in.push(r);
                        }
                        let dst = alloc(&mut regs_free);
                        code.push(match g.nodes[m].op {
                            Op::Un(f, _) => Ins::Un(f, dst, regs_in[0]),
                            Op::Bin(f, _, _) => Ins::Bin(f, dst, regs_in[0], regs_in[1]),
                            Op::Fma(_, _, _, kind) => {
                                Ins::Fma(dst, regs_in[0], regs_in[1], regs_in[2], kind)
                            }
                            Op::Select(..) => Ins::Select(dst, regs_in[0], regs_in[1], regs_in[2]),
                            _ => unreachable!("only elementwise nodes are fused"),
                        });
                        reg_of.insert(m, dst);
                        if materialise(m) {
                            match direct(m) {
                                Some(c) => {
                                    code.push(Ins::StoreComp(dst, c));
                                    loc[m] = Some(Loc::Comp(c));
                                }
                                None => {
                                    let b = new_buf(&mut bufs, total);
                                    code.push(Ins::Store(dst, b));
                                    loc[m] = Some(Loc::Buf(b));
                                }
                            }
                        }
                        // Registers of values not used again are free.
                        for &o in &ops {
                            if last_use.get(&o) == Some(&pos) && !pinned.contains(&o) {
                                if let Some(r) = reg_of.remove(&o) {
                                    if !regs_free.contains(&r) && r != dst {
                                        regs_free.push(r);
                                    }
                                }
                            }
                        }
                    }
                    kernels.push(Kernel::Map(Map {
                        rows,
                        cols,
                        by_row,
                        loads,
                        filled: vec![None; preamble.len()],
                        preamble,
                        code,
                        regs: vec![vec![0.0; CHUNK.min(total)]; nregs as usize],
                    }));
                }
            }
        }
        // What the method leaves in compartments; a compartment's old value that is
        // written elsewhere is copied first.
        let mut writes = Vec::new();
        for &(c, node) in &g.writes {
            let mut l = loc[node].expect("written nodes are placed");
            if let Loc::Comp(j) = l {
                if j != c {
                    let out = new_buf(&mut bufs, g.nodes[node].len());
                    kernels.push(Kernel::Copy { src: l, out });
                    l = Loc::Buf(out);
                } else {
                    continue;
                }
            }
            writes.push((c, l));
        }
        if out_of_memory.get() {
            let total: usize = g.nodes.iter().map(|n| n.len()).sum();
            return Err(super::Problem::invalid(
                line,
                format!("the method's values ({total} numbers in all) do not fit in memory"),
            ));
        }
        Ok(Program {
            kernels,
            bufs,
            keyword_bufs,
            keys: g.keys.clone(),
            key_regs: vec![Key([0, 0]); g.keys.len()],
            key_write: g.key_write,
            written: writes.iter().map(|&(c, _)| c).collect(),
            writes,
        })
    }

    /// Runs the method on the component's compartments and key.
    pub fn run(&mut self, comps: &mut [Array2<f32>], key: &mut Key, t: f32, dt: f32) {
        if let Some(b) = self.keyword_bufs[0] {
            self.bufs[b][0] = t;
        }
        if let Some(b) = self.keyword_bufs[1] {
            self.bufs[b][0] = dt;
        }
        for (i, op) in self.keys.iter().enumerate() {
            self.key_regs[i] = match *op {
                KeyOp::Comp => *key,
                KeyOp::Split(src, _, j) => self.key_regs[src].split_nth(j as u64),
            };
        }
        let Program { kernels, bufs, .. } = self;
        for k in kernels.iter_mut() {
            if let Kernel::Map(m) = k {
                run_map(m, bufs, comps);
                continue;
            }
            match &*k {
                Kernel::Map(_) => {}
                Kernel::MatMul {
                    a,
                    b,
                    ta,
                    tb,
                    m,
                    k,
                    n,
                    out,
                } => {
                    let mut o = std::mem::take(&mut bufs[*out]);
                    matmul(
                        read(*a, bufs, comps),
                        read(*b, bufs, comps),
                        *ta,
                        *tb,
                        *m,
                        *k,
                        *n,
                        &mut o,
                    );
                    bufs[*out] = o;
                }
                Kernel::Reduce {
                    r,
                    src,
                    times,
                    plan,
                    scale,
                    out,
                    scratch,
                } => {
                    let mut o = std::mem::take(&mut bufs[*out]);
                    let mut s0 = std::mem::take(&mut bufs[scratch[0]]);
                    let mut s1 = std::mem::take(&mut bufs[scratch[1]]);
                    let x = read(*src, bufs, comps);
                    let y = times.map(|t| read(t, bufs, comps));
                    plan.run(*r, x, y, &mut s0, &mut s1, &mut o);
                    if let Some(k) = scale {
                        o.iter_mut().for_each(|v| *v *= k);
                    }
                    bufs[*out] = o;
                    bufs[scratch[0]] = s0;
                    bufs[scratch[1]] = s1;
                }
                Kernel::Broadcast {
                    src,
                    strides,
                    shape,
                    out,
                } => {
                    let mut o = std::mem::take(&mut bufs[*out]);
                    let s = read(*src, bufs, comps);
                    let mut idx = [0usize; MAX_RANK];
                    for v in o.iter_mut() {
                        *v = s[idx.iter().zip(strides).map(|(i, st)| i * st).sum::<usize>()];
                        for d in (0..shape.len()).rev() {
                            idx[d] += 1;
                            if idx[d] < shape[d] {
                                break;
                            }
                            idx[d] = 0;
                        }
                    }
                    bufs[*out] = o;
                }
                Kernel::Transpose {
                    src,
                    rows,
                    cols,
                    out,
                } => {
                    let mut o = std::mem::take(&mut bufs[*out]);
                    let s = read(*src, bufs, comps);
                    for r in 0..*rows {
                        for c in 0..*cols {
                            o[c * rows + r] = s[r * cols + c];
                        }
                    }
                    bufs[*out] = o;
                }
                Kernel::Copy { src, out } => {
                    let mut o = std::mem::take(&mut bufs[*out]);
                    o.copy_from_slice(read(*src, bufs, comps));
                    bufs[*out] = o;
                }
                Kernel::Random { draw, key, out } => {
                    let k = self.key_regs[*key];
                    match *draw {
                        Draw::Uniform(lo, hi) => k.uniform_range_into(&mut bufs[*out], lo, hi),
                        Draw::Normal => k.normal_into(&mut bufs[*out]),
                    }
                }
            }
        }
        for &(c, l) in &self.writes {
            if let Loc::Buf(b) = l {
                let dst = comps[c]
                    .as_slice_mut()
                    .expect("compartments are standard layout");
                dst.copy_from_slice(&self.bufs[b]);
            }
        }
        if let Some(k) = self.key_write {
            *key = self.key_regs[k];
        }
    }
}

fn read<'a>(l: Loc, bufs: &'a [Vec<f32>], comps: &'a [Array2<f32>]) -> &'a [f32] {
    match l {
        Loc::Buf(b) => &bufs[b],
        Loc::Comp(c) => comps[c]
            .as_slice()
            .expect("compartments are standard layout"),
    }
}

fn run_map(m: &mut Map, bufs: &mut [Vec<f32>], comps: &mut [Array2<f32>]) {
    crate::core::simd::with_simd(
        #[inline(always)]
        || run_map_inner(m, bufs, comps),
    )
}

#[inline(always)]
fn run_map_inner(m: &mut Map, bufs: &mut [Vec<f32>], comps: &mut [Array2<f32>]) {
    let Map {
        rows,
        cols,
        by_row,
        loads,
        preamble,
        code,
        regs,
        filled,
    } = m;
    let m = Mapped {
        rows: *rows,
        cols: *cols,
        by_row: *by_row,
        loads,
        preamble,
        code,
    };
    let total = m.rows * m.cols;
    // Chunks: within a row when an operand broadcasts along an axis, else over all.
    let (outer, inner) = if m.by_row {
        (m.rows, m.cols)
    } else {
        (1, total)
    };
    let widest = CHUNK.min(inner);
    for (&(reg, i), last) in m.preamble.iter().zip(filled.iter_mut()) {
        let v = read(m.loads[i].0, bufs, comps)[0];
        if *last != Some(v.to_bits()) {
            regs[reg as usize][..widest].fill(v);
            *last = Some(v.to_bits());
        }
    }
    for r in 0..outer {
        let mut c0 = 0;
        while c0 < inner {
            let len = CHUNK.min(inner - c0);
            let flat = r * inner + c0;
            for ins in m.code {
                match *ins {
                    Ins::Load(reg, i) => {
                        let (l, b) = m.loads[i];
                        let src = read(l, bufs, comps);
                        let dst = &mut regs[reg as usize][..len];
                        match b {
                            Bcast::Full => dst.copy_from_slice(&src[flat..flat + len]),
                            Bcast::Scalar => dst.fill(src[0]),
                            Bcast::Row => dst.copy_from_slice(&src[c0..c0 + len]),
                            Bcast::Col => dst.fill(src[r]),
                        }
                    }
                    Ins::Store(reg, b) => {
                        bufs[b][flat..flat + len].copy_from_slice(&regs[reg as usize][..len]);
                    }
                    Ins::StoreComp(reg, c) => {
                        let dst = comps[c]
                            .as_slice_mut()
                            .expect("compartments are standard layout");
                        dst[flat..flat + len].copy_from_slice(&regs[reg as usize][..len]);
                    }
                    _ => exec(
                        *ins,
                        regs,
                        &Place {
                            loads: m.loads,
                            bufs,
                            comps,
                            flat,
                            c0,
                            len,
                        },
                    ),
                }
            }
            c0 += len;
        }
    }
}

/// A pass's fixed parts, apart from its registers.
struct Mapped<'a> {
    rows: usize,
    cols: usize,
    by_row: bool,
    loads: &'a [(Loc, Bcast)],
    preamble: &'a [(u16, usize)],
    code: &'a [Ins],
}

/// Where the operands read in place are, for one chunk.
struct Place<'a> {
    loads: &'a [(Loc, Bcast)],
    bufs: &'a [Vec<f32>],
    comps: &'a [Array2<f32>],
    flat: usize,
    c0: usize,
    len: usize,
}

impl<'a> Place<'a> {
    /// Operand `x` of this chunk: a register, or a slice of where it lives.
    #[inline(always)]
    fn get<'r>(&self, x: u16, regs: &'r [Vec<f32>]) -> &'r [f32]
    where
        'a: 'r,
    {
        if x & IN_PLACE == 0 {
            return &regs[x as usize][..self.len];
        }
        let (l, b) = self.loads[(x & !IN_PLACE) as usize];
        let src = read(l, self.bufs, self.comps);
        match b {
            Bcast::Row => &src[self.c0..self.c0 + self.len],
            _ => &src[self.flat..self.flat + self.len],
        }
    }
}

#[inline(always)]
fn exec(ins: Ins, regs: &mut [Vec<f32>], at: &Place<'_>) {
    let len = at.len;
    match ins {
        Ins::Load(..) | Ins::Store(..) | Ins::StoreComp(..) => {}
        Ins::Un(f, d, a) => {
            let mut out = std::mem::take(&mut regs[d as usize]);
            let x = at.get(a, regs);
            let o = &mut out[..len];
            match f {
                Un::Neg => o.iter_mut().zip(x).for_each(|(o, &x)| *o = -x),
                Un::Abs => o.iter_mut().zip(x).for_each(|(o, &x)| *o = x.abs()),
                Un::Exp => o.iter_mut().zip(x).for_each(|(o, &x)| *o = exp_xla(x)),
                Un::Log => o.iter_mut().zip(x).for_each(|(o, &x)| *o = ln_xla(x)),
                Un::Log1p => o.iter_mut().zip(x).for_each(|(o, &x)| *o = log1p_xla(x)),
                Un::Tanh => o.iter_mut().zip(x).for_each(|(o, &x)| *o = tanh_xla(x)),
                Un::Sigmoid => o.iter_mut().zip(x).for_each(|(o, &x)| *o = sigmoid(x)),
                Un::Relu => o.iter_mut().zip(x).for_each(|(o, &x)| *o = maximum(x, 0.0)),
                Un::Sqrt => o.iter_mut().zip(x).for_each(|(o, &x)| *o = x.sqrt()),
                Un::Rsqrt => o.iter_mut().zip(x).for_each(|(o, &x)| *o = 1.0 / x.sqrt()),
                Un::Sign => o.iter_mut().zip(x).for_each(|(o, &x)| {
                    *o = if x > 0.0 {
                        1.0
                    } else if x < 0.0 {
                        -1.0
                    } else {
                        x
                    }
                }),
                Un::Floor => o.iter_mut().zip(x).for_each(|(o, &x)| *o = x.floor()),
                Un::Ceil => o.iter_mut().zip(x).for_each(|(o, &x)| *o = x.ceil()),
                Un::Round => o
                    .iter_mut()
                    .zip(x)
                    .for_each(|(o, &x)| *o = x.round_ties_even()),
                Un::Recip => o.iter_mut().zip(x).for_each(|(o, &x)| *o = 1.0 / x),
                Un::Truthy => o
                    .iter_mut()
                    .zip(x)
                    .for_each(|(o, &x)| *o = (x != 0.0) as u8 as f32),
                Un::Not => o
                    .iter_mut()
                    .zip(x)
                    .for_each(|(o, &x)| *o = (x == 0.0) as u8 as f32),
                // XLA's float -> int32: NaN is 0, out of range saturates.
                Un::Trunc => o
                    .iter_mut()
                    .zip(x)
                    .for_each(|(o, &x)| *o = (x as i32) as f32),
                Un::IsNan => o
                    .iter_mut()
                    .zip(x)
                    .for_each(|(o, &x)| *o = x.is_nan() as u8 as f32),
                Un::Float => o.copy_from_slice(x),
            }
            regs[d as usize] = out;
        }
        Ins::Bin(f, d, a, b) => {
            let mut out = std::mem::take(&mut regs[d as usize]);
            let (x, y) = (at.get(a, regs), at.get(b, regs));
            let o = &mut out[..len];
            let it = o.iter_mut().zip(x.iter().zip(y));
            match f {
                Bin::Add => it.for_each(|(o, (&x, &y))| *o = x + y),
                Bin::Sub => it.for_each(|(o, (&x, &y))| *o = x - y),
                Bin::Mul => it.for_each(|(o, (&x, &y))| *o = x * y),
                Bin::Div => it.for_each(|(o, (&x, &y))| *o = x / y),
                Bin::Max => it.for_each(|(o, (&x, &y))| *o = maximum(x, y)),
                Bin::Min => it.for_each(|(o, (&x, &y))| *o = minimum(x, y)),
                Bin::Pow => it.for_each(|(o, (&x, &y))| *o = x.powf(y)),
                Bin::Mod => it.for_each(|(o, (&x, &y))| *o = py_mod(x, y)),
                Bin::FloorDiv => it.for_each(|(o, (&x, &y))| *o = floor_div(x, y)),
                Bin::Gt => it.for_each(|(o, (&x, &y))| *o = (x > y) as u8 as f32),
                Bin::Ge => it.for_each(|(o, (&x, &y))| *o = (x >= y) as u8 as f32),
                Bin::Lt => it.for_each(|(o, (&x, &y))| *o = (x < y) as u8 as f32),
                Bin::Le => it.for_each(|(o, (&x, &y))| *o = (x <= y) as u8 as f32),
                Bin::Eq => it.for_each(|(o, (&x, &y))| *o = (x == y) as u8 as f32),
                Bin::Ne => it.for_each(|(o, (&x, &y))| *o = (x != y) as u8 as f32),
                Bin::And => it.for_each(|(o, (&x, &y))| *o = (x != 0.0 && y != 0.0) as u8 as f32),
                Bin::Or => it.for_each(|(o, (&x, &y))| *o = (x != 0.0 || y != 0.0) as u8 as f32),
            }
            regs[d as usize] = out;
        }
        Ins::Fma(d, a, b, c, kind) => {
            let mut out = std::mem::take(&mut regs[d as usize]);
            let (x, y, z) = (at.get(a, regs), at.get(b, regs), at.get(c, regs));
            let it = out[..len].iter_mut().zip(x).zip(y).zip(z);
            // Negation is exact: `a*b - c` is fma(a, b, -c), `c - a*b` fma(-a, b, c).
            match kind {
                Fused::Add => it.for_each(|(((o, &x), &y), &z)| *o = x.mul_add(y, z)),
                Fused::SubC => it.for_each(|(((o, &x), &y), &z)| *o = x.mul_add(y, -z)),
                Fused::SubFrom => it.for_each(|(((o, &x), &y), &z)| *o = (-x).mul_add(y, z)),
            }
            regs[d as usize] = out;
        }
        Ins::Select(d, c, a, b) => {
            let mut out = std::mem::take(&mut regs[d as usize]);
            let (c, x, y) = (at.get(c, regs), at.get(a, regs), at.get(b, regs));
            for (((o, &c), &x), &y) in out[..len].iter_mut().zip(c).zip(x).zip(y) {
                *o = if c != 0.0 { x } else { y };
            }
            regs[d as usize] = out;
        }
    }
}

/// `jax.nn.sigmoid`, as XLA computes it.
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp_xla(-x))
}

/// Python's `%` on floats (the result has the sign of `y`), as `jnp.remainder`.
fn py_mod(x: f32, y: f32) -> f32 {
    let r = x % y;
    if r != 0.0 && ((r < 0.0) != (y < 0.0)) {
        r + y
    } else {
        r
    }
}

/// `jnp.floor_divide` on floats: `(x - x mod y) / y`, less one where the remainder's
/// sign differs from `y`'s, rounded.
fn floor_div(x: f32, y: f32) -> f32 {
    let m = x % y;
    let mut d = (x - m) / y;
    if m != 0.0 && ((y < 0.0) != (m < 0.0)) {
        d -= 1.0;
    }
    d.round_ties_even()
}

/// `out = A @ B` with `A` (m, k) and `B` (k, n), each read transposed if flagged:
/// each output is a chain of fused multiply-adds over `k` in order, rows of `A`'s
/// zero entries skipped (they add nothing: an event-driven product for spikes).
#[allow(clippy::too_many_arguments)]
fn matmul(a: &[f32], b: &[f32], ta: bool, tb: bool, m: usize, k: usize, n: usize, out: &mut [f32]) {
    out.fill(0.0);
    crate::core::simd::with_simd(
        #[inline(always)]
        || {
            for i in 0..m {
                let o = &mut out[i * n..(i + 1) * n];
                for kk in 0..k {
                    let av = if ta { a[kk * m + i] } else { a[i * k + kk] };
                    if av == 0.0 {
                        continue;
                    }
                    if tb {
                        for (j, o) in o.iter_mut().enumerate() {
                            *o = av.mul_add(b[j * k + kk], *o);
                        }
                    } else {
                        let row = &b[kk * n..(kk + 1) * n];
                        for (o, &w) in o.iter_mut().zip(row) {
                            *o = av.mul_add(w, *o);
                        }
                    }
                }
            }
        },
    );
}

/// The order in which XLA's CPU reduction adds (or compares) its terms, worked out
/// once when the program is built: while a reduced axis is longer than 32, it is
/// padded to a multiple of 32 (the pad split as `low = pad / 2`, the rest high) and
/// cut into windows of 32, each window folded in order from the identity; the last
/// stage folds what is left, row-major. Each stage lists, for each of its outputs,
/// the positions (in the previous stage's values; `PAD` for padding) it folds.
#[derive(Debug, Clone)]
struct ReducePlan {
    stages: Vec<Vec<Vec<usize>>>,
}

const PAD: usize = usize::MAX;
const WINDOW: usize = 32;

impl ReducePlan {
    fn new(shape: &[usize], axes: &[usize]) -> ReducePlan {
        let mut shape = shape.to_vec();
        let mut stages = Vec::new();
        let strides = |s: &[usize]| {
            let mut st = vec![0; s.len()];
            let mut acc = 1;
            for d in (0..s.len()).rev() {
                st[d] = acc;
                acc *= s[d];
            }
            st
        };
        loop {
            let windowed = axes.iter().any(|&d| shape[d] > WINDOW);
            // Per axis: (number of windows, window length, low pad).
            let plan: Vec<(usize, usize, usize)> = (0..shape.len())
                .map(|d| {
                    let s = shape[d];
                    if !axes.contains(&d) {
                        (s, 1, 0)
                    } else if windowed && s > WINDOW {
                        let nw = s.div_ceil(WINDOW);
                        (nw, WINDOW, (nw * WINDOW - s) / 2)
                    } else {
                        (1, s, 0)
                    }
                })
                .collect();
            let in_strides = strides(&shape);
            let out_shape: Vec<usize> = plan.iter().map(|p| p.0).collect();
            let out_len: usize = out_shape.iter().product();
            let win_shape: Vec<usize> = plan.iter().map(|p| p.1).collect();
            let win_len: usize = win_shape.iter().product();
            let mut stage = Vec::with_capacity(out_len);
            let mut o_idx = vec![0usize; shape.len()];
            for _ in 0..out_len {
                let mut terms = Vec::with_capacity(win_len);
                let mut w_idx = vec![0usize; shape.len()];
                for _ in 0..win_len {
                    let mut pos = 0;
                    let mut pad = false;
                    for d in 0..shape.len() {
                        let (_, wl, low) = plan[d];
                        let i = if axes.contains(&d) {
                            o_idx[d] * wl + w_idx[d]
                        } else {
                            o_idx[d]
                        };
                        if i < low || i - low >= shape[d] {
                            pad = true;
                            break;
                        }
                        pos += (i - low) * in_strides[d];
                    }
                    terms.push(if pad { PAD } else { pos });
                    for d in (0..shape.len()).rev() {
                        w_idx[d] += 1;
                        if w_idx[d] < win_shape[d] {
                            break;
                        }
                        w_idx[d] = 0;
                    }
                }
                stage.push(terms);
                for d in (0..shape.len()).rev() {
                    o_idx[d] += 1;
                    if o_idx[d] < out_shape[d] {
                        break;
                    }
                    o_idx[d] = 0;
                }
            }
            stages.push(stage);
            shape = out_shape;
            if !windowed {
                break;
            }
        }
        ReducePlan { stages }
    }

    /// Runs the plan over `x` (times `y`, for a sum of products), into `out`.
    fn run(
        &self,
        r: Red,
        x: &[f32],
        y: Option<&[f32]>,
        a: &mut [f32],
        b: &mut [f32],
        out: &mut [f32],
    ) {
        let init = match r {
            Red::Sum | Red::Mean => 0.0,
            Red::Max => f32::NEG_INFINITY,
            Red::Min => f32::INFINITY,
        };
        let last = self.stages.len() - 1;
        for (k, stage) in self.stages.iter().enumerate() {
            let (src, dst): (&[f32], &mut [f32]) = match k {
                0 => (x, if k == last { &mut *out } else { &mut *a }),
                _ if k % 2 == 1 => (&*a, if k == last { &mut *out } else { &mut *b }),
                _ => (&*b, if k == last { &mut *out } else { &mut *a }),
            };
            for (o, terms) in dst.iter_mut().zip(stage) {
                let mut acc = init;
                for &t in terms {
                    if t == PAD {
                        acc = fold(r, acc, init);
                    } else if let (0, Some(y)) = (k, y) {
                        acc = x[t].mul_add(y[t], acc);
                    } else {
                        acc = fold(r, acc, src[t]);
                    }
                }
                *o = acc;
            }
        }
    }
}

#[inline]
fn fold(r: Red, acc: f32, v: f32) -> f32 {
    match r {
        Red::Sum | Red::Mean => acc + v,
        Red::Max => maximum(acc, v),
        Red::Min => minimum(acc, v),
    }
}
