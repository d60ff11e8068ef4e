//! The Python a component's methods are written in, read into a syntax tree: the
//! subset the translator takes (expressions, assignments, `if`, `return`, helper
//! `def`s), with anything else reported as the construct it is, at its line.
//!
//! The grammar is Python 3's for these forms: indentation blocks, bracketed
//! continuation lines, `\` continuations, comments, decorators (read and dropped),
//! docstrings (dropped), numbers in every decimal form, strings.

use std::fmt;

/// Where a construct is, as Python numbers lines (from the `first_line` given).
pub type Line = usize;

/// What the translator cannot take or what is wrong, at a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// A construct outside the translated subset (the method still runs, in Python).
    Unsupported {
        /// Its line.
        line: Line,
        /// The construct, as the source names it (`for loop`, `jnp.cumsum`).
        construct: String,
    },
    /// An error the method itself has (a shape mismatch, an unknown name).
    Invalid {
        /// Its line.
        line: Line,
        /// What is wrong.
        message: String,
    },
}

impl Problem {
    pub(crate) fn unsupported(line: Line, construct: impl Into<String>) -> Problem {
        Problem::Unsupported {
            line,
            construct: construct.into(),
        }
    }
    pub(crate) fn invalid(line: Line, message: impl Into<String>) -> Problem {
        Problem::Invalid {
            line,
            message: message.into(),
        }
    }
    /// Its line.
    pub fn line(&self) -> Line {
        match self {
            Problem::Unsupported { line, .. } | Problem::Invalid { line, .. } => *line,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unsupported { line, construct } => {
                write!(f, "line {line}: `{construct}` is not translated")
            }
            Problem::Invalid { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

type PResult<T> = std::result::Result<T, Problem>;

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `@`
    MatMul,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
}

/// Comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `is`
    Is,
    /// `is not`
    IsNot,
}

/// An expression and its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Its line.
    pub line: Line,
    /// What it is.
    pub kind: ExprKind,
}

/// One subscript index.
#[derive(Debug, Clone, PartialEq)]
pub enum Index {
    /// `i`
    At(Expr),
    /// `a:b` (either may be absent; no step)
    Slice(Option<Expr>, Option<Expr>),
}

/// The forms of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A number; `true` for an integer literal.
    Num(f64, bool),
    /// A string literal.
    Str(String),
    /// `True`/`False`.
    Bool(bool),
    /// `None`.
    NoneLit,
    /// A name.
    Name(String),
    /// `value.attr`
    Attr(Box<Expr>, String),
    /// `f(args, k=v)`
    Call(Box<Expr>, Vec<Expr>, Vec<(String, Expr)>),
    /// `value[indices]`
    Subscript(Box<Expr>, Vec<Index>),
    /// `-x`, `+x`, `~x`
    Neg(Box<Expr>),
    /// `+x`
    Pos(Box<Expr>),
    /// `~x`
    Invert(Box<Expr>),
    /// `not x`
    Not(Box<Expr>),
    /// `a op b`
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `body if test else orelse`
    IfExp(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `(a, b)`
    Tuple(Vec<Expr>),
    /// `[a, b]`
    List(Vec<Expr>),
}

/// An assignment target.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// `x = ...`
    Name(String),
    /// `a, b = ...`
    Tuple(Vec<Target>),
}

/// A statement and its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// Its line.
    pub line: Line,
    /// What it is.
    pub kind: StmtKind,
}

/// The forms of statement.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `a = b = value`
    Assign(Vec<Target>, Expr),
    /// `x += value`
    AugAssign(String, BinOp, Expr),
    /// An expression (a call such as `self.v.set(v)`).
    Expr(Expr),
    /// `if test: body else: orelse` (`elif` nests).
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// `return value`
    Return(Option<Expr>),
    /// `pass`
    Pass,
    /// A nested function.
    Def(FuncDef),
}

/// A function: a method or a helper.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncDef {
    /// Its name.
    pub name: String,
    /// Its parameters (with `self` for a method), each with its default.
    pub params: Vec<(String, Option<Expr>)>,
    /// Its decorators' names (`compilable`, `staticmethod`).
    pub decorators: Vec<String>,
    /// Its body.
    pub body: Vec<Stmt>,
    /// Its line.
    pub line: Line,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Num(f64, bool),
    Str(String),
    Op(&'static str),
    Newline,
    Indent,
    Dedent,
    End,
}

const OPS: [&str; 47] = [
    "**=", "//=", ">>=", "<<=", "...", "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=",
    "%=", "@=", "&=", "|=", "^=", "->", ":=", "<<", ">>", "+", "-", "*", "/", "%", "@", "<", ">",
    "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "&", "|", "^", "~",
];

fn lex(src: &str, first_line: Line) -> PResult<Vec<(Tok, Line)>> {
    let mut out = Vec::new();
    let mut indents = vec![0usize];
    let mut depth = 0usize;
    let mut line = first_line;
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let mut at_line_start = true;
    while i < chars.len() {
        if at_line_start && depth == 0 {
            // Measure the indentation; skip blank and comment-only lines.
            let mut col = 0;
            let mut j = i;
            while j < chars.len() && (chars[j] == ' ' || chars[j] == '\t') {
                col += if chars[j] == '\t' { 8 - col % 8 } else { 1 };
                j += 1;
            }
            if j >= chars.len() {
                break;
            }
            if chars[j] == '\n' || chars[j] == '#' || chars[j] == '\r' {
                while j < chars.len() && chars[j] != '\n' {
                    j += 1;
                }
                i = j + 1;
                line += 1;
                continue;
            }
            i = j;
            at_line_start = false;
            let top = *indents.last().unwrap_or(&0);
            if col > top {
                indents.push(col);
                out.push((Tok::Indent, line));
            } else {
                while col < *indents.last().unwrap_or(&0) {
                    indents.pop();
                    out.push((Tok::Dedent, line));
                }
                if col != *indents.last().unwrap_or(&0) {
                    return Err(Problem::invalid(line, "inconsistent indentation"));
                }
            }
            continue;
        }
        let c = chars[i];
        match c {
            '\n' => {
                if depth == 0 {
                    out.push((Tok::Newline, line));
                    at_line_start = true;
                }
                line += 1;
                i += 1;
            }
            ' ' | '\t' | '\r' | '\x0c' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                i += 2;
                line += 1;
            }
            '0'..='9' => {
                let (tok, n) = number(&chars[i..], line)?;
                out.push((tok, line));
                i += n;
            }
            '.' if chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) => {
                let (tok, n) = number(&chars[i..], line)?;
                out.push((tok, line));
                i += n;
            }
            '"' | '\'' => {
                let (s, n, lines) = string(&chars[i..], line)?;
                out.push((Tok::Str(s), line));
                line += lines;
                i += n;
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                // String prefixes.
                if j < chars.len()
                    && (chars[j] == '"' || chars[j] == '\'')
                    && matches!(
                        word.to_ascii_lowercase().as_str(),
                        "r" | "b" | "u" | "f" | "rb" | "br" | "fr" | "rf"
                    )
                {
                    if word.to_ascii_lowercase().contains('f') {
                        return Err(Problem::unsupported(line, "f-string"));
                    }
                    let (s, n, lines) = string(&chars[j..], line)?;
                    out.push((Tok::Str(s), line));
                    line += lines;
                    i = j + n;
                    continue;
                }
                out.push((Tok::Name(word), line));
                i = j;
            }
            _ => {
                let rest: String = chars[i..chars.len().min(i + 3)].iter().collect();
                let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
                    return Err(Problem::invalid(
                        line,
                        format!("unexpected character {c:?}"),
                    ));
                };
                match *op {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                out.push((Tok::Op(op), line));
                i += op.len();
            }
        }
    }
    out.push((Tok::Newline, line));
    while indents.len() > 1 {
        indents.pop();
        out.push((Tok::Dedent, line));
    }
    out.push((Tok::End, line));
    Ok(out)
}

fn number(c: &[char], line: Line) -> PResult<(Tok, usize)> {
    let mut j = 0;
    let mut is_int = true;
    if c.len() > 1 && c[0] == '0' && matches!(c[1], 'x' | 'X' | 'o' | 'O' | 'b' | 'B') {
        let radix = match c[1] {
            'x' | 'X' => 16,
            'o' | 'O' => 8,
            _ => 2,
        };
        j = 2;
        while j < c.len() && (c[j].is_ascii_alphanumeric() || c[j] == '_') {
            j += 1;
        }
        let digits: String = c[2..j].iter().filter(|d| **d != '_').collect();
        let v = i64::from_str_radix(&digits, radix)
            .map_err(|_| Problem::invalid(line, "invalid number"))?;
        return Ok((Tok::Num(v as f64, true), j));
    }
    while j < c.len() && (c[j].is_ascii_digit() || c[j] == '_') {
        j += 1;
    }
    if j < c.len() && c[j] == '.' {
        is_int = false;
        j += 1;
        while j < c.len() && (c[j].is_ascii_digit() || c[j] == '_') {
            j += 1;
        }
    }
    if j < c.len() && (c[j] == 'e' || c[j] == 'E') {
        let mut k = j + 1;
        if k < c.len() && (c[k] == '+' || c[k] == '-') {
            k += 1;
        }
        if k < c.len() && c[k].is_ascii_digit() {
            is_int = false;
            j = k;
            while j < c.len() && c[j].is_ascii_digit() {
                j += 1;
            }
        }
    }
    if j < c.len() && (c[j] == 'j' || c[j] == 'J') {
        return Err(Problem::unsupported(line, "complex number"));
    }
    let text: String = c[..j].iter().filter(|d| **d != '_').collect();
    let v: f64 = text
        .parse()
        .map_err(|_| Problem::invalid(line, format!("invalid number {text}")))?;
    Ok((Tok::Num(v, is_int), j))
}

fn string(c: &[char], line: Line) -> PResult<(String, usize, usize)> {
    let q = c[0];
    let triple = c.len() >= 3 && c[1] == q && c[2] == q;
    let mut j = if triple { 3 } else { 1 };
    let mut s = String::new();
    let mut lines = 0;
    loop {
        if j >= c.len() {
            return Err(Problem::invalid(line, "unterminated string"));
        }
        if triple {
            if j + 2 < c.len() && c[j] == q && c[j + 1] == q && c[j + 2] == q {
                return Ok((s, j + 3, lines));
            }
        } else if c[j] == q {
            return Ok((s, j + 1, lines));
        } else if c[j] == '\n' {
            return Err(Problem::invalid(line, "unterminated string"));
        }
        if c[j] == '\\' && j + 1 < c.len() {
            s.push(c[j + 1]);
            if c[j + 1] == '\n' {
                lines += 1;
            }
            j += 2;
            continue;
        }
        if c[j] == '\n' {
            lines += 1;
        }
        s.push(c[j]);
        j += 1;
    }
}

/// Reads Python source: a module of `def`s (methods and helpers), decorators
/// included. `first_line` is the line number of the source's first line.
pub fn parse_module(src: &str, first_line: Line) -> PResult<Vec<FuncDef>> {
    let toks = lex(src, first_line)?;
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let mut defs = Vec::new();
    loop {
        p.skip_newlines();
        if p.peek() == &Tok::End {
            break;
        }
        let stmt = p.statement()?;
        match stmt.kind {
            StmtKind::Def(d) => defs.push(d),
            StmtKind::Expr(Expr {
                kind: ExprKind::Str(_),
                ..
            })
            | StmtKind::Pass => {}
            _ => {
                return Err(Problem::invalid(
                    stmt.line,
                    "a method's source holds `def`s only",
                ))
            }
        }
    }
    Ok(defs)
}

/// Reads statements (a model file's method body).
pub fn parse_block(src: &str, first_line: Line) -> PResult<Vec<Stmt>> {
    let toks = lex(src, first_line)?;
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let mut out = Vec::new();
    loop {
        p.skip_newlines();
        if p.peek() == &Tok::End {
            break;
        }
        if p.peek() == &Tok::Indent {
            return Err(Problem::invalid(p.line(), "unexpected indentation"));
        }
        out.push(p.statement()?);
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, Line)>,
    at: usize,
    /// How deeply the expression or block being read is nested.
    depth: usize,
}

/// The deepest nesting read (Python's own parser stops near 200): deeper source is
/// refused rather than read by ever deeper recursion.
const MAX_DEPTH: usize = 100;

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at.min(self.toks.len() - 1)].0
    }
    fn peek2(&self) -> &Tok {
        &self.toks[(self.at + 1).min(self.toks.len() - 1)].0
    }
    fn line(&self) -> Line {
        self.toks[self.at.min(self.toks.len() - 1)].1
    }
    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.at < self.toks.len() - 1 {
            self.at += 1;
        }
        t
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }
    fn is_name(&self, name: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == name)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.next();
            true
        } else {
            false
        }
    }
    fn expect_op(&mut self, op: &str) -> PResult<()> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{op}`")))
        }
    }
    fn unexpected(&self, wanted: &str) -> Problem {
        let found = match self.peek() {
            Tok::Name(n) => format!("`{n}`"),
            Tok::Num(v, _) => format!("{v}"),
            Tok::Str(_) => "a string".into(),
            Tok::Op(o) => format!("`{o}`"),
            Tok::Newline => "the end of the line".into(),
            Tok::Indent => "an indented block".into(),
            Tok::Dedent | Tok::End => "the end of the block".into(),
        };
        Problem::invalid(self.line(), format!("expected {wanted}, found {found}"))
    }
    fn skip_newlines(&mut self) {
        loop {
            if matches!(self.peek(), Tok::Newline) {
                self.next();
            } else if !self.eat_op(";") {
                break;
            }
        }
    }
    fn name(&mut self) -> PResult<String> {
        match self.next() {
            Tok::Name(n) => Ok(n),
            _ => {
                self.at -= 1;
                Err(self.unexpected("a name"))
            }
        }
    }

    fn block(&mut self) -> PResult<Vec<Stmt>> {
        self.nested(|p| p.block_inner())
    }

    /// Runs `f` one level deeper, refusing nesting past [`MAX_DEPTH`].
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_DEPTH {
            return Err(Problem::unsupported(
                self.line(),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    fn block_inner(&mut self) -> PResult<Vec<Stmt>> {
        self.expect_op(":")?;
        if !matches!(self.peek(), Tok::Newline) {
            // `if x: y = 1` on one line.
            let s = self.simple_statement()?;
            return Ok(vec![s]);
        }
        self.next();
        self.skip_newlines();
        if self.next() != Tok::Indent {
            self.at -= 1;
            return Err(self.unexpected("an indented block"));
        }
        let mut body = Vec::new();
        loop {
            self.skip_newlines();
            match self.peek() {
                Tok::Dedent => {
                    self.next();
                    break;
                }
                Tok::End => break,
                _ => body.push(self.statement()?),
            }
        }
        Ok(body)
    }

    fn statement(&mut self) -> PResult<Stmt> {
        let line = self.line();
        let mut decorators = Vec::new();
        while self.eat_op("@") {
            let e = self.expr()?;
            decorators.push(dotted(&e).unwrap_or_default());
            self.skip_newlines();
        }
        if let Tok::Name(word) = self.peek().clone() {
            match word.as_str() {
                "def" => {
                    self.next();
                    let name = self.name()?;
                    self.expect_op("(")?;
                    let mut params = Vec::new();
                    while !self.is_op(")") {
                        if self.is_op("*") || self.is_op("**") || self.is_op("/") {
                            return Err(Problem::unsupported(
                                line,
                                "`*args`/`**kwargs` parameters",
                            ));
                        }
                        let p = self.name()?;
                        if self.eat_op(":") {
                            self.expr()?; // annotation
                        }
                        let default = if self.eat_op("=") {
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        params.push((p, default));
                        if !self.eat_op(",") {
                            break;
                        }
                    }
                    self.expect_op(")")?;
                    if self.eat_op("->") {
                        self.expr()?;
                    }
                    let body = self.block()?;
                    return Ok(Stmt {
                        line,
                        kind: StmtKind::Def(FuncDef {
                            name,
                            params,
                            decorators,
                            body,
                            line,
                        }),
                    });
                }
                "if" => {
                    self.next();
                    return self.if_rest(line);
                }
                "for" | "while" | "with" | "try" | "class" | "async" => {
                    let what = match word.as_str() {
                        "for" => "for loop",
                        "while" => "while loop",
                        "with" => "with block",
                        "try" => "try block",
                        "class" => "class definition",
                        _ => "async statement",
                    };
                    return Err(Problem::unsupported(line, what));
                }
                _ => {}
            }
        }
        if !decorators.is_empty() {
            return Err(self.unexpected("`def` after a decorator"));
        }
        self.simple_statement()
    }

    fn if_rest(&mut self, line: Line) -> PResult<Stmt> {
        let test = self.expr()?;
        let body = self.block()?;
        self.skip_newlines();
        let orelse = if self.is_name("elif") {
            let l = self.line();
            self.next();
            vec![self.if_rest(l)?]
        } else if self.is_name("else") {
            self.next();
            self.block()?
        } else {
            Vec::new()
        };
        Ok(Stmt {
            line,
            kind: StmtKind::If(test, body, orelse),
        })
    }

    fn simple_statement(&mut self) -> PResult<Stmt> {
        let line = self.line();
        if let Tok::Name(word) = self.peek().clone() {
            let unsupported = match word.as_str() {
                "import" | "from" => Some("import"),
                "global" | "nonlocal" => Some("global/nonlocal"),
                "del" => Some("del"),
                "raise" => Some("raise"),
                "assert" => Some("assert"),
                "yield" => Some("yield"),
                "lambda" => Some("lambda"),
                "break" | "continue" => Some("break/continue"),
                _ => None,
            };
            if let Some(what) = unsupported {
                return Err(Problem::unsupported(line, what));
            }
            if word == "pass" {
                self.next();
                self.end_statement()?;
                return Ok(Stmt {
                    line,
                    kind: StmtKind::Pass,
                });
            }
            if word == "return" {
                self.next();
                let value = if matches!(self.peek(), Tok::Newline) || self.is_op(";") {
                    None
                } else {
                    Some(self.expr_list()?)
                };
                self.end_statement()?;
                return Ok(Stmt {
                    line,
                    kind: StmtKind::Return(value),
                });
            }
        }
        let first = self.expr_list()?;
        if self.is_op("=") {
            let mut targets = vec![target(&first)?];
            let mut value;
            loop {
                self.expect_op("=")?;
                value = self.expr_list()?;
                if self.is_op("=") {
                    targets.push(target(&value)?);
                } else {
                    break;
                }
            }
            self.end_statement()?;
            return Ok(Stmt {
                line,
                kind: StmtKind::Assign(targets, value),
            });
        }
        if self.eat_op(":") {
            // An annotated assignment: `x: float = 1.`
            self.expr()?;
            let t = target(&first)?;
            let value = if self.eat_op("=") {
                self.expr_list()?
            } else {
                return Err(Problem::unsupported(line, "a bare annotation"));
            };
            self.end_statement()?;
            return Ok(Stmt {
                line,
                kind: StmtKind::Assign(vec![t], value),
            });
        }
        for (op, bin) in [
            ("+=", BinOp::Add),
            ("-=", BinOp::Sub),
            ("*=", BinOp::Mul),
            ("/=", BinOp::Div),
            ("//=", BinOp::FloorDiv),
            ("%=", BinOp::Mod),
            ("**=", BinOp::Pow),
            ("@=", BinOp::MatMul),
        ] {
            if self.eat_op(op) {
                let value = self.expr_list()?;
                self.end_statement()?;
                let ExprKind::Name(n) = &first.kind else {
                    return Err(Problem::unsupported(
                        line,
                        "augmented assignment to an attribute or item",
                    ));
                };
                return Ok(Stmt {
                    line,
                    kind: StmtKind::AugAssign(n.clone(), bin, value),
                });
            }
        }
        if [">>=", "<<=", "&=", "|=", "^=", ":="]
            .iter()
            .any(|o| self.is_op(o))
        {
            return Err(Problem::unsupported(line, "this assignment operator"));
        }
        self.end_statement()?;
        Ok(Stmt {
            line,
            kind: StmtKind::Expr(first),
        })
    }

    fn end_statement(&mut self) -> PResult<()> {
        if self.eat_op(";") {
            return Ok(());
        }
        match self.peek() {
            Tok::Newline => {
                self.next();
                Ok(())
            }
            Tok::Dedent | Tok::End => Ok(()),
            _ => Err(self.unexpected("the end of the statement")),
        }
    }

    /// `a, b` (a tuple without brackets) or one expression.
    fn expr_list(&mut self) -> PResult<Expr> {
        let line = self.line();
        let first = self.expr()?;
        if !self.is_op(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat_op(",") {
            if self.at_expr_end() {
                break;
            }
            items.push(self.expr()?);
        }
        Ok(Expr {
            line,
            kind: ExprKind::Tuple(items),
        })
    }

    fn at_expr_end(&self) -> bool {
        matches!(self.peek(), Tok::Newline | Tok::Dedent | Tok::End)
            || [")", "]", "}", "=", ";", ":"].iter().any(|o| self.is_op(o))
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.nested(|p| p.expr_inner())
    }

    fn expr_inner(&mut self) -> PResult<Expr> {
        let line = self.line();
        if self.is_name("lambda") {
            return Err(Problem::unsupported(line, "lambda"));
        }
        let body = self.or_expr()?;
        if self.is_name("if") {
            self.next();
            let test = self.or_expr()?;
            if !self.is_name("else") {
                return Err(self.unexpected("`else`"));
            }
            self.next();
            let orelse = self.expr()?;
            return Ok(Expr {
                line,
                kind: ExprKind::IfExp(Box::new(test), Box::new(body), Box::new(orelse)),
            });
        }
        Ok(body)
    }

    fn or_expr(&mut self) -> PResult<Expr> {
        let mut a = self.and_expr()?;
        while self.is_name("or") {
            let line = self.line();
            self.next();
            let b = self.and_expr()?;
            a = Expr {
                line,
                kind: ExprKind::Or(Box::new(a), Box::new(b)),
            };
        }
        Ok(a)
    }

    fn and_expr(&mut self) -> PResult<Expr> {
        let mut a = self.not_expr()?;
        while self.is_name("and") {
            let line = self.line();
            self.next();
            let b = self.not_expr()?;
            a = Expr {
                line,
                kind: ExprKind::And(Box::new(a), Box::new(b)),
            };
        }
        Ok(a)
    }

    fn not_expr(&mut self) -> PResult<Expr> {
        self.nested(|p| p.not_inner())
    }

    fn not_inner(&mut self) -> PResult<Expr> {
        if self.is_name("not") {
            let line = self.line();
            self.next();
            let a = self.not_expr()?;
            return Ok(Expr {
                line,
                kind: ExprKind::Not(Box::new(a)),
            });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let line = self.line();
        let first = self.bitor()?;
        let mut rest = Vec::new();
        loop {
            let op = if self.eat_op("<") {
                CmpOp::Lt
            } else if self.eat_op("<=") {
                CmpOp::Le
            } else if self.eat_op(">") {
                CmpOp::Gt
            } else if self.eat_op(">=") {
                CmpOp::Ge
            } else if self.eat_op("==") {
                CmpOp::Eq
            } else if self.eat_op("!=") {
                CmpOp::Ne
            } else if self.is_name("is") {
                self.next();
                if self.is_name("not") {
                    self.next();
                    CmpOp::IsNot
                } else {
                    CmpOp::Is
                }
            } else if self.is_name("in")
                || (self.is_name("not") && matches!(self.peek2(), Tok::Name(n) if n == "in"))
            {
                return Err(Problem::unsupported(line, "`in`"));
            } else {
                break;
            };
            rest.push((op, self.bitor()?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(Expr {
            line,
            kind: ExprKind::Compare(Box::new(first), rest),
        })
    }

    fn bitor(&mut self) -> PResult<Expr> {
        let mut a = self.bitxor()?;
        while self.is_op("|") {
            let line = self.line();
            self.next();
            let b = self.bitxor()?;
            a = bin(line, BinOp::BitOr, a, b);
        }
        Ok(a)
    }

    fn bitxor(&mut self) -> PResult<Expr> {
        let a = self.bitand()?;
        if self.is_op("^") {
            return Err(Problem::unsupported(self.line(), "`^`"));
        }
        Ok(a)
    }

    fn bitand(&mut self) -> PResult<Expr> {
        let mut a = self.shift()?;
        while self.is_op("&") {
            let line = self.line();
            self.next();
            let b = self.shift()?;
            a = bin(line, BinOp::BitAnd, a, b);
        }
        Ok(a)
    }

    fn shift(&mut self) -> PResult<Expr> {
        let a = self.arith()?;
        if self.is_op("<<") || self.is_op(">>") {
            return Err(Problem::unsupported(self.line(), "a shift"));
        }
        Ok(a)
    }

    fn arith(&mut self) -> PResult<Expr> {
        let mut a = self.term()?;
        loop {
            let line = self.line();
            let op = if self.eat_op("+") {
                BinOp::Add
            } else if self.eat_op("-") {
                BinOp::Sub
            } else {
                break;
            };
            let b = self.term()?;
            a = bin(line, op, a, b);
        }
        Ok(a)
    }

    fn term(&mut self) -> PResult<Expr> {
        let mut a = self.factor()?;
        loop {
            let line = self.line();
            let op = if self.eat_op("*") {
                BinOp::Mul
            } else if self.eat_op("/") {
                BinOp::Div
            } else if self.eat_op("//") {
                BinOp::FloorDiv
            } else if self.eat_op("%") {
                BinOp::Mod
            } else if self.eat_op("@") {
                BinOp::MatMul
            } else {
                break;
            };
            let b = self.factor()?;
            a = bin(line, op, a, b);
        }
        Ok(a)
    }

    fn factor(&mut self) -> PResult<Expr> {
        self.nested(|p| p.factor_inner())
    }

    fn factor_inner(&mut self) -> PResult<Expr> {
        let line = self.line();
        if self.eat_op("-") {
            let a = self.factor()?;
            return Ok(Expr {
                line,
                kind: ExprKind::Neg(Box::new(a)),
            });
        }
        if self.eat_op("+") {
            let a = self.factor()?;
            return Ok(Expr {
                line,
                kind: ExprKind::Pos(Box::new(a)),
            });
        }
        if self.eat_op("~") {
            let a = self.factor()?;
            return Ok(Expr {
                line,
                kind: ExprKind::Invert(Box::new(a)),
            });
        }
        self.power()
    }

    fn power(&mut self) -> PResult<Expr> {
        let line = self.line();
        let base = self.primary()?;
        if self.eat_op("**") {
            let exp = self.factor()?;
            return Ok(bin(line, BinOp::Pow, base, exp));
        }
        Ok(base)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let mut e = self.atom()?;
        loop {
            let line = self.line();
            if self.eat_op(".") {
                let attr = self.name()?;
                e = Expr {
                    line,
                    kind: ExprKind::Attr(Box::new(e), attr),
                };
            } else if self.eat_op("(") {
                let mut args = Vec::new();
                let mut kwargs = Vec::new();
                while !self.is_op(")") {
                    if self.is_op("*") || self.is_op("**") {
                        return Err(Problem::unsupported(line, "`*`/`**` unpacking in a call"));
                    }
                    if matches!(self.peek(), Tok::Name(_)) && matches!(self.peek2(), Tok::Op("=")) {
                        let k = self.name()?;
                        self.next();
                        kwargs.push((k, self.expr()?));
                    } else {
                        if !kwargs.is_empty() {
                            return Err(Problem::invalid(
                                line,
                                "positional argument follows keyword argument",
                            ));
                        }
                        let a = self.expr()?;
                        if self.is_name("for") {
                            return Err(Problem::unsupported(line, "generator expression"));
                        }
                        args.push(a);
                    }
                    if !self.eat_op(",") {
                        break;
                    }
                }
                self.expect_op(")")?;
                e = Expr {
                    line,
                    kind: ExprKind::Call(Box::new(e), args, kwargs),
                };
            } else if self.eat_op("[") {
                let mut idx = Vec::new();
                while !self.is_op("]") {
                    if self.is_op("...") {
                        return Err(Problem::unsupported(line, "`...` indexing"));
                    }
                    let lo = if self.is_op(":") {
                        None
                    } else {
                        Some(self.expr()?)
                    };
                    if self.eat_op(":") {
                        let hi = if self.is_op(",") || self.is_op("]") || self.is_op(":") {
                            None
                        } else {
                            Some(self.expr()?)
                        };
                        if self.is_op(":") {
                            return Err(Problem::unsupported(line, "a slice with a step"));
                        }
                        idx.push(Index::Slice(lo, hi));
                    } else if let Some(lo) = lo {
                        idx.push(Index::At(lo));
                    }
                    if !self.eat_op(",") {
                        break;
                    }
                }
                self.expect_op("]")?;
                e = Expr {
                    line,
                    kind: ExprKind::Subscript(Box::new(e), idx),
                };
            } else {
                return Ok(e);
            }
        }
    }

    fn atom(&mut self) -> PResult<Expr> {
        let line = self.line();
        let kind = match self.next() {
            Tok::Num(v, int) => ExprKind::Num(v, int),
            Tok::Str(mut s) => {
                // Adjacent literals concatenate.
                while let Tok::Str(t) = self.peek().clone() {
                    self.next();
                    s.push_str(&t);
                }
                ExprKind::Str(s)
            }
            Tok::Name(n) => match n.as_str() {
                "True" => ExprKind::Bool(true),
                "False" => ExprKind::Bool(false),
                "None" => ExprKind::NoneLit,
                "lambda" => return Err(Problem::unsupported(line, "lambda")),
                "yield" | "await" => return Err(Problem::unsupported(line, n)),
                _ => ExprKind::Name(n),
            },
            Tok::Op("(") => {
                if self.eat_op(")") {
                    ExprKind::Tuple(Vec::new())
                } else {
                    let first = self.expr()?;
                    if self.is_name("for") {
                        return Err(Problem::unsupported(line, "generator expression"));
                    }
                    if self.eat_op(")") {
                        return Ok(first);
                    }
                    let mut items = vec![first];
                    while self.eat_op(",") {
                        if self.is_op(")") {
                            break;
                        }
                        items.push(self.expr()?);
                    }
                    self.expect_op(")")?;
                    ExprKind::Tuple(items)
                }
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                while !self.is_op("]") {
                    items.push(self.expr()?);
                    if self.is_name("for") {
                        return Err(Problem::unsupported(line, "list comprehension"));
                    }
                    if !self.eat_op(",") {
                        break;
                    }
                }
                self.expect_op("]")?;
                ExprKind::List(items)
            }
            Tok::Op("{") => return Err(Problem::unsupported(line, "dict/set literal")),
            _ => {
                self.at -= 1;
                return Err(self.unexpected("an expression"));
            }
        };
        Ok(Expr { line, kind })
    }
}

fn bin(line: Line, op: BinOp, a: Expr, b: Expr) -> Expr {
    Expr {
        line,
        kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
    }
}

fn target(e: &Expr) -> PResult<Target> {
    match &e.kind {
        ExprKind::Name(n) => Ok(Target::Name(n.clone())),
        ExprKind::Tuple(items) | ExprKind::List(items) => Ok(Target::Tuple(
            items.iter().map(target).collect::<PResult<_>>()?,
        )),
        ExprKind::Attr(..) => Err(Problem::unsupported(
            e.line,
            "assignment to an attribute (set a compartment with `self.x.set(v)`)",
        )),
        ExprKind::Subscript(..) => Err(Problem::unsupported(e.line, "item assignment")),
        _ => Err(Problem::invalid(e.line, "cannot assign to this expression")),
    }
}

/// `a.b.c` as text, if the expression is a dotted name (a call's function included).
pub fn dotted(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Attr(v, a) => Some(format!("{}.{a}", dotted(v)?)),
        ExprKind::Call(f, _, _) => dotted(f),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_with_decorator_docstring_and_continuations_parses() {
        let src = "@compilable\ndef advance_state(self, dt, t):\n    \"\"\"Doc.\n    more\"\"\"\n    v = self.v.get()  # c\n    v = v + (dt /\n         self.tau) * \\\n        (-v)\n    if self.flag:\n        v = 1.\n    elif x > 2:\n        v = 2\n    else:\n        pass\n    self.v.set(v)\n";
        let defs = parse_module(src, 10).unwrap();
        assert_eq!(defs.len(), 1);
        let d = &defs[0];
        assert_eq!(d.name, "advance_state");
        assert_eq!(d.decorators, vec!["compilable"]);
        assert_eq!(d.params.len(), 3);
        assert_eq!(d.body.len(), 5);
        assert_eq!(d.body[2].line, 15);
        assert!(matches!(d.body[3].kind, StmtKind::If(_, _, ref e) if e.len() == 1));
    }

    #[test]
    fn constructs_outside_the_subset_are_named_with_their_line() {
        let src = "def f(self):\n    x = 1\n    for i in range(3):\n        x = x + i\n";
        assert_eq!(
            parse_module(src, 1),
            Err(Problem::unsupported(3, "for loop"))
        );
        let src = "def f(self):\n    y = [i for i in x]\n";
        assert_eq!(
            parse_module(src, 1),
            Err(Problem::unsupported(2, "list comprehension"))
        );
    }

    #[test]
    fn precedence_is_pythons() {
        let s = parse_block("x = -a ** 2 * b + c @ d > e and not f", 1).unwrap();
        let StmtKind::Assign(_, e) = &s[0].kind else {
            panic!()
        };
        // and(cmp(add(mul(neg(pow), b), matmul), e), not f)
        let ExprKind::And(l, r) = &e.kind else {
            panic!()
        };
        assert!(matches!(r.kind, ExprKind::Not(_)));
        let ExprKind::Compare(sum, _) = &l.kind else {
            panic!()
        };
        let ExprKind::Binary(BinOp::Add, m, _) = &sum.kind else {
            panic!()
        };
        let ExprKind::Binary(BinOp::Mul, n, _) = &m.kind else {
            panic!()
        };
        let ExprKind::Neg(p) = &n.kind else { panic!() };
        assert!(matches!(p.kind, ExprKind::Binary(BinOp::Pow, _, _)));
    }

    #[test]
    fn hostile_nesting_is_refused_not_recursed_into() {
        let deep = format!("x = {}1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(matches!(
            parse_block(&deep, 1),
            Err(Problem::Unsupported { .. })
        ));
        let minus = format!("x = {}1", "-".repeat(100_000));
        assert!(matches!(
            parse_block(&minus, 1),
            Err(Problem::Unsupported { .. })
        ));
        let nots = format!("x = {}y", "not ".repeat(100_000));
        assert!(matches!(
            parse_block(&nots, 1),
            Err(Problem::Unsupported { .. })
        ));
        let mut ifs = String::new();
        for i in 0..300 {
            ifs.push_str(&format!("{}if a:\n", " ".repeat(i)));
        }
        ifs.push_str(&format!("{}pass\n", " ".repeat(300)));
        assert!(parse_block(&ifs, 1).is_err());
    }

    #[test]
    fn any_bytes_give_a_tree_or_a_problem() {
        // A fixed stream of pseudo-random sources: never a panic.
        let mut state = 7u64;
        let alphabet: Vec<char> = "ab1.e+-*/()[]{}:,=<>!@%&|^~\"'\n \t#deflambdaforif"
            .chars()
            .collect();
        for _ in 0..2000 {
            let mut src = String::new();
            for _ in 0..(state % 80) {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                src.push(alphabet[(state >> 33) as usize % alphabet.len()]);
            }
            let _ = parse_block(&src, 1);
            let _ = parse_module(&src, 1);
        }
    }

    #[test]
    fn numbers_in_every_decimal_form() {
        let s = parse_block("x = (1, 1., .5, 1e-3, 2E+2, 0x10, 1_000)", 1).unwrap();
        let StmtKind::Assign(_, e) = &s[0].kind else {
            panic!()
        };
        let ExprKind::Tuple(items) = &e.kind else {
            panic!()
        };
        let v: Vec<(f64, bool)> = items
            .iter()
            .map(|i| match i.kind {
                ExprKind::Num(v, int) => (v, int),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            v,
            vec![
                (1., true),
                (1., false),
                (0.5, false),
                (1e-3, false),
                (200., false),
                (16., true),
                (1000., true)
            ]
        );
    }
}
