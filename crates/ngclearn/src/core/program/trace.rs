//! Runs a method's syntax tree once, at build time, over the component's shapes and
//! attributes: Python values (numbers, flags, tuples) are computed then, as Python
//! computes them (in float64), and array values become nodes of a [`Graph`].
//!
//! `self.x.get()` reads a compartment, `self.x.set(v)` writes it (a later `get` sees
//! the new value, as in ngcsimlib's compiled form); `self.attr` is a constructor
//! argument; `if` takes the branch its test picks at build time (a test on an array
//! is refused, as ngcsimlib refuses one on model state); helper functions and other
//! methods are inlined where called.

use super::graph::{Bin, Draw, Graph, KeyId, KeyOp, NodeId, Op, Red, Un};
use super::parse::{
    dotted, BinOp, CmpOp, Expr, ExprKind, FuncDef, Index, Line, Problem, Stmt, StmtKind, Target,
};
use std::collections::HashMap;

type TResult<T> = Result<T, Problem>;

/// A value while the method is read.
#[derive(Debug, Clone)]
pub enum Val {
    /// A Python number (float or int, as float64) with whether it is an int.
    Num(f64, bool),
    /// `True`/`False`.
    Bool(bool),
    /// A string.
    Str(String),
    /// `None`.
    NoneV,
    /// A tuple or list of values.
    Tuple(Vec<Val>),
    /// An array: a node of the graph.
    Arr(NodeId),
    /// An array attribute or global (values row-major, shape), made a node where used.
    ArrConst(Vec<f32>, Vec<usize>),
    /// A PRNG key.
    Key(KeyId),
    /// Several keys (`split`'s result).
    Keys(Vec<KeyId>),
    /// A module (`jax.numpy`, `jax.random`, `jax.nn`, `jax`, `numpy`, `math`).
    Module(String),
    /// A function of a module, by its full name (`jax.numpy.exp`).
    Func(String),
    /// A dtype (`float32`, `int32`, `bool`).
    Dtype(String),
    /// `self`.
    SelfObj,
    /// `self.x`: a compartment.
    Comp(usize),
    /// `self.key`.
    KeyComp,
    /// A method of a value (`x.astype`, `self.v.get`), with the value.
    Method(Box<Val>, String),
    /// A helper function or a method of the class, by name.
    Helper(String, bool),
}

/// What the method can see besides its own names.
#[derive(Debug, Default)]
pub struct Scope<'a> {
    /// Compartment names, with their shapes.
    pub compartments: Vec<(&'a str, Vec<usize>)>,
    /// Whether each compartment is wired (`self.x.targeted`).
    pub targeted: Vec<bool>,
    /// Whether the component has a key compartment named `key`.
    pub has_key: bool,
    /// The component's attributes (constructor arguments), as values.
    pub attributes: HashMap<String, Val>,
    /// The module's globals the methods use (modules, numbers, helpers).
    pub globals: HashMap<String, Val>,
    /// Helper functions (`name -> def`) and the class's other methods.
    pub functions: HashMap<String, &'a FuncDef>,
    /// The class's methods (`name -> def`).
    pub methods: HashMap<String, &'a FuncDef>,
}

/// Reads a method into a graph. `keywords` are the names its process gives (`t`,
/// `dt`).
pub fn trace(def: &FuncDef, scope: &Scope<'_>) -> TResult<Graph> {
    let mut t = Tracer {
        g: Graph::default(),
        scope,
        comps: vec![None; scope.compartments.len()],
        written: vec![false; scope.compartments.len()],
        key: None,
        depth: 0,
    };
    let mut env: HashMap<String, Val> = HashMap::new();
    for (i, (p, default)) in def.params.iter().enumerate() {
        let v = match p.as_str() {
            "self" if i == 0 => Val::SelfObj,
            "t" => {
                let n = t.g.push(Op::Keyword(0), Vec::new());
                Val::Arr(n)
            }
            "dt" => {
                let n = t.g.push(Op::Keyword(1), Vec::new());
                Val::Arr(n)
            }
            _ => match default {
                Some(d) => t.expr(d, &mut HashMap::new())?,
                None => {
                    return Err(Problem::invalid(
                        def.line,
                        format!(
                            "method `{}` takes the keyword `{p}`, which processes do not give (they give `t` and `dt`)",
                            def.name
                        ),
                    ))
                }
            },
        };
        env.insert(p.clone(), v);
    }
    t.block(&def.body, &mut env)?;
    for (i, v) in t.comps.iter().enumerate() {
        if let Some(n) = v {
            if t.written[i] {
                t.g.writes.push((i, *n));
            }
        }
    }
    Ok(t.g)
}

struct Tracer<'s, 'a> {
    g: Graph,
    scope: &'s Scope<'a>,
    comps: Vec<Option<NodeId>>,
    written: Vec<bool>,
    key: Option<KeyId>,
    depth: usize,
}

enum Flow {
    Next,
    Return(Val),
}

impl Tracer<'_, '_> {
    fn block(&mut self, body: &[Stmt], env: &mut HashMap<String, Val>) -> TResult<Flow> {
        for s in body {
            if let Flow::Return(v) = self.stmt(s, env)? {
                return Ok(Flow::Return(v));
            }
        }
        Ok(Flow::Next)
    }

    fn stmt(&mut self, s: &Stmt, env: &mut HashMap<String, Val>) -> TResult<Flow> {
        match &s.kind {
            StmtKind::Pass => {}
            StmtKind::Def(d) => {
                return Err(Problem::unsupported(
                    d.line,
                    "a function defined inside a method",
                ));
            }
            StmtKind::Assign(targets, value) => {
                let v = self.expr(value, env)?;
                for t in targets {
                    self.bind(t, v.clone(), env, s.line)?;
                }
            }
            StmtKind::AugAssign(name, op, value) => {
                let cur = env.get(name).cloned().ok_or_else(|| {
                    Problem::invalid(s.line, format!("name `{name}` is not defined"))
                })?;
                let rhs = self.expr(value, env)?;
                let v = self.binop(*op, cur, rhs, s.line)?;
                env.insert(name.clone(), v);
            }
            StmtKind::Expr(e) => {
                if !matches!(e.kind, ExprKind::Str(_)) {
                    self.expr(e, env)?;
                }
            }
            StmtKind::If(test, body, orelse) => {
                let v = self.expr(test, env)?;
                let take = self.truth(&v, test.line)?;
                return self.block(if take { body } else { orelse }, env);
            }
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => self.expr(e, env)?,
                    None => Val::NoneV,
                };
                return Ok(Flow::Return(v));
            }
        }
        Ok(Flow::Next)
    }

    fn bind(
        &mut self,
        t: &Target,
        v: Val,
        env: &mut HashMap<String, Val>,
        line: Line,
    ) -> TResult<()> {
        match t {
            Target::Name(n) => {
                env.insert(n.clone(), v);
            }
            Target::Tuple(items) => {
                let vals = match v {
                    Val::Tuple(vs) => vs,
                    Val::Keys(ks) => ks.into_iter().map(Val::Key).collect(),
                    Val::Arr(n) => {
                        // Unpacking an array along its first axis.
                        let s = self.g.shape(n).to_vec();
                        if s.is_empty() {
                            return Err(Problem::invalid(line, "cannot unpack a scalar"));
                        }
                        (0..s[0])
                            .map(|i| self.index(n, &[IndexV::At(i as i64)], line))
                            .collect::<TResult<Vec<_>>>()?
                    }
                    _ => return Err(Problem::invalid(line, "cannot unpack this value")),
                };
                if vals.len() != items.len() {
                    return Err(Problem::invalid(
                        line,
                        format!("cannot unpack {} values into {}", vals.len(), items.len()),
                    ));
                }
                for (t, v) in items.iter().zip(vals) {
                    self.bind(t, v, env, line)?;
                }
            }
        }
        Ok(())
    }

    fn truth(&self, v: &Val, line: Line) -> TResult<bool> {
        Ok(match v {
            Val::Num(x, _) => *x != 0.0,
            Val::Bool(b) => *b,
            Val::Str(s) => !s.is_empty(),
            Val::NoneV => false,
            Val::Tuple(t) => !t.is_empty(),
            Val::Arr(_) | Val::Key(_) | Val::Keys(_) => {
                return Err(Problem::unsupported(
                    line,
                    "a condition on an array (use jnp.where; ngcsimlib refuses conditions on model state)",
                ))
            }
            _ => true,
        })
    }

    fn lookup(&self, name: &str, env: &HashMap<String, Val>, line: Line) -> TResult<Val> {
        if let Some(v) = env.get(name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.scope.globals.get(name) {
            return Ok(v.clone());
        }
        if self.scope.functions.contains_key(name) {
            return Ok(Val::Helper(name.to_string(), false));
        }
        Ok(match name {
            "float" | "int" | "bool" | "abs" | "min" | "max" | "len" | "range" | "round"
            | "tuple" | "list" | "pow" | "sum" => Val::Func(format!("builtins.{name}")),
            _ => {
                return Err(Problem::invalid(
                    line,
                    format!("name `{name}` is not defined"),
                ))
            }
        })
    }

    fn expr(&mut self, e: &Expr, env: &mut HashMap<String, Val>) -> TResult<Val> {
        let v = self.expr_inner(e, env)?;
        // An array constant becomes a node where it is used.
        Ok(match v {
            Val::ArrConst(..) => Val::Arr(self.arr(&v, e.line)?),
            other => other,
        })
    }

    fn expr_inner(&mut self, e: &Expr, env: &mut HashMap<String, Val>) -> TResult<Val> {
        let line = e.line;
        Ok(match &e.kind {
            ExprKind::Num(v, int) => Val::Num(*v, *int),
            ExprKind::Str(s) => Val::Str(s.clone()),
            ExprKind::Bool(b) => Val::Bool(*b),
            ExprKind::NoneLit => Val::NoneV,
            ExprKind::Name(n) => self.lookup(n, env, line)?,
            ExprKind::Tuple(items) | ExprKind::List(items) => Val::Tuple(
                items
                    .iter()
                    .map(|i| self.expr(i, env))
                    .collect::<TResult<_>>()?,
            ),
            ExprKind::Attr(v, attr) => {
                let base = self.expr(v, env)?;
                self.attr(base, attr, line, e)?
            }
            ExprKind::Call(f, args, kwargs) => {
                let func = self.expr(f, env)?;
                let args: Vec<Val> = args
                    .iter()
                    .map(|a| self.expr(a, env))
                    .collect::<TResult<_>>()?;
                let kwargs: Vec<(String, Val)> = kwargs
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.expr(v, env)?)))
                    .collect::<TResult<_>>()?;
                self.call(func, args, kwargs, line, f)?
            }
            ExprKind::Subscript(v, idx) => {
                let base = self.expr(v, env)?;
                let mut iv = Vec::new();
                for i in idx {
                    iv.push(match i {
                        Index::At(x) => match self.expr(x, env)? {
                            Val::Num(n, true) => IndexV::At(n as i64),
                            Val::NoneV => IndexV::NewAxis,
                            _ => {
                                return Err(Problem::unsupported(
                                    line,
                                    "indexing by an array or a float",
                                ))
                            }
                        },
                        Index::Slice(lo, hi) => {
                            let mut b = |x: &Option<Expr>| -> TResult<Option<i64>> {
                                match x {
                                    None => Ok(None),
                                    Some(x) => match self.expr(x, env)? {
                                        Val::Num(n, true) => Ok(Some(n as i64)),
                                        Val::NoneV => Ok(None),
                                        _ => Err(Problem::unsupported(
                                            line,
                                            "a slice bound that is not an integer",
                                        )),
                                    },
                                }
                            };
                            IndexV::Slice(b(lo)?, b(hi)?)
                        }
                    });
                }
                match base {
                    Val::Arr(n) => self.index(n, &iv, line)?,
                    Val::Tuple(items) => match iv.as_slice() {
                        [IndexV::At(i)] => {
                            let k = if *i < 0 { *i + items.len() as i64 } else { *i };
                            items
                                .get(k as usize)
                                .cloned()
                                .ok_or_else(|| Problem::invalid(line, "tuple index out of range"))?
                        }
                        _ => return Err(Problem::unsupported(line, "this tuple indexing")),
                    },
                    Val::Keys(ks) => {
                        match iv.as_slice() {
                            [IndexV::At(i)] => {
                                let k = if *i < 0 { *i + ks.len() as i64 } else { *i };
                                Val::Key(*ks.get(k as usize).ok_or_else(|| {
                                    Problem::invalid(line, "key index out of range")
                                })?)
                            }
                            _ => return Err(Problem::unsupported(line, "this key indexing")),
                        }
                    }
                    _ => return Err(Problem::invalid(line, "this value cannot be indexed")),
                }
            }
            ExprKind::Neg(a) => {
                let v = self.expr(a, env)?;
                match v {
                    Val::Num(x, int) => Val::Num(-x, int),
                    Val::Bool(b) => Val::Num(-(b as i64 as f64), true),
                    Val::Arr(n) => Val::Arr(self.g.un(Un::Neg, n)),
                    _ => return Err(Problem::invalid(line, "bad operand for unary -")),
                }
            }
            ExprKind::Pos(a) => self.expr(a, env)?,
            ExprKind::Invert(a) | ExprKind::Not(a) => {
                let v = self.expr(a, env)?;
                match v {
                    Val::Arr(n) => {
                        if matches!(e.kind, ExprKind::Not(_)) {
                            return Err(Problem::unsupported(
                                line,
                                "`not` on an array (use jnp.logical_not)",
                            ));
                        }
                        Val::Arr(self.g.un(Un::Not, n))
                    }
                    Val::Bool(b) if matches!(e.kind, ExprKind::Invert(_)) => {
                        Val::Num(!(b as i64) as f64, true)
                    }
                    Val::Num(x, true) if matches!(e.kind, ExprKind::Invert(_)) => {
                        Val::Num(!(x as i64) as f64, true)
                    }
                    other => Val::Bool(!self.truth(&other, line)?),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.expr(a, env)?;
                let b = self.expr(b, env)?;
                self.binop(*op, a, b, line)?
            }
            ExprKind::Compare(first, rest) => {
                let mut left = self.expr(first, env)?;
                let mut acc: Option<Val> = None;
                for (op, right) in rest {
                    let r = self.expr(right, env)?;
                    let v = self.compare(*op, left, r.clone(), line)?;
                    acc = Some(match acc {
                        None => v,
                        Some(prev) => self.logical(true, prev, v, line)?,
                    });
                    left = r;
                }
                acc.unwrap_or(Val::Bool(true))
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let is_and = matches!(e.kind, ExprKind::And(..));
                let a = self.expr(a, env)?;
                let ta = self.truth(&a, line)?;
                if is_and != ta {
                    a
                } else {
                    self.expr(b, env)?
                }
            }
            ExprKind::IfExp(test, body, orelse) => {
                let t = self.expr(test, env)?;
                if self.truth(&t, line)? {
                    self.expr(body, env)?
                } else {
                    self.expr(orelse, env)?
                }
            }
        })
    }

    fn attr(&mut self, base: Val, attr: &str, line: Line, e: &Expr) -> TResult<Val> {
        Ok(match base {
            Val::SelfObj => {
                if let Some(i) = self.scope.compartments.iter().position(|(n, _)| *n == attr) {
                    Val::Comp(i)
                } else if attr == "key" && self.scope.has_key {
                    Val::KeyComp
                } else if let Some(v) = self.scope.attributes.get(attr) {
                    v.clone()
                } else if self.scope.methods.contains_key(attr) {
                    Val::Helper(attr.to_string(), true)
                } else {
                    return Err(Problem::invalid(
                        line,
                        format!("the component has no attribute `{attr}`"),
                    ));
                }
            }
            Val::Module(m) => {
                let full = format!("{m}.{attr}");
                match full.as_str() {
                    "jax.numpy" | "jax.random" | "jax.nn" | "jax.lax" => Val::Module(full),
                    _ if matches!(
                        attr,
                        "float32" | "float64" | "int32" | "int64" | "bool_" | "uint32" | "float16"
                    ) =>
                    {
                        Val::Dtype(attr.to_string())
                    }
                    "jax.numpy.pi" | "numpy.pi" | "math.pi" => {
                        Val::Num(std::f64::consts::PI, false)
                    }
                    "jax.numpy.e" | "numpy.e" | "math.e" => Val::Num(std::f64::consts::E, false),
                    "jax.numpy.inf" | "numpy.inf" | "math.inf" => Val::Num(f64::INFINITY, false),
                    "jax.numpy.newaxis" | "numpy.newaxis" => Val::NoneV,
                    _ => Val::Func(full),
                }
            }
            Val::Comp(i) if attr == "targeted" => {
                Val::Bool(self.scope.targeted.get(i).copied().unwrap_or(false))
            }
            Val::KeyComp if attr == "targeted" => Val::Bool(false),
            Val::Comp(_) | Val::KeyComp => match attr {
                "get" | "set" => Val::Method(Box::new(base), attr.to_string()),
                _ => {
                    return Err(Problem::unsupported(
                        line,
                        format!(
                            "`{}` (compartments are read with .get() and written with .set())",
                            dotted(e).unwrap_or_default()
                        ),
                    ))
                }
            },
            Val::Arr(n) => match attr {
                "shape" | "ndim" | "size" => {
                    self.g.reads_shape = true;
                    match attr {
                        "shape" => Val::Tuple(
                            self.g
                                .shape(n)
                                .iter()
                                .map(|&d| Val::Num(d as f64, true))
                                .collect(),
                        ),
                        "ndim" => Val::Num(self.g.shape(n).len() as f64, true),
                        _ => Val::Num(self.g.nodes[n].len() as f64, true),
                    }
                }
                "T" => Val::Arr(self.g.transpose(n, line)?),
                "dtype" => Val::Dtype("float32".into()),
                _ => Val::Method(Box::new(base), attr.to_string()),
            },
            Val::Tuple(_) | Val::Num(..) => Val::Method(Box::new(base), attr.to_string()),
            _ => {
                return Err(Problem::invalid(
                    line,
                    format!("no attribute `{attr}` here"),
                ))
            }
        })
    }

    /// A value as an array node (numbers become float32 constants, as JAX's weak
    /// types do).
    fn arr(&mut self, v: &Val, line: Line) -> TResult<NodeId> {
        Ok(match v {
            Val::Arr(n) => *n,
            Val::ArrConst(values, shape) => {
                super::graph::check_size(shape, line)?;
                self.g.push(Op::Const(values.clone()), shape.clone())
            }
            Val::Num(x, _) => self.g.scalar(*x as f32),
            Val::Bool(b) => self.g.scalar(*b as i32 as f32),
            Val::Tuple(items) => {
                // A nested sequence of numbers: a constant array.
                let mut flat = Vec::new();
                let mut shape = vec![items.len()];
                let mut inner: Option<usize> = None;
                let rows = items.iter().filter(|i| matches!(i, Val::Tuple(_))).count();
                if rows != 0 && rows != items.len() {
                    return Err(Problem::invalid(
                        line,
                        "a nested sequence mixes numbers and sequences (an inhomogeneous shape)",
                    ));
                }
                for it in items {
                    match it {
                        Val::Num(x, _) => flat.push(*x as f32),
                        Val::Bool(b) => flat.push(*b as i32 as f32),
                        Val::Tuple(row) => {
                            if inner.is_some_and(|k| k != row.len()) {
                                return Err(Problem::invalid(line, "a ragged nested sequence"));
                            }
                            inner = Some(row.len());
                            for x in row {
                                match x {
                                    Val::Num(x, _) => flat.push(*x as f32),
                                    Val::Bool(b) => flat.push(*b as i32 as f32),
                                    _ => {
                                        return Err(Problem::unsupported(
                                            line,
                                            "an array built from arrays (jnp.stack)",
                                        ))
                                    }
                                }
                            }
                        }
                        _ => {
                            return Err(Problem::unsupported(
                                line,
                                "an array built from arrays (jnp.stack)",
                            ))
                        }
                    }
                }
                if let Some(k) = inner {
                    shape.push(k);
                }
                self.g.push(Op::Const(flat), shape)
            }
            _ => return Err(Problem::invalid(line, "expected an array or a number")),
        })
    }

    fn num(&self, v: &Val, line: Line, what: &str) -> TResult<f64> {
        match v {
            Val::Num(x, _) => Ok(*x),
            Val::Bool(b) => Ok(*b as i32 as f64),
            _ => Err(Problem::unsupported(
                line,
                format!("{what} that is not known when the model is built"),
            )),
        }
    }

    fn binop(&mut self, op: BinOp, a: Val, b: Val, line: Line) -> TResult<Val> {
        // Python arithmetic on Python numbers, in float64 (ints stay ints).
        if let (Some((x, xi)), Some((y, yi))) = (py_num(&a), py_num(&b)) {
            let int = xi && yi;
            let v = match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => {
                    if y == 0.0 {
                        return Err(Problem::invalid(line, "division by zero"));
                    }
                    return Ok(Val::Num(x / y, false));
                }
                BinOp::FloorDiv | BinOp::Mod => {
                    if y == 0.0 {
                        return Err(Problem::invalid(line, "division by zero"));
                    }
                    let (div, m) = py_divmod(x, y);
                    if op == BinOp::Mod {
                        m
                    } else {
                        div
                    }
                }
                BinOp::Pow => {
                    return Ok(Val::Num(x.powf(y), int && y >= 0.0));
                }
                BinOp::BitAnd if int => ((x as i64) & (y as i64)) as f64,
                BinOp::BitOr if int => ((x as i64) | (y as i64)) as f64,
                _ => return Err(Problem::invalid(line, "unsupported operand types")),
            };
            return Ok(Val::Num(v, int));
        }
        if let (Val::Tuple(x), Val::Tuple(y)) = (&a, &b) {
            if op == BinOp::Add {
                return Ok(Val::Tuple(x.iter().chain(y).cloned().collect()));
            }
        }
        // A Python list or tuple times an int repeats it.
        if let (BinOp::Mul, Val::Tuple(t), Val::Num(k, true))
        | (BinOp::Mul, Val::Num(k, true), Val::Tuple(t)) = (op, &a, &b)
        {
            let k = (*k).max(0.0) as usize;
            if t.len().saturating_mul(k) > super::graph::MAX_ELEMENTS {
                return Err(Problem::invalid(
                    line,
                    "a repeated sequence too long to hold",
                ));
            }
            return Ok(Val::Tuple(
                t.iter().cloned().cycle().take(t.len() * k).collect(),
            ));
        }
        let x = self.arr(&a, line)?;
        let y = self.arr(&b, line)?;
        // Two booleans add as `or` and multiply as `and` (JAX's bool arithmetic).
        if self.g.nodes[x].boolean && self.g.nodes[y].boolean {
            match op {
                BinOp::Add | BinOp::BitOr => {
                    return Ok(Val::Arr(self.g.bin(Bin::Or, x, y, line)?))
                }
                BinOp::Mul | BinOp::BitAnd => {
                    return Ok(Val::Arr(self.g.bin(Bin::And, x, y, line)?))
                }
                _ => {
                    return Err(Problem::unsupported(
                        line,
                        "this arithmetic on two boolean arrays",
                    ))
                }
            }
        }
        let n = match op {
            BinOp::Add => self.g.bin(Bin::Add, x, y, line)?,
            BinOp::Sub => self.g.bin(Bin::Sub, x, y, line)?,
            BinOp::Mul => self.g.bin(Bin::Mul, x, y, line)?,
            BinOp::Div => self.g.bin(Bin::Div, x, y, line)?,
            BinOp::FloorDiv => self.g.bin(Bin::FloorDiv, x, y, line)?,
            BinOp::Mod => self.g.bin(Bin::Mod, x, y, line)?,
            BinOp::Pow => self.power(x, &b, y, line)?,
            BinOp::MatMul => self.g.matmul(x, y, line)?,
            BinOp::BitAnd => self.g.bin(Bin::And, x, y, line)?,
            BinOp::BitOr => self.g.bin(Bin::Or, x, y, line)?,
        };
        Ok(Val::Arr(n))
    }

    /// `x ** p`: integer powers 2 and 3 as products, 0.5 as the square root, others
    /// general.
    fn power(&mut self, x: NodeId, p: &Val, y: NodeId, line: Line) -> TResult<NodeId> {
        match py_num(p) {
            // An integer exponent is JAX's `integer_pow`: squarings and products.
            Some((e, true)) if e.abs() <= 1024.0 => {
                let mut k = e.abs() as u64;
                if k == 0 {
                    let one = self.g.scalar(1.0);
                    let shape = self.g.shape(x).to_vec();
                    return self.g.broadcast_to(one, &shape, line);
                }
                let mut base = x;
                let mut acc: Option<NodeId> = None;
                while k > 0 {
                    if k & 1 == 1 {
                        acc = Some(match acc {
                            None => base,
                            Some(a) => self.g.bin(Bin::Mul, a, base, line)?,
                        });
                    }
                    k >>= 1;
                    if k > 0 {
                        base = self.g.bin(Bin::Mul, base, base, line)?;
                    }
                }
                let acc = acc.expect("a positive exponent has a bit set");
                Ok(if e < 0.0 {
                    self.g.un(Un::Recip, acc)
                } else {
                    acc
                })
            }
            // A float exponent is XLA's `pow`, which it simplifies for 1, 2, 3 and -1.
            Some((e, false)) if [1.0, 2.0, 3.0, -1.0].contains(&e) => {
                if e == 1.0 {
                    Ok(x)
                } else if e == -1.0 {
                    Ok(self.g.un(Un::Recip, x))
                } else {
                    let xx = self.g.bin(Bin::Mul, x, x, line)?;
                    if e == 2.0 {
                        Ok(xx)
                    } else {
                        self.g.bin(Bin::Mul, xx, x, line)
                    }
                }
            }
            _ => self.g.bin(Bin::Pow, x, y, line),
        }
    }

    fn compare(&mut self, op: CmpOp, a: Val, b: Val, line: Line) -> TResult<Val> {
        if matches!(op, CmpOp::Is | CmpOp::IsNot) {
            let same = matches!((&a, &b), (Val::NoneV, Val::NoneV))
                || matches!((&a, &b), (Val::Bool(x), Val::Bool(y)) if x == y);
            let none_vs_other = matches!(a, Val::NoneV) != matches!(b, Val::NoneV);
            if !same && !none_vs_other && !matches!((&a, &b), (Val::Bool(_), Val::Bool(_))) {
                return Err(Problem::unsupported(line, "`is` between these values"));
            }
            return Ok(Val::Bool(same == (op == CmpOp::Is)));
        }
        if let (Val::Str(x), Val::Str(y)) = (&a, &b) {
            return match op {
                CmpOp::Eq => Ok(Val::Bool(x == y)),
                CmpOp::Ne => Ok(Val::Bool(x != y)),
                _ => Err(Problem::invalid(
                    line,
                    "strings compare with == and != only",
                )),
            };
        }
        if matches!(a, Val::NoneV | Val::Str(_)) || matches!(b, Val::NoneV | Val::Str(_)) {
            let both_none = matches!((&a, &b), (Val::NoneV, Val::NoneV));
            return match op {
                CmpOp::Eq => Ok(Val::Bool(both_none)),
                CmpOp::Ne => Ok(Val::Bool(!both_none)),
                _ => Err(Problem::invalid(line, "cannot order these values")),
            };
        }
        if let (Some((x, _)), Some((y, _))) = (py_num(&a), py_num(&b)) {
            return Ok(Val::Bool(match op {
                CmpOp::Lt => x < y,
                CmpOp::Le => x <= y,
                CmpOp::Gt => x > y,
                CmpOp::Ge => x >= y,
                CmpOp::Eq => x == y,
                _ => x != y,
            }));
        }
        let x = self.arr(&a, line)?;
        let y = self.arr(&b, line)?;
        let f = match op {
            CmpOp::Lt => Bin::Lt,
            CmpOp::Le => Bin::Le,
            CmpOp::Gt => Bin::Gt,
            CmpOp::Ge => Bin::Ge,
            CmpOp::Eq => Bin::Eq,
            _ => Bin::Ne,
        };
        Ok(Val::Arr(self.g.bin(f, x, y, line)?))
    }

    fn logical(&mut self, and: bool, a: Val, b: Val, line: Line) -> TResult<Val> {
        if let (Val::Bool(x), Val::Bool(y)) = (&a, &b) {
            return Ok(Val::Bool(if and { *x && *y } else { *x || *y }));
        }
        let x = self.arr(&a, line)?;
        let y = self.arr(&b, line)?;
        Ok(Val::Arr(self.g.bin(
            if and { Bin::And } else { Bin::Or },
            x,
            y,
            line,
        )?))
    }

    fn index(&mut self, n: NodeId, idx: &[IndexV], line: Line) -> TResult<Val> {
        let s = self.g.shape(n).to_vec();
        // Only `None` axes (a reshape) and whole slices are taken.
        let mut shape = Vec::new();
        let mut axis = 0;
        for i in idx {
            match i {
                IndexV::NewAxis => shape.push(1),
                IndexV::Slice(None, None) if axis < s.len() => {
                    shape.push(s[axis]);
                    axis += 1;
                }
                _ => {
                    return Err(Problem::unsupported(
                        line,
                        "indexing an array by position (only `:` and `None` are translated)",
                    ))
                }
            }
        }
        shape.extend_from_slice(&s[axis.min(s.len())..]);
        Ok(Val::Arr(self.g.reshape(n, shape, line)?))
    }

    fn kw<'v>(
        args: &'v [Val],
        kwargs: &'v [(String, Val)],
        pos: usize,
        name: &str,
    ) -> Option<&'v Val> {
        kwargs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .or_else(|| args.get(pos))
    }

    fn shape_arg(&self, v: &Val, line: Line) -> TResult<Vec<usize>> {
        let dims = match v {
            Val::Num(x, true) => vec![*x],
            Val::Tuple(items) => items
                .iter()
                .map(|i| self.num(i, line, "a shape"))
                .collect::<TResult<_>>()?,
            _ => {
                return Err(Problem::unsupported(
                    line,
                    "a shape that is not known when the model is built",
                ))
            }
        };
        let shape: Vec<usize> = dims
            .iter()
            .map(|&d| {
                if d >= 0.0 && d.fract() == 0.0 && d < 1e9 {
                    Ok(d as usize)
                } else {
                    Err(Problem::invalid(line, format!("invalid dimension {d}")))
                }
            })
            .collect::<TResult<_>>()?;
        super::graph::check_size(&shape, line)?;
        Ok(shape)
    }

    fn call(
        &mut self,
        func: Val,
        args: Vec<Val>,
        kwargs: Vec<(String, Val)>,
        line: Line,
        f: &Expr,
    ) -> TResult<Val> {
        match func {
            Val::Method(base, m) => self.method_call(*base, &m, args, kwargs, line),
            Val::Func(name) => self.func_call(&name, args, kwargs, line),
            Val::Helper(name, is_method) => self.inline(&name, is_method, args, kwargs, line),
            Val::Dtype(d) => {
                // jnp.float32(x)
                let x = args
                    .first()
                    .ok_or_else(|| Problem::invalid(line, "a cast takes one argument"))?;
                self.astype(x.clone(), &d, line)
            }
            _ => Err(Problem::unsupported(
                line,
                format!(
                    "calling `{}`",
                    dotted(f).unwrap_or_else(|| "this value".into())
                ),
            )),
        }
    }

    fn inline(
        &mut self,
        name: &str,
        is_method: bool,
        args: Vec<Val>,
        kwargs: Vec<(String, Val)>,
        line: Line,
    ) -> TResult<Val> {
        let def = if is_method {
            self.scope.methods.get(name)
        } else {
            self.scope.functions.get(name)
        }
        .copied()
        .ok_or_else(|| Problem::invalid(line, format!("`{name}` is not defined")))?;
        if self.depth > 16 {
            return Err(Problem::unsupported(line, "recursion"));
        }
        let mut env = HashMap::new();
        let mut params = def.params.iter();
        if is_method && !def.decorators.iter().any(|d| d == "staticmethod") {
            if let Some((p, _)) = params.next() {
                env.insert(p.clone(), Val::SelfObj);
            }
        }
        let params: Vec<_> = params.collect();
        if args.len() > params.len() {
            return Err(Problem::invalid(
                line,
                format!(
                    "`{name}` takes {} arguments, {} given",
                    params.len(),
                    args.len()
                ),
            ));
        }
        for (i, (p, default)) in params.iter().enumerate() {
            let v = if let Some(v) = args.get(i) {
                v.clone()
            } else if let Some((_, v)) = kwargs.iter().find(|(k, _)| k == p) {
                v.clone()
            } else if let Some(d) = default {
                self.expr(d, &mut HashMap::new())?
            } else {
                return Err(Problem::invalid(
                    line,
                    format!("`{name}` is missing the argument `{p}`"),
                ));
            };
            env.insert(p.clone(), v);
        }
        for (k, _) in &kwargs {
            if !params.iter().any(|(p, _)| p == k) {
                return Err(Problem::invalid(
                    line,
                    format!("`{name}` has no parameter `{k}`"),
                ));
            }
        }
        self.depth += 1;
        let flow = self.block(&def.body, &mut env);
        self.depth -= 1;
        Ok(match flow? {
            Flow::Return(v) => v,
            Flow::Next => Val::NoneV,
        })
    }

    fn astype(&mut self, x: Val, d: &str, line: Line) -> TResult<Val> {
        match (x, d) {
            (Val::Num(v, _), "float32" | "float64" | "float16") => {
                Ok(Val::Arr(self.g.scalar(v as f32)))
            }
            (Val::Arr(n), "float32" | "float64") if self.g.nodes[n].boolean => {
                Ok(Val::Arr(self.g.un(Un::Float, n)))
            }
            (Val::Arr(n), "float32" | "float64") => Ok(Val::Arr(n)),
            (Val::Arr(n), "int32") => Ok(Val::Arr(self.g.un(Un::Trunc, n))),
            (Val::Arr(n), "bool_" | "bool") => Ok(Val::Arr(self.g.un(Un::Truthy, n))),
            (Val::Num(v, _), "int32" | "int64") => Ok(Val::Num(v.trunc(), true)),
            (Val::Bool(b), _) => Ok(Val::Num(b as i32 as f64, false)),
            (_, d) => Err(Problem::unsupported(line, format!("a cast to {d}"))),
        }
    }

    fn method_call(
        &mut self,
        base: Val,
        m: &str,
        args: Vec<Val>,
        kwargs: Vec<(String, Val)>,
        line: Line,
    ) -> TResult<Val> {
        match (base, m) {
            (Val::Comp(i), "get") => {
                let n = match self.comps[i] {
                    Some(n) => n,
                    None => {
                        let shape = self.scope.compartments[i].1.clone();
                        let n = self.g.push(Op::Comp(i), shape);
                        self.comps[i] = Some(n);
                        n
                    }
                };
                Ok(Val::Arr(n))
            }
            (Val::Comp(i), "set") => {
                let v = args
                    .into_iter()
                    .next()
                    .ok_or_else(|| Problem::invalid(line, "set takes a value"))?;
                let shape = self.scope.compartments[i].1.clone();
                let n = self.arr(&v, line)?;
                let n = if self.g.shape(n) == shape.as_slice() {
                    n
                } else if self.g.nodes[n].len() == shape.iter().product::<usize>()
                    && self.g.nodes[n].len() != 1
                {
                    return Err(Problem::invalid(
                        line,
                        format!(
                            "setting compartment `{}` of shape {:?} to a value of shape {:?}",
                            self.scope.compartments[i].0,
                            shape,
                            self.g.shape(n)
                        ),
                    ));
                } else {
                    self.g.broadcast_to(n, &shape, line).map_err(|_| {
                        Problem::invalid(
                            line,
                            format!(
                                "setting compartment `{}` of shape {:?} to a value of shape {:?}",
                                self.scope.compartments[i].0,
                                shape,
                                self.g.shape(n)
                            ),
                        )
                    })?
                };
                self.comps[i] = Some(n);
                self.written[i] = true;
                Ok(Val::NoneV)
            }
            (Val::KeyComp, "get") => Ok(Val::Key(match self.key {
                Some(k) => k,
                None => {
                    self.g.keys.push(KeyOp::Comp);
                    let k = self.g.keys.len() - 1;
                    self.key = Some(k);
                    k
                }
            })),
            (Val::KeyComp, "set") => {
                let k = match args.first() {
                    Some(Val::Key(k)) => *k,
                    _ => {
                        return Err(Problem::unsupported(
                            line,
                            "setting the key to something that is not a key",
                        ))
                    }
                };
                self.key = Some(k);
                self.g.key_write = Some(k);
                Ok(Val::NoneV)
            }
            (Val::Arr(n), "astype") => {
                let d = match args.first() {
                    Some(Val::Dtype(d)) => d.clone(),
                    Some(Val::Str(s)) => s.clone(),
                    Some(Val::Func(f)) if f.ends_with(".bool") || f == "builtins.bool" => {
                        "bool".into()
                    }
                    Some(Val::Func(f)) if f == "builtins.float" => "float32".into(),
                    Some(Val::Func(f)) if f == "builtins.int" => "int32".into(),
                    _ => return Err(Problem::unsupported(line, "astype to this type")),
                };
                self.astype(Val::Arr(n), &d, line)
            }
            (Val::Arr(n), "reshape") => {
                let shape = if args.len() == 1 {
                    self.shape_arg(&args[0], line)?
                } else {
                    self.shape_arg(&Val::Tuple(args), line)?
                };
                Ok(Val::Arr(self.g.reshape(n, shape, line)?))
            }
            (Val::Arr(n), "transpose") => Ok(Val::Arr(self.g.transpose(n, line)?)),
            (Val::Arr(n), "sum" | "mean" | "max" | "min") => {
                let mut all = vec![Val::Arr(n)];
                all.extend(args);
                self.func_call(&format!("jax.numpy.{m}"), all, kwargs, line)
            }
            (Val::Arr(n), "flatten" | "ravel") => {
                let len = self.g.nodes[n].len();
                Ok(Val::Arr(self.g.reshape(n, vec![len], line)?))
            }
            (Val::Arr(_), "squeeze") if !args.is_empty() || !kwargs.is_empty() => {
                Err(Problem::unsupported(line, "squeeze with an axis"))
            }
            (Val::Arr(n), "squeeze") => {
                let s: Vec<usize> = self
                    .g
                    .shape(n)
                    .iter()
                    .copied()
                    .filter(|&d| d != 1)
                    .collect();
                Ok(Val::Arr(self.g.reshape(n, s, line)?))
            }
            (_, m) => Err(Problem::unsupported(line, format!(".{m}()"))),
        }
    }

    fn func_call(
        &mut self,
        name: &str,
        args: Vec<Val>,
        kwargs: Vec<(String, Val)>,
        line: Line,
    ) -> TResult<Val> {
        let short = name.rsplit('.').next().unwrap_or(name);
        let module = &name[..name.len() - short.len()].trim_end_matches('.');
        let arg = |i: usize, k: &str| -> TResult<Val> {
            Self::kw(&args, &kwargs, i, k)
                .cloned()
                .ok_or_else(|| Problem::invalid(line, format!("`{short}` is missing `{k}`")))
        };
        let unary = |t: &mut Self, f: Un| -> TResult<Val> {
            let x = arg(0, "x")?;
            let n = t.arr(&x, line)?;
            Ok(Val::Arr(t.g.un(f, n)))
        };
        let binary = |t: &mut Self, f: Bin| -> TResult<Val> {
            let x = arg(0, "x1")?;
            let y = arg(1, "x2")?;
            let (a, b) = (t.arr(&x, line)?, t.arr(&y, line)?);
            Ok(Val::Arr(t.g.bin(f, a, b, line)?))
        };
        match (*module, short) {
            ("builtins", "float") => {
                let x = arg(0, "x")?;
                Ok(Val::Num(self.num(&x, line, "float() of a value")?, false))
            }
            ("builtins", "int") => {
                let x = arg(0, "x")?;
                Ok(Val::Num(
                    self.num(&x, line, "int() of a value")?.trunc(),
                    true,
                ))
            }
            ("builtins", "bool") => {
                let x = arg(0, "x")?;
                Ok(Val::Bool(self.truth(&x, line)?))
            }
            ("builtins", "len") => match arg(0, "x")? {
                Val::Tuple(t) => Ok(Val::Num(t.len() as f64, true)),
                Val::Arr(n) => Ok(Val::Num(
                    *self.g.shape(n).first().unwrap_or(&0) as f64,
                    true,
                )),
                _ => Err(Problem::invalid(line, "len() of this value")),
            },
            ("builtins", "tuple" | "list") => arg(0, "x"),
            ("builtins", "abs") => match arg(0, "x")? {
                Val::Num(x, i) => Ok(Val::Num(x.abs(), i)),
                other => {
                    let n = self.arr(&other, line)?;
                    Ok(Val::Arr(self.g.un(Un::Abs, n)))
                }
            },
            ("builtins", "min" | "max") => {
                let vals: Vec<f64> = args
                    .iter()
                    .map(|a| self.num(a, line, "min/max of a value"))
                    .collect::<TResult<_>>()?;
                let v = if short == "min" {
                    vals.iter().cloned().fold(f64::INFINITY, f64::min)
                } else {
                    vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                };
                Ok(Val::Num(
                    v,
                    args.iter().all(|a| matches!(a, Val::Num(_, true))),
                ))
            }
            ("math", "exp") | ("math", "log") | ("math", "sqrt") => {
                let x = self.num(&arg(0, "x")?, line, "math of a value")?;
                Ok(Val::Num(
                    match short {
                        "exp" => x.exp(),
                        "log" => x.ln(),
                        _ => x.sqrt(),
                    },
                    false,
                ))
            }
            ("jax.numpy" | "numpy", _) | ("jax.nn", _) | ("jax.lax", _) => {
                self.jnp(short, module, &args, &kwargs, line, unary, binary)
            }
            ("jax.random", _) => self.random(short, &args, &kwargs, line),
            _ => Err(Problem::unsupported(
                line,
                name.replace("jax.numpy.", "jnp."),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn jnp(
        &mut self,
        short: &str,
        module: &str,
        args: &[Val],
        kwargs: &[(String, Val)],
        line: Line,
        unary: impl Fn(&mut Self, Un) -> TResult<Val>,
        binary: impl Fn(&mut Self, Bin) -> TResult<Val>,
    ) -> TResult<Val> {
        let arg = |i: usize, k: &str| -> TResult<Val> {
            Self::kw(args, kwargs, i, k)
                .cloned()
                .ok_or_else(|| Problem::invalid(line, format!("`{short}` is missing `{k}`")))
        };
        // Keywords the translation does not read are refused, not ignored.
        let allowed: &[&str] = match short {
            "clip" => &["a", "a_min", "a_max", "min", "max"],
            "where" => &["condition", "x", "y"],
            "sum" | "mean" | "max" | "min" | "amax" | "amin" => &["a", "axis", "keepdims"],
            "reshape" => &["a", "newshape", "shape"],
            "zeros" | "ones" | "empty" => &["shape", "dtype"],
            "full" => &["shape", "fill_value", "dtype"],
            "zeros_like" | "ones_like" | "empty_like" => &["a", "dtype"],
            "full_like" => &["a", "fill_value", "dtype"],
            "array" | "asarray" => &["object", "dtype"],
            "expand_dims" => &["a", "axis"],
            "transpose" => &["a", "axes"],
            "matmul" | "dot" => &["a", "b"],
            "squeeze" => &["a"],
            _ => &["x", "x1", "x2"],
        };
        for (k, v) in kwargs {
            let float_dtype = k == "dtype"
                && (matches!(v, Val::Dtype(d) | Val::Str(d) if d == "float32")
                    || matches!(v, Val::NoneV));
            if !allowed.contains(&k.as_str()) || (k == "dtype" && !float_dtype) {
                return Err(Problem::unsupported(
                    line,
                    format!("jnp.{short}(..., {k}=...)"),
                ));
            }
        }
        let most = match short {
            "squeeze" | "round" | "rint" | "zeros_like" | "ones_like" | "empty_like" => 1,
            "where" | "clip" => 3,
            _ => usize::MAX,
        };
        if args.len() > most {
            return Err(Problem::unsupported(
                line,
                format!("jnp.{short} with {} positional arguments", args.len()),
            ));
        }
        let nn = module == "jax.nn";
        match short {
            "exp" => unary(self, Un::Exp),
            "log" => unary(self, Un::Log),
            "log1p" => unary(self, Un::Log1p),
            "tanh" => unary(self, Un::Tanh),
            "sigmoid" if nn => unary(self, Un::Sigmoid),
            "relu" if nn => unary(self, Un::Relu),
            "abs" | "absolute" => unary(self, Un::Abs),
            "sign" => unary(self, Un::Sign),
            "sqrt" => unary(self, Un::Sqrt),
            "rsqrt" => unary(self, Un::Rsqrt),
            "floor" => unary(self, Un::Floor),
            "ceil" => unary(self, Un::Ceil),
            "round" | "rint" if args.len() > 1 || kwargs.iter().any(|(k, _)| k == "decimals") => {
                Err(Problem::unsupported(
                    line,
                    format!("jnp.{short} with decimals"),
                ))
            }
            "round" | "rint" => unary(self, Un::Round),
            "negative" => unary(self, Un::Neg),
            "reciprocal" => unary(self, Un::Recip),
            "logical_not" => unary(self, Un::Not),
            "isnan" => unary(self, Un::IsNan),
            "square" => {
                let x = arg(0, "x")?;
                let n = self.arr(&x, line)?;
                Ok(Val::Arr(self.g.bin(Bin::Mul, n, n, line)?))
            }
            "add" => binary(self, Bin::Add),
            "subtract" => binary(self, Bin::Sub),
            "multiply" => binary(self, Bin::Mul),
            "divide" | "true_divide" => binary(self, Bin::Div),
            "maximum" => binary(self, Bin::Max),
            "minimum" => binary(self, Bin::Min),
            "greater" => binary(self, Bin::Gt),
            "greater_equal" => binary(self, Bin::Ge),
            "less" => binary(self, Bin::Lt),
            "less_equal" => binary(self, Bin::Le),
            "equal" => binary(self, Bin::Eq),
            "not_equal" => binary(self, Bin::Ne),
            "logical_and" => binary(self, Bin::And),
            "logical_or" => binary(self, Bin::Or),
            "mod" | "remainder" => binary(self, Bin::Mod),
            "floor_divide" => binary(self, Bin::FloorDiv),
            "power" | "pow" => {
                let x = arg(0, "x1")?;
                let p = arg(1, "x2")?;
                let (a, b) = (self.arr(&x, line)?, self.arr(&p, line)?);
                Ok(Val::Arr(self.power(a, &p, b, line)?))
            }
            "clip" => {
                let x = arg(0, "a")?;
                let x = self.arr(&x, line)?;
                let lo = Self::kw(args, kwargs, 1, "a_min")
                    .or_else(|| Self::kw(args, kwargs, 99, "min"))
                    .cloned()
                    .unwrap_or(Val::NoneV);
                let hi = Self::kw(args, kwargs, 2, "a_max")
                    .or_else(|| Self::kw(args, kwargs, 99, "max"))
                    .cloned()
                    .unwrap_or(Val::NoneV);
                // jnp.clip(x, lo, hi) = minimum(maximum(x, lo), hi).
                let mut n = x;
                if !matches!(lo, Val::NoneV) {
                    let l = self.arr(&lo, line)?;
                    n = self.g.bin(Bin::Max, n, l, line)?;
                }
                if !matches!(hi, Val::NoneV) {
                    let h = self.arr(&hi, line)?;
                    n = self.g.bin(Bin::Min, n, h, line)?;
                }
                Ok(Val::Arr(n))
            }
            "where" => {
                if args.len() + kwargs.len() != 3 {
                    return Err(Problem::unsupported(line, "jnp.where with one argument"));
                }
                let c = arg(0, "condition")?;
                let a = arg(1, "x")?;
                let b = arg(2, "y")?;
                let (c, a, b) = (
                    self.arr(&c, line)?,
                    self.arr(&a, line)?,
                    self.arr(&b, line)?,
                );
                Ok(Val::Arr(self.g.select(c, a, b, line)?))
            }
            "sum" | "mean" | "max" | "min" | "amax" | "amin" => {
                let x = arg(0, "a")?;
                let x = self.arr(&x, line)?;
                let axis = match Self::kw(args, kwargs, 1, "axis") {
                    None | Some(Val::NoneV) => None,
                    Some(Val::Num(a, true)) => Some(*a as i64),
                    Some(_) => {
                        return Err(Problem::unsupported(line, "a reduction over several axes"))
                    }
                };
                let keepdims = match Self::kw(args, kwargs, 99, "keepdims") {
                    None => false,
                    Some(v) => self.truth(v, line)?,
                };
                let r = match short {
                    "sum" => Red::Sum,
                    "mean" => Red::Mean,
                    "max" | "amax" => Red::Max,
                    _ => Red::Min,
                };
                Ok(Val::Arr(self.g.reduce(r, x, axis, keepdims, line)?))
            }
            "matmul" | "dot" => {
                let a = arg(0, "a")?;
                let b = arg(1, "b")?;
                let (a, b) = (self.arr(&a, line)?, self.arr(&b, line)?);
                if short == "dot" && (self.g.shape(a).is_empty() || self.g.shape(b).is_empty()) {
                    return Ok(Val::Arr(self.g.bin(Bin::Mul, a, b, line)?));
                }
                Ok(Val::Arr(self.g.matmul(a, b, line)?))
            }
            "transpose" => {
                let a = arg(0, "a")?;
                let a = self.arr(&a, line)?;
                match Self::kw(args, kwargs, 1, "axes") {
                    None | Some(Val::NoneV) => Ok(Val::Arr(self.g.transpose(a, line)?)),
                    Some(Val::Tuple(ax)) if ax.len() == 2 => match (py_num(&ax[0]), py_num(&ax[1]))
                    {
                        (Some((0.0, _)), Some((1.0, _))) => Ok(Val::Arr(a)),
                        (Some((1.0, _)), Some((0.0, _))) => {
                            Ok(Val::Arr(self.g.transpose(a, line)?))
                        }
                        _ => Err(Problem::unsupported(line, "jnp.transpose with these axes")),
                    },
                    Some(_) => Err(Problem::unsupported(line, "jnp.transpose with these axes")),
                }
            }
            "reshape" => {
                let a = arg(0, "a")?;
                let a = self.arr(&a, line)?;
                let s = self.shape_arg(&arg(1, "newshape").or_else(|_| arg(1, "shape"))?, line)?;
                Ok(Val::Arr(self.g.reshape(a, s, line)?))
            }
            "zeros" | "ones" | "full" | "empty" => {
                let s = self.shape_arg(&arg(0, "shape")?, line)?;
                let v = match short {
                    "ones" => 1.0,
                    "full" => self.num(&arg(1, "fill_value")?, line, "a fill value")? as f32,
                    _ => 0.0,
                };
                let len = s.iter().product();
                Ok(Val::Arr(self.g.push(Op::Const(vec![v; len]), s)))
            }
            "zeros_like" | "ones_like" | "full_like" | "empty_like" => {
                let x = arg(0, "a")?;
                let x = self.arr(&x, line)?;
                let s = self.g.shape(x).to_vec();
                let v = match short {
                    "ones_like" => 1.0,
                    "full_like" => self.num(&arg(1, "fill_value")?, line, "a fill value")? as f32,
                    _ => 0.0,
                };
                let len = s.iter().product();
                Ok(Val::Arr(self.g.push(Op::Const(vec![v; len]), s)))
            }
            "array" | "asarray" => {
                let x = arg(0, "object")?;
                Ok(Val::Arr(self.arr(&x, line)?))
            }
            "expand_dims" => {
                let x = arg(0, "a")?;
                let x = self.arr(&x, line)?;
                let ax = self.num(&arg(1, "axis")?, line, "an axis")? as i64;
                let mut s = self.g.shape(x).to_vec();
                let at = if ax < 0 { s.len() as i64 + 1 + ax } else { ax };
                if at < 0 || at as usize > s.len() {
                    return Err(Problem::invalid(line, "expand_dims: axis out of range"));
                }
                s.insert(at as usize, 1);
                Ok(Val::Arr(self.g.reshape(x, s, line)?))
            }
            "squeeze" => {
                let x = arg(0, "a")?;
                let x = self.arr(&x, line)?;
                let s: Vec<usize> = self
                    .g
                    .shape(x)
                    .iter()
                    .copied()
                    .filter(|&d| d != 1)
                    .collect();
                Ok(Val::Arr(self.g.reshape(x, s, line)?))
            }
            "float32" => self.astype(arg(0, "x")?, "float32", line),
            _ => Err(Problem::unsupported(
                line,
                format!(
                    "{}.{short}",
                    if nn {
                        "jax.nn"
                    } else if module == "numpy" {
                        "np"
                    } else {
                        "jnp"
                    }
                ),
            )),
        }
    }

    fn random(
        &mut self,
        short: &str,
        args: &[Val],
        kwargs: &[(String, Val)],
        line: Line,
    ) -> TResult<Val> {
        let key = match Self::kw(args, kwargs, 0, "key") {
            Some(Val::Key(k)) => *k,
            _ => {
                return Err(Problem::unsupported(
                    line,
                    format!("random.{short} with a key that is not the component's"),
                ))
            }
        };
        match short {
            "split" => {
                let n = match Self::kw(args, kwargs, 1, "num") {
                    None => 2,
                    Some(v) => self.num(v, line, "a number of keys")? as usize,
                };
                let ks = (0..n)
                    .map(|i| {
                        self.g.keys.push(KeyOp::Split(key, n, i));
                        self.g.keys.len() - 1
                    })
                    .collect();
                Ok(Val::Keys(ks))
            }
            "uniform" | "normal" | "bernoulli" => {
                let (shape_pos, draw) = match short {
                    "uniform" => {
                        let lo = Self::kw(args, kwargs, 3, "minval")
                            .map(|v| self.num(v, line, "minval"))
                            .transpose()?
                            .unwrap_or(0.0);
                        let hi = Self::kw(args, kwargs, 4, "maxval")
                            .map(|v| self.num(v, line, "maxval"))
                            .transpose()?
                            .unwrap_or(1.0);
                        (1, Draw::Uniform(lo as f32, hi as f32))
                    }
                    "normal" => (1, Draw::Normal),
                    _ => (2, Draw::Uniform(0.0, 1.0)),
                };
                if let Some(Val::Dtype(d)) | Some(Val::Str(d)) = Self::kw(
                    args,
                    kwargs,
                    if short == "bernoulli" { 99 } else { 2 },
                    "dtype",
                ) {
                    if d != "float32" {
                        return Err(Problem::unsupported(line, format!("random draws of {d}")));
                    }
                }
                let p = if short == "bernoulli" {
                    Some(
                        Self::kw(args, kwargs, 1, "p")
                            .cloned()
                            .unwrap_or(Val::Num(0.5, false)),
                    )
                } else {
                    None
                };
                let shape = match Self::kw(args, kwargs, shape_pos, "shape") {
                    Some(s) if !matches!(s, Val::NoneV) => self.shape_arg(s, line)?,
                    _ => match &p {
                        Some(Val::Arr(pn)) => self.g.shape(*pn).to_vec(),
                        _ => Vec::new(),
                    },
                };
                let u = self.g.push(Op::Random(draw, key), shape);
                match p {
                    None => Ok(Val::Arr(u)),
                    Some(p) => {
                        let pn = self.arr(&p, line)?;
                        Ok(Val::Arr(self.g.bin(Bin::Lt, u, pn, line)?))
                    }
                }
            }
            _ => Err(Problem::unsupported(line, format!("random.{short}"))),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum IndexV {
    At(i64),
    Slice(Option<i64>, Option<i64>),
    NewAxis,
}

/// Python's `divmod` of two floats (from `fmod`, as CPython computes it).
fn py_divmod(x: f64, y: f64) -> (f64, f64) {
    let mut m = x % y;
    let mut div = (x - m) / y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) {
            m += y;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(y);
    }
    let floordiv = if div != 0.0 {
        let f = div.floor();
        if div - f > 0.5 {
            f + 1.0
        } else {
            f
        }
    } else {
        0.0f64.copysign(x / y)
    };
    (floordiv, m)
}

fn py_num(v: &Val) -> Option<(f64, bool)> {
    match v {
        Val::Num(x, i) => Some((*x, *i)),
        Val::Bool(b) => Some((*b as i32 as f64, true)),
        _ => None,
    }
}
