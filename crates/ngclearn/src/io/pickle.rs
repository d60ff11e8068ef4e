//! ngclearn's pickled optimiser state (`custom/NAME_opt_params.pkl`): lists and tuples
//! of JAX float32 arrays, read by a restricted reader and written as Python's `pickle`
//! writes them.
//!
//! ngclearn saves a `HebbianSynapse`'s optimiser state with `pickle.dump` (protocol 4).
//! A JAX array pickles as `jax._src.array._reconstruct_array(fn, args, state, aval)`
//! around NumPy's own `_reconstruct` and `ndarray.__setstate__`. The reader is a small
//! pickle machine that knows only the opcodes of such files and only four globals
//! (`_reconstruct_array`, NumPy's `_reconstruct`, `ndarray` and `dtype`), whose effect
//! it computes itself: no pickled code is ever executed, any other global or opcode is
//! an error, and a file larger than the caller's bound is refused before it is read.
//! The writer emits the bytes Python's `pickle.dumps(value, protocol=4)` gives for the
//! same value (frames, memo and opcodes), so that ngclearn loads them.
//!
//! Memory is bounded by bytes, whatever the file: every object the reader makes or
//! copies out of its memo (a list stored once can be recalled many times, each recall
//! a copy) is charged its size, and the file is refused as soon as the total passes a
//! budget set from the state the component can hold ([`read`]) or from the file's
//! length ([`parse`]). What the writer writes, within the reader's limits on nesting
//! and containers, reads back.

use crate::error::{Error, Result};
use std::path::Path;
use std::rc::Rc;

/// A pickled value of ngclearn's optimiser state.
#[derive(Debug, Clone, PartialEq)]
pub enum Pickled {
    /// A float32 array (C order) and its JAX `weak_type` flag.
    Array {
        /// Its shape (empty: 0-d).
        shape: Vec<usize>,
        /// Its values in C order.
        data: Vec<f32>,
        /// JAX's `weak_type` (a Python scalar's type).
        weak_type: bool,
    },
    /// A Python list.
    List(Vec<Pickled>),
    /// A Python tuple.
    Tuple(Vec<Pickled>),
}

impl Pickled {
    /// A 0-d array (ngclearn's optimiser time step).
    pub fn scalar(x: f32, weak_type: bool) -> Pickled {
        Pickled::Array {
            shape: vec![],
            data: vec![x],
            weak_type,
        }
    }
}

/// Reads the pickle at `path`, refusing a file longer than `max_bytes` (the largest
/// pickle of the state the component can hold) and one that would make objects of
/// more than twice that, plus 1 MiB.
pub fn read(path: &Path, max_bytes: u64) -> Result<Pickled> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| Error::Io {
        path: shown.clone(),
        message: e.to_string(),
        not_found: e.kind() == std::io::ErrorKind::NotFound,
    };
    // Opened once, a regular file, and read no further than the bound (a FIFO or a
    // device would report no length and then never end).
    let file = crate::io::npy::open_regular(path)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, max_bytes + 1), &mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::format(
            &shown,
            "(file)",
            format!(
                "is over {max_bytes} bytes, the most the optimiser state of this component takes"
            ),
        ));
    }
    let budget = usize::try_from(max_bytes.saturating_mul(2))
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    parse_within(&bytes, &shown, budget)
}

/// The globals the reader knows (everything else is refused).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Global {
    ReconstructArray,
    NpReconstruct,
    NdArray,
    Dtype,
}

#[derive(Debug, Clone)]
enum Obj {
    Mark,
    None,
    Bool(bool),
    Int(i64),
    Float,
    Str(Rc<str>),
    Bytes(Rc<[u8]>),
    /// Immutable, so shared: storing or recalling it from the memo copies nothing.
    Tuple(Rc<[Obj]>),
    List(Vec<Obj>),
    Dict(Vec<(Obj, Obj)>),
    Global(Global),
    /// `dtype('f4')` (checked little-endian when built).
    Dtype,
    /// `ndarray` made by `_reconstruct`, before its state is set.
    EmptyArray,
    /// An array (shared, as a tuple is).
    Value(Rc<Pickled>),
}

/// At most this many stack entries, memo entries and containers made (the files here
/// need a few dozen).
pub const MAX_STACK: usize = 4096;
const MAX_MEMO: usize = 1 << 16;
/// At most this many lists, tuples and dicts in one pickle.
pub const MAX_CONTAINERS: usize = 1024;
/// At most this many lists and tuples nested in one another (ngclearn's states nest
/// two).
pub const MAX_DEPTH: usize = 256;
/// The containers an array's reconstruction takes when written (its tuples and dict):
/// a value read may hold at most [`MAX_CONTAINERS`] lists and tuples, each array
/// counting as this many, so that what is read can be written and read back (a memo
/// recall makes containers the file does not spell out).
pub const ARRAY_CONTAINERS: usize = 10;

struct Machine<'a> {
    b: &'a [u8],
    pos: usize,
    path: &'a str,
    stack: Vec<Obj>,
    memo: Vec<Option<Obj>>,
    /// Containers made so far (tuples, lists, dicts).
    containers: usize,
    /// Bytes of objects made or copied so far, and the most allowed.
    built: usize,
    budget: usize,
    /// Containers of the value made so far (an array counting as
    /// [`ARRAY_CONTAINERS`]).
    made: usize,
}

/// The bytes a copy of `o` takes (a node for it and, for lists and dicts, copied whole,
/// for everything they hold; tuples, arrays, strings and bytes are shared), and how
/// deep its lists and dicts nest. Walked without recursion.
fn weight(o: &Obj) -> (usize, usize) {
    let node = std::mem::size_of::<Obj>();
    let (mut total, mut deepest) = (0usize, 0usize);
    let mut todo = vec![(o, 0usize)];
    while let Some((o, depth)) = todo.pop() {
        total = total.saturating_add(node);
        deepest = deepest.max(depth);
        match o {
            Obj::List(v) => todo.extend(v.iter().map(|x| (x, depth + 1))),
            Obj::Dict(v) => {
                todo.extend(v.iter().flat_map(|(k, x)| [(k, depth + 1), (x, depth + 1)]))
            }
            _ => {}
        }
    }
    (total, deepest)
}

impl<'a> Machine<'a> {
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::format(self.path, format!("byte {}", self.pos), msg.into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| self.err("ends in the middle of an opcode"))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn uint(&mut self, n: usize) -> Result<u64> {
        let s = self.take(n)?;
        Ok(s.iter().rev().fold(0u64, |a, &x| (a << 8) | x as u64))
    }

    fn len(&mut self, n: usize) -> Result<usize> {
        let l = self.uint(n)?;
        usize::try_from(l)
            .ok()
            .filter(|&l| l <= self.b.len())
            .ok_or_else(|| self.err(format!("a length of {l} bytes runs past the end")))
    }

    fn push(&mut self, o: Obj) -> Result<()> {
        if self.stack.len() >= MAX_STACK {
            return Err(self.err("nests too deeply"));
        }
        // A new node (its parts were charged when they were made).
        self.charge(std::mem::size_of::<Obj>())?;
        self.stack.push(o);
        Ok(())
    }

    /// Charges `bytes` more of objects made or copied against the budget.
    fn charge(&mut self, bytes: usize) -> Result<()> {
        self.built = self.built.saturating_add(bytes);
        if self.built > self.budget {
            return Err(self.err(format!(
                "would make more than {} bytes of objects, the most this reader makes of \
                 it (copies of its own objects?)",
                self.budget
            )));
        }
        Ok(())
    }

    fn pop(&mut self) -> Result<Obj> {
        match self.stack.pop() {
            Some(Obj::Mark) | None => Err(self.err("pops an empty stack")),
            Some(o) => Ok(o),
        }
    }

    /// The items above the topmost mark (the mark removed).
    fn pop_mark(&mut self) -> Result<Vec<Obj>> {
        let at = self
            .stack
            .iter()
            .rposition(|o| matches!(o, Obj::Mark))
            .ok_or_else(|| self.err("has no mark"))?;
        let items = self.stack.split_off(at + 1);
        self.stack.pop();
        Ok(items)
    }

    fn top(&mut self) -> Result<&mut Obj> {
        match self.stack.last_mut() {
            Some(Obj::Mark) | None => Err(Error::format(self.path, "(pickle)", "empty stack")),
            Some(o) => Ok(o),
        }
    }

    fn text(&mut self, n: usize) -> Result<Obj> {
        let s = self.take(n)?;
        let s = std::str::from_utf8(s).map_err(|_| self.err("a string is not UTF-8"))?;
        Ok(Obj::Str(Rc::from(s)))
    }

    fn global(&self, module: &str, name: &str) -> Result<Global> {
        match (module, name) {
            ("jax._src.array", "_reconstruct_array") => Ok(Global::ReconstructArray),
            ("numpy._core.multiarray" | "numpy.core.multiarray", "_reconstruct") => {
                Ok(Global::NpReconstruct)
            }
            ("numpy", "ndarray") => Ok(Global::NdArray),
            ("numpy", "dtype") => Ok(Global::Dtype),
            _ => Err(self.err(format!(
                "refers to `{module}.{name}`; only JAX and NumPy float32 arrays in lists and \
                 tuples are read (pickled code is never run)"
            ))),
        }
    }

    fn memo_put(&mut self, idx: usize) -> Result<()> {
        if idx >= MAX_MEMO {
            return Err(self.err("memo index too large"));
        }
        let (w, depth) = weight(self.top()?);
        self.check_depth(depth)?;
        self.charge(w)?;
        let top = self.top()?.clone();
        if self.memo.len() <= idx {
            self.charge((idx + 1 - self.memo.len()) * std::mem::size_of::<Option<Obj>>())?;
            self.memo.resize(idx + 1, None);
        }
        self.memo[idx] = Some(top);
        Ok(())
    }

    fn memo_get(&mut self, idx: usize) -> Result<()> {
        let (w, depth) = match self.memo.get(idx) {
            Some(Some(o)) => weight(o),
            _ => return Err(self.err(format!("refers to memo entry {idx}, never stored"))),
        };
        self.check_depth(depth)?;
        // The copy's nodes beyond the one `push` charges.
        self.charge(w.saturating_sub(std::mem::size_of::<Obj>()))?;
        let o = self.memo[idx].clone().expect("checked above");
        self.push(o)
    }

    /// Refuses lists nested deeper than [`MAX_DEPTH`] when they are stored or recalled
    /// (a list appended to its own recalled copies nests without new containers).
    fn check_depth(&self, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(self.err(format!("nests lists more than {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    /// Counts one more container made.
    fn container(&mut self) -> Result<()> {
        self.containers += 1;
        if self.containers > MAX_CONTAINERS {
            return Err(self.err("makes more lists and tuples than a pickle of arrays does"));
        }
        Ok(())
    }

    fn reduce(&self, f: Obj, args: Obj) -> Result<Obj> {
        let Obj::Tuple(args) = args else {
            return Err(self.err("calls with arguments that are not a tuple"));
        };
        match (f, &args[..]) {
            (
                Obj::Global(Global::NpReconstruct),
                [Obj::Global(Global::NdArray), Obj::Tuple(z), Obj::Bytes(c)],
            ) if matches!(&z[..], [Obj::Int(0)]) && &**c == b"b" => Ok(Obj::EmptyArray),
            (Obj::Global(Global::Dtype), [Obj::Str(s), Obj::Bool(false), Obj::Bool(true)]) => {
                if &**s == "f4" {
                    Ok(Obj::Dtype)
                } else {
                    Err(self.err(format!("holds a `{s}` array; only float32 (f4) is read")))
                }
            }
            (Obj::Global(Global::ReconstructArray), [f, inner, state, aval]) => {
                let arr = self.reduce(f.clone(), inner.clone())?;
                let Obj::Value(built) = self.build(arr, state.clone())? else {
                    return Err(self.err("a JAX array without its data"));
                };
                let Pickled::Array { shape, data, .. } =
                    Rc::try_unwrap(built).unwrap_or_else(|shared| (*shared).clone())
                else {
                    return Err(self.err("a JAX array without its data"));
                };
                let weak_type = match aval {
                    Obj::Dict(items) => items.iter().any(|(k, v)| {
                        matches!((k, v), (Obj::Str(k), Obj::Bool(true)) if &**k == "weak_type")
                    }),
                    _ => return Err(self.err("a JAX array's aval state is not a dict")),
                };
                Ok(Obj::Value(Rc::new(Pickled::Array {
                    shape,
                    data,
                    weak_type,
                })))
            }
            _ => Err(self.err("calls a function with arguments this reader does not know")),
        }
    }

    fn build(&self, o: Obj, state: Obj) -> Result<Obj> {
        let Obj::Tuple(st) = state else {
            return Err(self.err("sets a state that is not a tuple"));
        };
        match (o, &st[..]) {
            (Obj::Dtype, [Obj::Int(3), Obj::Str(order), ..]) => match &**order {
                "<" | "|" | "=" => Ok(Obj::Dtype),
                o => Err(self.err(format!(
                    "holds float32 of byte order `{o}`; only little-endian is read"
                ))),
            },
            (
                Obj::EmptyArray,
                [Obj::Int(1), Obj::Tuple(shape), Obj::Dtype, Obj::Bool(fortran), Obj::Bytes(raw)],
            ) => {
                let shape = shape
                    .iter()
                    .map(|d| match d {
                        Obj::Int(n) if *n >= 0 => Ok(*n as usize),
                        _ => Err(self.err("an array's shape is not a tuple of sizes")),
                    })
                    .collect::<Result<Vec<usize>>>()?;
                let n = shape
                    .iter()
                    .try_fold(1usize, |a, &d| a.checked_mul(d))
                    .filter(|n| n.checked_mul(4) == Some(raw.len()))
                    .ok_or_else(|| {
                        self.err(format!(
                            "an array of shape {shape:?} holds {} bytes of data",
                            raw.len()
                        ))
                    })?;
                let flat: Vec<f32> = raw
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                let data = if *fortran && shape.len() > 1 {
                    // Column-major: element (i0, i1, ...) sits at i0 + d0 * (i1 + d1 * ...).
                    let mut data = vec![0.0f32; n];
                    let mut idx = vec![0usize; shape.len()];
                    for v in data.iter_mut() {
                        let mut off = 0usize;
                        for k in (0..shape.len()).rev() {
                            off = off * shape[k] + idx[k];
                        }
                        *v = flat[off];
                        for k in (0..shape.len()).rev() {
                            idx[k] += 1;
                            if idx[k] < shape[k] {
                                break;
                            }
                            idx[k] = 0;
                        }
                    }
                    data
                } else {
                    flat
                };
                Ok(Obj::Value(Rc::new(Pickled::Array {
                    shape,
                    data,
                    weak_type: false,
                })))
            }
            _ => Err(self.err("sets the state of an object this reader does not know")),
        }
    }

    fn run(&mut self) -> Result<Obj> {
        loop {
            let op = self.take(1)?[0];
            match op {
                0x80 => {
                    let v = self.take(1)?[0];
                    if !(2..=5).contains(&v) {
                        return Err(self.err(format!("pickle protocol {v} (2 to 5 are read)")));
                    }
                }
                0x95 => {
                    self.len(8)?;
                }
                b'.' => return self.pop(),
                b'(' => self.push(Obj::Mark)?,
                b']' => {
                    self.container()?;
                    self.push(Obj::List(Vec::new()))?
                }
                b')' => {
                    self.container()?;
                    self.push(Obj::Tuple(Rc::from([])))?
                }
                b'}' => {
                    self.container()?;
                    self.push(Obj::Dict(Vec::new()))?
                }
                b'N' => self.push(Obj::None)?,
                0x88 => self.push(Obj::Bool(true))?,
                0x89 => self.push(Obj::Bool(false))?,
                b'K' => {
                    let v = self.uint(1)? as i64;
                    self.push(Obj::Int(v))?
                }
                b'M' => {
                    let v = self.uint(2)? as i64;
                    self.push(Obj::Int(v))?
                }
                b'J' => {
                    let v = self.uint(4)? as u32 as i32 as i64;
                    self.push(Obj::Int(v))?
                }
                0x8a => {
                    let n = self.uint(1)? as usize;
                    if n > 8 {
                        return Err(self.err("an integer wider than 64 bits"));
                    }
                    let s = self.take(n)?;
                    let mut v = s.iter().rev().fold(0i64, |a, &x| (a << 8) | x as i64);
                    if n > 0 && n < 8 && s[n - 1] & 0x80 != 0 {
                        v -= 1i64 << (8 * n);
                    }
                    self.push(Obj::Int(v))?
                }
                b'G' => {
                    self.take(8)?;
                    self.push(Obj::Float)?
                }
                0x8c => {
                    let n = self.len(1)?;
                    let s = self.text(n)?;
                    self.push(s)?
                }
                b'X' => {
                    let n = self.len(4)?;
                    let s = self.text(n)?;
                    self.push(s)?
                }
                0x8d => {
                    let n = self.len(8)?;
                    let s = self.text(n)?;
                    self.push(s)?
                }
                b'C' | b'B' | 0x8e => {
                    let w = match op {
                        b'C' => 1,
                        b'B' => 4,
                        _ => 8,
                    };
                    let n = self.len(w)?;
                    let s = self.take(n)?;
                    self.push(Obj::Bytes(Rc::from(s)))?
                }
                0x85..=0x87 => {
                    self.container()?;
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err(self.err("pops an empty stack"));
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    if items.iter().any(|o| matches!(o, Obj::Mark)) {
                        return Err(self.err("makes a tuple of a mark"));
                    }
                    self.push(Obj::Tuple(Rc::from(items)))?
                }
                b't' => {
                    self.container()?;
                    let items = self.pop_mark()?;
                    self.push(Obj::Tuple(Rc::from(items)))?
                }
                b'a' => {
                    let v = self.pop()?;
                    match self.top()? {
                        Obj::List(l) => l.push(v),
                        _ => return Err(self.err("appends to something not a list")),
                    }
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    match self.top()? {
                        Obj::List(l) => l.extend(items),
                        _ => return Err(self.err("appends to something not a list")),
                    }
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    match self.top()? {
                        Obj::Dict(d) => d.push((k, v)),
                        _ => return Err(self.err("sets an item of something not a dict")),
                    }
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    if items.len() % 2 != 0 {
                        return Err(self.err("sets items from an odd number of values"));
                    }
                    let mut it = items.into_iter();
                    let mut pairs = Vec::new();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    match self.top()? {
                        Obj::Dict(d) => d.extend(pairs),
                        _ => return Err(self.err("sets items of something not a dict")),
                    }
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Obj::Str(m), Obj::Str(n)) = (module, name) else {
                        return Err(self.err("names a global with something not a string"));
                    };
                    let g = self.global(&m, &n)?;
                    self.push(Obj::Global(g))?
                }
                b'c' => {
                    let mut line = || -> Result<String> {
                        let rest = &self.b[self.pos..];
                        let end = rest
                            .iter()
                            .position(|&c| c == b'\n')
                            .ok_or_else(|| self.err("a global's name has no end"))?;
                        let s = std::str::from_utf8(&rest[..end])
                            .map_err(|_| self.err("a global's name is not UTF-8"))?
                            .to_string();
                        self.pos += end + 1;
                        Ok(s)
                    };
                    let m = line()?;
                    let n = line()?;
                    let g = self.global(&m, &n)?;
                    self.push(Obj::Global(g))?
                }
                b'R' => {
                    let args = self.pop()?;
                    let f = self.pop()?;
                    let o = self.reduce(f, args)?;
                    // An array's values, decoded from its bytes.
                    self.charge(values_weight(&o))?;
                    self.push(o)?
                }
                b'b' => {
                    let state = self.pop()?;
                    let o = self.pop()?;
                    let o = self.build(o, state)?;
                    self.charge(values_weight(&o))?;
                    self.push(o)?
                }
                0x94 => {
                    let idx = self.memo.len();
                    self.memo_put(idx)?
                }
                b'q' => {
                    let i = self.uint(1)? as usize;
                    self.memo_put(i)?
                }
                b'r' => {
                    let i = self.uint(4)? as usize;
                    self.memo_put(i)?
                }
                b'h' => {
                    let i = self.uint(1)? as usize;
                    self.memo_get(i)?
                }
                b'j' => {
                    let i = self.uint(4)? as usize;
                    self.memo_get(i)?
                }
                b'0' => {
                    self.stack.pop();
                }
                b'1' => {
                    self.pop_mark()?;
                }
                _ => {
                    self.pos -= 1;
                    return Err(self.err(format!(
                        "opcode 0x{op:02x} is not one of a pickle of arrays in lists and tuples"
                    )));
                }
            }
        }
    }
}

/// The bytes of an array's values and shape (0 for anything else).
fn values_weight(o: &Obj) -> usize {
    match o {
        Obj::Value(p) => match &**p {
            Pickled::Array { shape, data, .. } => 8 * shape.len() + 4 * data.len(),
            _ => 0,
        },
        _ => 0,
    }
}

impl Machine<'_> {
    /// The value `o` stands for, every node charged as it is made: a tuple or array
    /// recalled many times becomes that many copies, and nesting is bounded.
    fn value(&mut self, o: &Obj, depth: usize) -> Result<Pickled> {
        if depth > MAX_DEPTH {
            return Err(Error::format(
                self.path,
                "(pickle)",
                format!("nests lists and tuples more than {MAX_DEPTH} deep"),
            ));
        }
        self.charge(std::mem::size_of::<Pickled>())?;
        self.made += match o {
            Obj::Value(_) => ARRAY_CONTAINERS,
            _ => 1,
        };
        if self.made > MAX_CONTAINERS {
            return Err(Error::format(
                self.path,
                "(pickle)",
                format!(
                    "holds more than {MAX_CONTAINERS} lists and tuples (an array counting as \
                     {ARRAY_CONTAINERS}); an optimiser state holds a few"
                ),
            ));
        }
        let items = |m: &mut Self, v: &[Obj]| -> Result<Vec<Pickled>> {
            v.iter().map(|i| m.value(i, depth + 1)).collect()
        };
        match o {
            Obj::Value(v) => {
                self.charge(values_weight(o))?;
                Ok((**v).clone())
            }
            Obj::List(v) => Ok(Pickled::List(items(self, v)?)),
            Obj::Tuple(v) => Ok(Pickled::Tuple(items(self, v)?)),
            Obj::Float | Obj::Int(_) | Obj::Bool(_) | Obj::None | Obj::Str(_) | Obj::Dict(_) => {
                Err(Error::format(
                    self.path,
                    "(pickle)",
                    "holds a value that is not an array, list or tuple",
                ))
            }
            _ => Err(Error::format(
                self.path,
                "(pickle)",
                "holds an incomplete object",
            )),
        }
    }
}

/// Parses a pickle (`path` names it in errors), making at most four times its length
/// (plus 1 MiB) in objects: a pickle of arrays makes about three.
pub fn parse(bytes: &[u8], path: &str) -> Result<Pickled> {
    parse_within(
        bytes,
        path,
        bytes.len().saturating_mul(4).saturating_add(1 << 20),
    )
}

/// Parses a pickle, refusing it as soon as the objects it makes or copies pass
/// `budget` bytes.
pub fn parse_within(bytes: &[u8], path: &str, budget: usize) -> Result<Pickled> {
    let mut m = Machine {
        b: bytes,
        pos: 0,
        path,
        stack: Vec::new(),
        memo: Vec::new(),
        containers: 0,
        built: 0,
        budget,
        made: 0,
    };
    let o = m.run()?;
    if m.pos != bytes.len() {
        return Err(m.err("continues after its end (STOP)"));
    }
    // The machine's objects are dropped before the value is made.
    m.stack.clear();
    m.memo.clear();
    m.value(&o, 0)
}

/// Python's framer for protocol 4: opcodes gather in a frame that is written, with a
/// `FRAME` header once 4 bytes or more, when it reaches 64 KiB at the start of an
/// object, before a large bytes object (written outside frames) and at the end.
struct Writer {
    out: Vec<u8>,
    frame: Vec<u8>,
    memo: Vec<String>,
}

const FRAME_TARGET: usize = 64 * 1024;

impl Writer {
    fn commit(&mut self, force: bool) {
        if self.frame.len() >= FRAME_TARGET || force {
            if self.frame.len() >= 4 {
                self.out.push(0x95);
                self.out
                    .extend_from_slice(&(self.frame.len() as u64).to_le_bytes());
            }
            self.out.append(&mut self.frame);
        }
    }

    /// The start of one object's save.
    fn save(&mut self) {
        self.commit(false);
    }

    fn w(&mut self, b: &[u8]) {
        self.frame.extend_from_slice(b);
    }

    /// `MEMOIZE`, remembering the object under `id`.
    fn memoize(&mut self, id: String) {
        self.w(&[0x94]);
        self.memo.push(id);
    }

    /// `BINGET` of a remembered object; false if it is not remembered.
    fn get(&mut self, id: &str) -> bool {
        match self.memo.iter().position(|m| m == id) {
            Some(i) if i < 256 => {
                self.w(&[b'h', i as u8]);
                true
            }
            Some(i) => {
                self.w(b"j");
                self.w(&(i as u32).to_le_bytes());
                true
            }
            None => false,
        }
    }

    /// A string (interned in Python, so remembered by its text).
    fn str(&mut self, s: &str) {
        self.save();
        let id = format!("s:{s}");
        if self.get(&id) {
            return;
        }
        if s.len() < 256 {
            self.w(&[0x8c, s.len() as u8]);
        } else {
            self.w(b"X");
            self.w(&(s.len() as u32).to_le_bytes());
        }
        self.w(s.as_bytes());
        self.memoize(id);
    }

    fn int(&mut self, v: i64) {
        self.save();
        if (0..256).contains(&v) {
            self.w(&[b'K', v as u8]);
        } else if (0..65536).contains(&v) {
            self.w(b"M");
            self.w(&(v as u16).to_le_bytes());
        } else if i32::try_from(v).is_ok() {
            self.w(b"J");
            self.w(&(v as i32).to_le_bytes());
        } else {
            self.w(&[0x8a, 8]);
            self.w(&v.to_le_bytes());
        }
    }

    fn boolean(&mut self, b: bool) {
        self.save();
        self.w(&[if b { 0x88 } else { 0x89 }]);
    }

    fn global(&mut self, module: &str, name: &str) {
        self.save();
        let id = format!("g:{module}.{name}");
        if self.get(&id) {
            return;
        }
        self.str(module);
        self.str(name);
        self.w(&[0x93]);
        self.memoize(id);
    }

    /// A bytes object; `shared` ones (Python constants) are remembered by content.
    fn bytes(&mut self, b: &[u8], id: Option<String>) {
        self.save();
        if let Some(id) = &id {
            if self.get(id) {
                return;
            }
        }
        let n = b.len();
        let header: Vec<u8> = if n < 256 {
            vec![b'C', n as u8]
        } else if u32::try_from(n).is_ok() {
            let mut h = vec![b'B'];
            h.extend_from_slice(&(n as u32).to_le_bytes());
            h
        } else {
            let mut h = vec![0x8e];
            h.extend_from_slice(&(n as u64).to_le_bytes());
            h
        };
        if n >= FRAME_TARGET {
            self.commit(true);
            self.out.extend_from_slice(&header);
            self.out.extend_from_slice(b);
        } else {
            self.w(&header);
            self.w(b);
        }
        let fresh = format!("bytes#{}", self.memo.len());
        self.memoize(id.unwrap_or(fresh));
    }

    /// A tuple of items written by `items`: TUPLE1..3, else MARK ... TUPLE; the empty
    /// tuple is a constant (not remembered).
    fn tuple(&mut self, n: usize, items: impl FnOnce(&mut Writer)) {
        self.save();
        if n == 0 {
            self.w(b")");
            return;
        }
        if n > 3 {
            self.w(b"(");
        }
        items(self);
        self.w(&[match n {
            1 => 0x85,
            2 => 0x86,
            3 => 0x87,
            _ => b't',
        }]);
        let id = format!("tuple#{}", self.memo.len());
        self.memoize(id);
    }

    fn dtype_f4(&mut self) {
        self.save();
        if self.get("dtype:f4") {
            return;
        }
        self.global("numpy", "dtype");
        self.tuple(3, |w| {
            w.str("f4");
            w.boolean(false);
            w.boolean(true);
        });
        self.w(b"R");
        self.memoize("dtype:f4".into());
        self.tuple(8, |w| {
            w.int(3);
            w.str("<");
            for _ in 0..3 {
                w.save();
                w.w(b"N");
            }
            w.int(-1);
            w.int(-1);
            w.int(0);
        });
        self.w(b"b");
    }

    fn array(&mut self, shape: &[usize], data: &[f32], weak_type: bool) {
        self.save();
        self.global("jax._src.array", "_reconstruct_array");
        self.tuple(4, |w| {
            w.global("numpy._core.multiarray", "_reconstruct");
            w.tuple(3, |w| {
                w.global("numpy", "ndarray");
                w.tuple(1, |w| w.int(0));
                w.bytes(b"b", Some("bytes:b".into()));
            });
            w.tuple(5, |w| {
                w.int(1);
                w.tuple(shape.len(), |w| {
                    for &d in shape {
                        w.int(d as i64);
                    }
                });
                w.dtype_f4();
                w.boolean(false);
                let raw: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
                w.bytes(&raw, None);
            });
            w.save();
            w.w(b"}");
            let id = format!("dict#{}", w.memo.len());
            w.memoize(id);
            w.str("weak_type");
            w.boolean(weak_type);
            w.w(b"s");
        });
        self.w(b"R");
        let id = format!("array#{}", self.memo.len());
        self.memoize(id);
    }

    fn value(&mut self, v: &Pickled) {
        match v {
            Pickled::Array {
                shape,
                data,
                weak_type,
            } => self.array(shape, data, *weak_type),
            Pickled::Tuple(items) => self.tuple(items.len(), |w| {
                for i in items {
                    w.value(i);
                }
            }),
            Pickled::List(items) => {
                self.save();
                self.w(b"]");
                let id = format!("list#{}", self.memo.len());
                self.memoize(id);
                for batch in items.chunks(1000) {
                    if let [one] = batch {
                        self.value(one);
                        self.w(b"a");
                    } else {
                        self.w(b"(");
                        for i in batch {
                            self.value(i);
                        }
                        self.w(b"e");
                    }
                }
            }
        }
    }
}

/// The bytes of `pickle.dumps(v, protocol=4)` for `v` as JAX arrays in lists and tuples.
pub fn to_bytes(v: &Pickled) -> Vec<u8> {
    let mut w = Writer {
        out: vec![0x80, 4],
        frame: Vec::new(),
        memo: Vec::new(),
    };
    w.value(v);
    w.w(b".");
    w.commit(true);
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let v = Pickled::Tuple(vec![
            Pickled::List(vec![Pickled::Array {
                shape: vec![2, 3],
                data: vec![1.0, -2.0, 3.5, 0.0, 5.0, 6.0],
                weak_type: false,
            }]),
            Pickled::List(vec![]),
            Pickled::scalar(4.0, true),
        ]);
        assert_eq!(parse(&to_bytes(&v), "t").unwrap(), v);
    }

    #[test]
    fn a_large_array_is_written_outside_frames_and_reads_back() {
        let n = 200 * 100;
        let v = Pickled::List(vec![
            Pickled::Array {
                shape: vec![200, 100],
                data: (0..n).map(|i| i as f32).collect(),
                weak_type: false,
            },
            Pickled::scalar(1.0, true),
        ]);
        assert_eq!(parse(&to_bytes(&v), "t").unwrap(), v);
    }

    #[test]
    fn code_and_unknown_globals_are_refused() {
        // pickle.dumps(os.system) in protocol 4 names `posix.system`.
        let evil = b"\x80\x04\x95\x17\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94.";
        let e = parse(evil, "evil.pkl").unwrap_err().to_string();
        assert!(e.contains("posix.system") && e.contains("evil.pkl"), "{e}");
        // A reduce of the known global with other arguments.
        let mut b = to_bytes(&Pickled::scalar(1.0, true));
        let pos = b.windows(2).position(|w| w == b"C\x01").unwrap();
        b[pos + 2] = b'x';
        assert!(parse(&b, "x.pkl").is_err());
    }

    #[test]
    fn copies_of_copies_and_deep_nesting_are_refused() {
        // `)` then, repeated: the last object twice, paired, remembered.
        let mut b = vec![0x80, 4, b')', 0x94];
        for i in 0..200u8 {
            b.extend_from_slice(&[b'h', i, b'h', i, 0x86, 0x94]);
        }
        b.push(b'.');
        let e = parse(&b, "bomb.pkl").unwrap_err().to_string();
        assert!(e.contains("bomb.pkl"), "{e}");
        // One-item tuples nested 100,000 deep.
        let mut b = vec![0x80, 4, b'N'];
        b.extend(std::iter::repeat_n(0x85, 100_000));
        b.push(b'.');
        let e = parse(&b, "deep.pkl").unwrap_err().to_string();
        assert!(e.contains("deep.pkl"), "{e}");
        // Lists nested as deep as the container limit allows: refused, and the
        // reader's own walks and drops of them do not overflow the stack.
        let mut b = vec![0x80, 4];
        b.extend(std::iter::repeat_n(b']', MAX_CONTAINERS));
        b.extend(std::iter::repeat_n(b'a', MAX_CONTAINERS - 1));
        b.extend_from_slice(&[0x94, b'h', 0, b'0', b'.']);
        let e = parse(&b, "deep.pkl").unwrap_err().to_string();
        assert!(e.contains("256 deep"), "{e}");
    }

    /// A list of 4,095 `None`s stored in the memo once, then recalled `n` times.
    fn recalled_list(n: usize) -> Vec<u8> {
        let mut b = vec![0x80, 4, b']', b'('];
        b.extend(std::iter::repeat_n(b'N', MAX_STACK - 2));
        b.extend_from_slice(&[b'e', 0x94, b']', b'(']);
        for _ in 0..n {
            b.extend_from_slice(&[b'h', 0]);
        }
        b.extend_from_slice(b"e.");
        b
    }

    #[test]
    fn recalling_a_stored_list_is_bounded_by_bytes_not_nodes() {
        // 2 MB of recalls would make 4 * 10^9 nodes; refused within the budget.
        let b = recalled_list(1 << 20);
        let t = std::time::Instant::now();
        let e = parse(&b, "memo.pkl").unwrap_err().to_string();
        assert!(
            e.contains("memo.pkl") && e.contains("bytes of objects"),
            "{e}"
        );
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
        // The budget is what the caller allows: a few recalls fit a small one, many do
        // not (then `value` refuses the Nones themselves, as not arrays).
        let few = recalled_list(2);
        let e = parse_within(&few, "few.pkl", 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an array"), "{e}");
        let e = parse_within(&few, "few.pkl", 100_000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than 100000 bytes of objects"), "{e}");
        // A memo index far out is charged for the table it makes.
        let far = [0x80, 4, b'N', b'r', 0xff, 0xff, 0, 0, b'.'];
        let e = parse_within(&far, "far.pkl", 100_000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bytes of objects"), "{e}");
        // A list appended to its own recalled copies nests without new containers.
        let mut b = vec![0x80, 4, b']', 0x94];
        for _ in 0..MAX_DEPTH + 2 {
            b.extend_from_slice(&[b']', b'h', 0, b'a', b'q', 0]);
        }
        b.push(b'.');
        // (Under a budget large enough not to refuse its quadratic copies first.)
        let e = parse_within(&b, "self.pkl", 1 << 30)
            .unwrap_err()
            .to_string();
        assert!(e.contains("256 deep"), "{e}");
    }

    #[test]
    fn nested_containers_the_writer_writes_read_back() {
        // Each level one container, as deep as the reader allows.
        let mut lists = Pickled::List(vec![]);
        let mut tuples = Pickled::Tuple(vec![]);
        for _ in 0..MAX_DEPTH {
            lists = Pickled::List(vec![lists]);
            tuples = Pickled::Tuple(vec![tuples]);
        }
        assert_eq!(parse(&to_bytes(&lists), "t").unwrap(), lists);
        assert_eq!(parse(&to_bytes(&tuples), "t").unwrap(), tuples);
        let mixed = Pickled::Tuple(vec![
            Pickled::List(vec![Pickled::Tuple(vec![]), Pickled::scalar(1.0, false)]),
            Pickled::Tuple(vec![Pickled::List(vec![]); 5]),
        ]);
        assert_eq!(parse(&to_bytes(&mixed), "t").unwrap(), mixed);
        // An array takes at most 10 of the reader's containers (its reconstruction's
        // tuples and dict), so a list of 102 arrays fits in the limit.
        let arrays = Pickled::List(vec![Pickled::scalar(2.0, true); 102]);
        assert_eq!(parse(&to_bytes(&arrays), "t").unwrap(), arrays);
        // One level more is refused, naming the limit.
        let e = parse(&to_bytes(&Pickled::List(vec![lists])), "deep.pkl")
            .unwrap_err()
            .to_string();
        assert!(e.contains("deep.pkl") && e.contains("256 deep"), "{e}");
    }

    #[test]
    fn a_tuple_recalled_many_times_is_counted_for_every_copy() {
        // T0 = (); T(k+1) = (Tk, Tk), each stored and recalled: 2^60 nodes described
        // in a few hundred bytes, refused within the budget.
        let mut b = vec![0x80, 4, b')', 0x94];
        for i in 0..60u8 {
            b.extend_from_slice(&[b'h', i, b'h', i, 0x86, 0x94]);
        }
        b.push(b'.');
        let t = std::time::Instant::now();
        let e = parse(&b, "dag.pkl").unwrap_err().to_string();
        assert!(
            e.contains("dag.pkl") && e.contains("lists and tuples"),
            "{e}"
        );
        assert!(t.elapsed().as_secs() < 5, "{:?}", t.elapsed());
    }

    /// A list of `n` copies of a stored list of two empty lists.
    fn recalled_pairs(n: usize) -> Vec<u8> {
        let mut b = vec![0x80, 4, b']', b']', b'a', b']', b'a', 0x94, b']'];
        for _ in 0..n {
            b.extend_from_slice(&[b'h', 0, b'a']);
        }
        b.push(b'.');
        b
    }

    #[test]
    fn a_value_read_is_written_and_read_back_even_when_recalls_multiply_its_lists() {
        // Recalls make containers the file does not spell out (3 a copy here): written
        // out, they are spelt, and the reader reads them back up to its limit.
        let v = parse(&recalled_pairs(100), "t").unwrap();
        assert_eq!(parse(&to_bytes(&v), "again").unwrap(), v);
        // Past it (1 + 3 * 400 containers), refused as read, not only as written.
        let e = parse(&recalled_pairs(400), "t").unwrap_err().to_string();
        assert!(e.contains("lists and tuples"), "{e}");
        // The input the fuzzer found: refused as read.
        let found: &[u8] =
            b"\x5d\x5d\x5d\x5d\x5d\x85\x61\x5d\x5d\x5d\x5d\x5d\x5d\x5d\x5d\x5d\x5d\x5d\x85\x61\
              \x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\
              \x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\
              \x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\
              \x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\
              \x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\
              \x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\
              \x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x61\x61\x5d\x61\x61\x71\x68\x68\
              \x68\x68\x68\x68\x68\x5d\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x85\x61\
              \x61\x5d\x61\x61\x71\x68\x68\x68\x68\x68\x68\x68\x5d\x85\x85\x85\x85\x85\x85\x85\
              \x85\x61\x61\x85\x61\x61\x5d\x85\x61\x5d\x61\x61\x71\x5d\x85\x61\x61\x5d\x61\x61\
              \x71\x6a\x2e";
        let e = parse(found, "t").unwrap_err().to_string();
        assert!(e.contains("lists and tuples"), "{e}");
        // A state of 102 arrays still reads (and reads back).
        let arrays = Pickled::List(vec![Pickled::scalar(2.0, true); 102]);
        let back = parse(&to_bytes(&arrays), "t").unwrap();
        assert_eq!(parse(&to_bytes(&back), "t").unwrap(), arrays);
    }

    #[test]
    fn truncated_and_malformed_files_are_errors() {
        let b = to_bytes(&Pickled::List(vec![Pickled::scalar(1.0, true)]));
        for n in 0..b.len() {
            assert!(parse(&b[..n], "t.pkl").is_err(), "prefix {n}");
        }
        let mut long = b.clone();
        long.push(b'.');
        assert!(parse(&long, "t.pkl").is_err());
        assert!(parse(b"\x80\x04\xff", "t.pkl").is_err());
    }
}
