//! `.npy` files: a streaming writer for long recordings, and a reader for inputs.
//!
//! [`NpyStream`] writes rows as they come, so a recording of any length takes flat
//! memory. It writes to a temporary name beside the target (`.NAME.part-PID-N`) and
//! renames it into place in [`NpyStream::finish`]; dropped unfinished, it removes the
//! temporary file, so a failed run leaves no partial recording behind (a killed one
//! leaves the hidden part, which [`remove_stale_parts`] clears).

use crate::error::{Error, Result};
use crate::io::replace::{idle, process_is_gone, tagged_pid, PendingFile};
use ndarray::Array3;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes reserved for the header (a multiple of 64, as numpy aligns): the dict with
/// three dimensions of 20 digits each takes 118, so any shape we write fits.
const HEADER_BYTES: usize = 192;

/// Element types the stream writes: the simulation's ([`crate::core::sim::Element`]).
pub use crate::core::sim::Element as Dtype;

/// numpy's name of an element type.
fn descr(dtype: Dtype) -> &'static str {
    match dtype {
        Dtype::F32 => "<f4",
        Dtype::I32 => "<i4",
    }
}

/// An `.npy` file written row by row: shape `(rows, tail...)`.
#[derive(Debug)]
pub struct NpyStream {
    out: Option<BufWriter<File>>,
    tmp: PathBuf,
    path: PathBuf,
    dtype: Dtype,
    tail: Vec<usize>,
    row_len: usize,
    rows: usize,
}

/// A stream's header: [`write_header`] in its [`HEADER_BYTES`], so that closing it
/// rewrites the row count in place.
fn header(dtype: Dtype, shape: &[usize]) -> Vec<u8> {
    write_header(descr(dtype), shape, HeaderLayout::Reserved(HEADER_BYTES))
        .expect("a shape of three 64-bit sizes fits the reserved header")
}

/// How an npy header is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderLayout {
    /// numpy's dict (`..., 'shape': (2, 3), }`) in exactly this many bytes, so that a
    /// stream can rewrite its row count in place.
    Reserved(usize),
    /// ndarray-npy's dict (`..., 'shape': (2, 3)}`), padded to a multiple of 64 bytes
    /// (at least one space): npz entries, byte for byte as ndarray-npy writes them.
    Compact,
}

/// The npy (version 1.0) header of a C-order array of `descr` (`<f4`, `<u4`, ...) and
/// `shape`: the dict, spaces as `layout` says, and a newline. `None` if it does not fit
/// (version 1.0's 16-bit length, or the reserved bytes). The one npy header writer:
/// streams and npz entries both use it.
pub(crate) fn write_header(descr: &str, shape: &[usize], layout: HeaderLayout) -> Option<Vec<u8>> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let tail = match layout {
        HeaderLayout::Reserved(_) => ", }",
        HeaderLayout::Compact => "}",
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}{tail}");
    let unpadded = 10 + dict.len() + 1;
    let total = match layout {
        HeaderLayout::Reserved(n) if unpadded <= n => n,
        HeaderLayout::Reserved(_) => return None,
        HeaderLayout::Compact => unpadded + 64 - unpadded % 64,
    };
    let len = u16::try_from(total - 10).ok()?;
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    h.extend_from_slice(&len.to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    Some(h)
}

impl NpyStream {
    /// Starts `path`, whose rows each have shape `tail`.
    pub fn create(path: &Path, dtype: Dtype, tail: &[usize]) -> Result<NpyStream> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        static SERIAL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let serial = SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_file_name(format!(".{name}.part-{}-{serial}", std::process::id()));
        // Errors name the recording, not its hidden part.
        let io = |e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        };
        // Created new: never through a file or link already at the hidden name.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(io)?;
        let mut out = BufWriter::new(file);
        let mut shape = vec![0];
        shape.extend_from_slice(tail);
        out.write_all(&header(dtype, &shape)).map_err(io)?;
        Ok(NpyStream {
            out: Some(out),
            tmp,
            path: path.to_path_buf(),
            dtype,
            tail: tail.to_vec(),
            row_len: tail.iter().product(),
            rows: 0,
        })
    }

    fn io(&self, e: std::io::Error) -> Error {
        Error::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
            not_found: false,
        }
    }

    /// Appends one float32 row (`tail` elements).
    pub fn push_f32(&mut self, row: &[f32]) -> Result<()> {
        debug_assert!(self.dtype == Dtype::F32 && row.len() == self.row_len);
        self.push(row.iter().map(|x| x.to_le_bytes()))
    }

    /// Appends one int32 row (`tail` elements).
    pub fn push_i32(&mut self, row: &[i32]) -> Result<()> {
        debug_assert!(self.dtype == Dtype::I32 && row.len() == self.row_len);
        self.push(row.iter().map(|x| x.to_le_bytes()))
    }

    fn push(&mut self, values: impl Iterator<Item = [u8; 4]>) -> Result<()> {
        let out = self.out.as_mut().expect("open until finished");
        for v in values {
            if let Err(e) = out.write_all(&v) {
                return Err(self.io(e));
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        self.dtype
    }

    /// The shape of one row.
    pub fn row_shape(&self) -> &[usize] {
        &self.tail
    }

    /// The file the stream becomes when finished.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes the final row count into the header and moves the file into place.
    pub fn finish(self) -> Result<PathBuf> {
        let path = self.path.clone();
        self.close()?.commit()?;
        Ok(path)
    }

    /// Writes the final row count into the header and leaves the file under its
    /// temporary name, to be moved into place by [`PendingFile::commit`] together with
    /// other outputs (dropped instead, it is removed).
    pub fn close(mut self) -> Result<PendingFile> {
        let mut out = self.out.take().expect("open until finished");
        let mut shape = vec![self.rows];
        shape.extend_from_slice(&self.tail);
        let h = header(self.dtype, &shape);
        let done = out
            .flush()
            .and_then(|_| out.seek(SeekFrom::Start(0)))
            .and_then(|_| out.write_all(&h))
            .and_then(|_| out.flush());
        drop(out);
        let pending = PendingFile::new(self.tmp.clone(), self.path.clone());
        done.map_err(|e| self.io(e))?;
        Ok(pending)
    }
}

/// A recording streamed to the file: closing it gives the [`PendingFile`].
impl crate::core::sim::Sink for NpyStream {
    fn element(&self) -> Dtype {
        self.dtype()
    }
    fn row_shape(&self) -> &[usize] {
        NpyStream::row_shape(self)
    }
    fn push_f32(&mut self, row: &[f32]) -> Result<()> {
        NpyStream::push_f32(self, row)
    }
    fn push_i32(&mut self, row: &[i32]) -> Result<()> {
        NpyStream::push_i32(self, row)
    }
    fn close(self: Box<Self>) -> Result<Box<dyn std::any::Any + Send>> {
        Ok(Box::new(NpyStream::close(*self)?))
    }
}

impl Drop for NpyStream {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Removes from `dir` the hidden parts of recordings (`.NAME.part-PID-N`) left by
/// processes that were killed before they could clean up (gone, and idle for a
/// minute); returns how many.
pub fn remove_stale_parts(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(at) = name.rfind(".part-").filter(|_| name.starts_with('.')) else {
            continue;
        };
        let gone =
            tagged_pid(&name[at..], ".part-").is_some_and(process_is_gone) && idle(&e.path());
        if gone
            && e.file_type().is_ok_and(|t| t.is_file())
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// The header of an `.npy` file: what its data holds and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// numpy's type string, e.g. `<f4`.
    pub descr: String,
    /// The array's shape (C order).
    pub shape: Vec<usize>,
    /// Byte offset of the data.
    pub data_offset: u64,
}

/// Largest header read (numpy's own reader refuses more than 10,000 bytes by default).
const MAX_HEADER_BYTES: usize = crate::io::npz::MAX_HEADER_BYTES as usize;

/// Opens `path` for reading if it is a regular file (a FIFO or device would block or
/// never end; a directory is no array).
pub fn open_regular(path: &Path) -> Result<File> {
    let shown = || path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::Io {
        path: shown(),
        message: e.to_string(),
        not_found: e.kind() == std::io::ErrorKind::NotFound,
    })?;
    if !meta.is_file() {
        return Err(Error::Io {
            path: shown(),
            message: "not a regular file".into(),
            not_found: false,
        });
    }
    File::open(path).map_err(|e| Error::Io {
        path: shown(),
        message: e.to_string(),
        not_found: e.kind() == std::io::ErrorKind::NotFound,
    })
}

/// An `.npy` header as read, before it is checked against anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHeader {
    /// numpy's type string, e.g. `<f4`.
    pub descr: String,
    /// Whether the data is in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The array's shape; its element count fits in `isize` bytes at 8 bytes each.
    pub shape: Vec<usize>,
    /// Bytes before the data (magic, version, length, dict).
    pub header_len: u64,
}

/// Reads an `.npy` header (format versions 1-3) from `r`, which is left at the start
/// of the data. The dict must be exactly numpy's (`descr`, `fortran_order`, `shape`,
/// each once), and the shape's element count must be addressable, even where a zero
/// dimension makes the data empty. Errors are messages for the caller to place.
pub fn read_npy_header(r: &mut impl std::io::Read) -> std::result::Result<RawHeader, String> {
    let mut pre = [0u8; 12];
    r.read_exact(&mut pre[..10])
        .map_err(|_| "too short for an .npy array".to_string())?;
    if &pre[..6] != b"\x93NUMPY" {
        return Err("not an .npy array (no \\x93NUMPY magic)".into());
    }
    let (len, prefix) = match pre[6] {
        1 => (u16::from_le_bytes([pre[8], pre[9]]) as usize, 10),
        2 | 3 => {
            r.read_exact(&mut pre[10..12])
                .map_err(|_| "truncated npy header".to_string())?;
            (
                u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]]) as usize,
                12,
            )
        }
        v => return Err(format!("unsupported npy format version {v}")),
    };
    if prefix + len > MAX_HEADER_BYTES {
        return Err(format!(
            "npy header of {} bytes (at most {MAX_HEADER_BYTES})",
            prefix + len
        ));
    }
    let mut dict = vec![0u8; len];
    r.read_exact(&mut dict)
        .map_err(|_| "truncated npy header".to_string())?;
    let dict = String::from_utf8(dict).map_err(|_| "the npy header is not text".to_string())?;
    let (descr, fortran_order, shape) =
        parse_dict(&dict).map_err(|m| format!("npy header: {m}"))?;
    let elements = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize / 8);
    if elements.is_none() {
        return Err(format!("npy header: shape {shape:?} is too large"));
    }
    Ok(RawHeader {
        descr,
        fortran_order,
        shape,
        header_len: (prefix + len) as u64,
    })
}

/// Parses the dict of an npy header: `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (80, 1), }` (a Python literal; nothing else is accepted).
fn parse_dict(text: &str) -> std::result::Result<(String, bool, Vec<usize>), String> {
    struct P<'a> {
        s: &'a [u8],
        i: usize,
    }
    impl P<'_> {
        fn ws(&mut self) {
            while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) -> bool {
            self.ws();
            let hit = self.s.get(self.i) == Some(&c);
            self.i += hit as usize;
            hit
        }
        fn string(&mut self) -> std::result::Result<String, String> {
            self.ws();
            let q = match self.s.get(self.i) {
                Some(&q @ (b'\'' | b'"')) => q,
                _ => return Err("expected a quoted string".into()),
            };
            let start = self.i + 1;
            let len = self.s[start..]
                .iter()
                .position(|&c| c == q)
                .ok_or("unterminated string")?;
            self.i = start + len + 1;
            String::from_utf8(self.s[start..start + len].to_vec())
                .map_err(|_| "a string that is not text".to_string())
        }
        fn word(&mut self) -> &[u8] {
            self.ws();
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i].is_ascii_alphanumeric() {
                self.i += 1;
            }
            &self.s[start..self.i]
        }
    }
    let mut p = P {
        s: text.as_bytes(),
        i: 0,
    };
    if !p.eat(b'{') {
        return Err("the header is not a dict".into());
    }
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    while !p.eat(b'}') {
        let key = p.string()?;
        if !p.eat(b':') {
            return Err(format!("expected `:` after '{key}'"));
        }
        let seen = match key.as_str() {
            "descr" => descr.replace(p.string()?).is_some(),
            "fortran_order" => {
                let v = match p.word() {
                    b"False" => false,
                    b"True" => true,
                    _ => return Err("fortran_order must be True or False".into()),
                };
                fortran.replace(v).is_some()
            }
            "shape" => {
                if !p.eat(b'(') {
                    return Err("shape must be a tuple".into());
                }
                let mut dims = Vec::new();
                while !p.eat(b')') {
                    let w = p.word();
                    let digits = w.strip_suffix(b"L").unwrap_or(w);
                    let d = std::str::from_utf8(digits)
                        .ok()
                        .filter(|d| d.bytes().all(|c| c.is_ascii_digit()))
                        .and_then(|d| d.parse::<usize>().ok())
                        .ok_or("shape entries must be sizes")?;
                    dims.push(d);
                    if !p.eat(b',') && !p.eat(b')') {
                        return Err("malformed shape tuple".into());
                    } else if p.s.get(p.i - 1) == Some(&b')') {
                        break;
                    }
                }
                shape.replace(dims).is_some()
            }
            other => return Err(format!("unknown header key '{other}'")),
        };
        if seen {
            return Err(format!("'{key}' given twice"));
        }
        if !p.eat(b',') && !p.eat(b'}') {
            return Err("malformed header dict".into());
        } else if p.s.get(p.i - 1) == Some(&b'}') {
            break;
        }
    }
    p.ws();
    if p.i != p.s.len() {
        return Err("text after the header dict".into());
    }
    let descr = descr.ok_or("no 'descr' in the header")?;
    Ok((
        descr,
        fortran.ok_or("no 'fortran_order' in the header")?,
        shape.ok_or("no 'shape' in the header")?,
    ))
}

/// Reads and checks the header of the `.npy` file at `path`: its data must hold
/// exactly `shape.product() * item_size` bytes, so a header that claims more than the
/// file holds is an error before anything is allocated for it.
pub fn read_header(path: &Path, file: &mut File) -> Result<NpyHeader> {
    let shown = path.display().to_string();
    let bad = |m: String| Error::format(&shown, "(npy header)", m);
    let raw = read_npy_header(file).map_err(bad)?;
    if raw.fortran_order {
        return Err(bad(
            "Fortran order is not supported (save it in C order)".into()
        ));
    }
    let (descr, shape, data_offset) = (raw.descr, raw.shape, raw.header_len);
    let item = match descr.as_str() {
        "<f4" | "<i4" | "<u4" => 4,
        "<f8" | "<i8" | "<u8" => 8,
        d => return Err(bad(format!("unsupported dtype {d}"))),
    };
    let bytes = shape
        .iter()
        .try_fold(item as u64, |n, &d| n.checked_mul(d as u64))
        .ok_or_else(|| bad(format!("shape {shape:?} overflows")))?;
    let size = file
        .metadata()
        .map_err(|e| Error::Io {
            path: shown.clone(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        })?
        .len();
    if data_offset.checked_add(bytes) != Some(size) {
        return Err(bad(format!(
            "shape {shape:?} of {descr} needs {bytes} bytes of data; the file holds {}",
            size.saturating_sub(data_offset)
        )));
    }
    Ok(NpyHeader {
        descr,
        shape,
        data_offset,
    })
}

/// A float32 `.npy` file read one row (first-axis entry) at a time: memory holds one
/// row, whatever the file's length. Reading rows in order does no seek.
#[derive(Debug)]
pub struct NpyRows {
    file: std::io::BufReader<File>,
    path: String,
    header: NpyHeader,
    row_len: usize,
    bytes: Vec<u8>,
    next: usize,
}

impl NpyRows {
    /// Opens a float32 array of at least one dimension.
    pub fn open(path: &Path) -> Result<NpyRows> {
        let mut file = open_regular(path)?;
        let header = read_header(path, &mut file)?;
        let shown = path.display().to_string();
        if header.descr != "<f4" {
            return Err(Error::format(
                &shown,
                "(dtype)",
                format!("expected float32, got {}", header.descr),
            ));
        }
        if header.shape.is_empty() {
            return Err(Error::format(&shown, "(shape)", "a 0-d array has no rows"));
        }
        // Bounded: `read_npy_header` caps the element count, and a file with rows holds
        // each row's bytes (checked against its length); a file of no rows gets no buffer.
        let row_len: usize = header.shape[1..].iter().product();
        let row_bytes = if header.shape[0] == 0 { 0 } else { row_len * 4 };
        Ok(NpyRows {
            file: std::io::BufReader::with_capacity(1 << 16, file),
            path: shown,
            row_len,
            bytes: vec![0; row_bytes],
            header,
            next: 0,
        })
    }

    /// The array's shape.
    pub fn shape(&self) -> &[usize] {
        &self.header.shape
    }

    /// Number of rows (the first axis).
    pub fn rows(&self) -> usize {
        self.header.shape[0]
    }

    /// Reads row `k` into `out` (`shape[1..].product()` values). Allocation-free.
    pub fn read_row(&mut self, k: usize, out: &mut [f32]) -> Result<()> {
        use std::io::Read;
        if k >= self.rows() || out.len() != self.row_len {
            return Err(Error::format(
                &self.path,
                "(rows)",
                format!(
                    "row {k} of {} values asked; the file has {} rows of {}",
                    out.len(),
                    self.rows(),
                    self.row_len
                ),
            ));
        }
        let io = |e: std::io::Error, path: &str| Error::Io {
            path: path.to_string(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        };
        if k != self.next {
            let at = self.header.data_offset + (k * self.row_len * 4) as u64;
            self.file
                .seek(SeekFrom::Start(at))
                .map_err(|e| io(e, &self.path))?;
        }
        self.file
            .read_exact(&mut self.bytes)
            .map_err(|e| io(e, &self.path))?;
        for (o, b) in out.iter_mut().zip(self.bytes.chunks_exact(4)) {
            *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        self.next = k + 1;
        Ok(())
    }
}

/// A feed read from the file one row per step.
impl crate::core::sim::RowSource for NpyRows {
    fn shape(&self) -> &[usize] {
        NpyRows::shape(self)
    }
    fn read_row(&mut self, k: usize, out: &mut [f32]) -> Result<()> {
        NpyRows::read_row(self, k, out)
    }
}

/// Reads a float32 `.npy` of shape `(steps, batch, units)` whole. The header is
/// checked against the file's length first, so a file claiming more than it holds
/// is an error, not an allocation.
pub fn read_f32_3d(path: &Path) -> Result<Array3<f32>> {
    let mut rows = NpyRows::open(path)?;
    let shape = rows.shape().to_vec();
    let [n, b, u] = shape[..] else {
        return Err(Error::format(
            path.display(),
            "(shape)",
            format!(
                "expected 3 dimensions (steps, batch, units), got {}",
                shape.len()
            ),
        ));
    };
    let mut a = Array3::<f32>::zeros((n, b, u));
    for k in 0..n {
        let mut row = a.index_axis_mut(ndarray::Axis(0), k);
        let slice = row
            .as_slice_mut()
            .expect("rows of a standard-layout array are contiguous");
        rows.read_row(k, slice)?;
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray_npy::WriteNpyExt;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ngclearn-npy-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d.join(name)
    }

    #[test]
    fn rows_read_back_what_numpy_layout_holds() {
        let p = scratch("rows.npy");
        let a = Array3::from_shape_fn((5, 2, 3), |(k, b, u)| (k * 100 + b * 10 + u) as f32);
        a.write_npy(File::create(&p).unwrap()).unwrap();
        let mut r = NpyRows::open(&p).unwrap();
        assert_eq!(r.shape(), &[5, 2, 3]);
        let mut row = [0.0; 6];
        for k in [0, 1, 4, 2] {
            r.read_row(k, &mut row).unwrap();
            assert_eq!(
                row.as_slice(),
                a.index_axis(ndarray::Axis(0), k).as_slice().unwrap()
            );
        }
        assert!(r.read_row(5, &mut row).is_err());
        assert_eq!(read_f32_3d(&p).unwrap(), a);
    }

    #[test]
    fn header_claiming_more_than_the_file_holds_is_refused_before_allocating() {
        let p = scratch("huge.npy");
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1, 80), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(dict.len() as u16 + 1).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        bytes.push(b'\n');
        bytes.extend_from_slice(&[0u8; 320]);
        std::fs::write(&p, bytes).unwrap();
        let e = read_f32_3d(&p).unwrap_err().to_string();
        assert!(
            e.contains("huge.npy") && e.contains("the file holds 320"),
            "{e}"
        );
    }

    fn npy_with_dict(path: &Path, dict: &str, data: usize) {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(dict.len() as u16 + 1).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        bytes.push(b'\n');
        bytes.resize(bytes.len() + data, 0);
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn npy_header_dicts() {
        let ok = [
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (80, 1), }",
                ("<f4".to_string(), false, vec![80, 1]),
            ),
            (
                "{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }  \n",
                ("<u4".to_string(), false, vec![2]),
            ),
            (
                "{\"shape\": (), \"fortran_order\": True, \"descr\": \"<f8\"}",
                ("<f8".to_string(), true, vec![]),
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L)}",
                ("<f4".to_string(), false, vec![3, 4]),
            ),
        ];
        for (text, want) in ok {
            assert_eq!(parse_dict(text).unwrap(), want, "{text}");
        }
        for text in [
            "{'descr': '<f4', 'fortran_order': False, }",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} trailing",
            "['descr']",
        ] {
            assert!(parse_dict(text).is_err(), "{text}");
        }
    }

    #[test]
    fn an_empty_array_with_huge_rows_allocates_nothing_and_overflow_is_an_error() {
        let p = scratch("empty_huge.npy");
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1099511627776, 1), }";
        npy_with_dict(&p, dict, 0);
        let r = NpyRows::open(&p).unwrap();
        assert_eq!(r.rows(), 0);
        let dict =
            "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }";
        npy_with_dict(&p, dict, 0);
        let e = NpyRows::open(&p).unwrap_err().to_string();
        assert!(e.contains("too large"), "{e}");
    }

    #[test]
    fn header_dicts_other_than_numpys_are_refused() {
        let p = scratch("dicts.npy");
        for (dict, why) in [
            (
                "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
                "twice",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
                "unknown header key",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk",
                "text after",
            ),
            (
                "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }",
                "unsupported dtype",
            ),
        ] {
            npy_with_dict(&p, dict, 4);
            let e = NpyRows::open(&p).unwrap_err().to_string();
            assert!(e.contains(why), "{dict}: {e}");
        }
    }

    #[test]
    fn wrong_dtype_order_and_magic_are_errors() {
        let p = scratch("f64.npy");
        ndarray::Array3::<f64>::zeros((2, 1, 1))
            .write_npy(File::create(&p).unwrap())
            .unwrap();
        assert!(NpyRows::open(&p)
            .unwrap_err()
            .to_string()
            .contains("float32"));
        std::fs::write(&p, b"not an array").unwrap();
        assert!(NpyRows::open(&p).unwrap_err().to_string().contains("magic"));
        let dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }\n";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
        bytes.extend_from_slice(dict.as_bytes());
        bytes.extend_from_slice(&[0u8; 4]);
        std::fs::write(&p, bytes).unwrap();
        assert!(NpyRows::open(&p)
            .unwrap_err()
            .to_string()
            .contains("Fortran"));
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_at_once() {
        let p = scratch("fifo.npy");
        let _ = std::fs::remove_file(&p);
        let made = std::process::Command::new("mkfifo").arg(&p).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", p.display());
        let e = NpyRows::open(&p).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let dir = p.parent().unwrap();
        assert!(NpyRows::open(dir)
            .unwrap_err()
            .to_string()
            .contains("not a regular file"));
    }
}
