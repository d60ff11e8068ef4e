//! `.npz` files as numpy's `savez` writes them: a zip of `.npy` arrays.
//!
//! Reading is defensive, and nothing is inflated that the caller has not bounded:
//! * [`NpzReader::open`] refuses anything but a regular file (a FIFO would block, a
//!   device never end) and lists the entries from the zip's central directory without
//!   inflating any. A name written twice is an error: the zip reader would silently
//!   keep one of them.
//! * [`NpzReader::header`] checks an entry's declared size against the bound its
//!   caller gives (what the array may need, plus at most [`MAX_HEADER_BYTES`] of npy
//!   header) and against what its compressed bytes can hold, all before inflating
//!   anything; then it inflates and parses the npy header alone, and requires the
//!   declared size to be exactly the header plus its data.
//! * [`NpzReader::read_f32_into`] and [`NpzReader::read_key`] stream the data straight
//!   into the destination, inflating at most one byte more than the header's shape
//!   needs (so a zip whose size fields lie cannot inflate more), and refuse NaN and
//!   infinity, naming the first bad element.
//!
//! Every failure is an [`Error::Format`] naming the file and the entry (or an
//! [`Error::Io`] naming the file).

use crate::error::{Error, Result};
use crate::io::npy::read_npy_header;
use ndarray::{Array2, ArrayD, IxDyn, ShapeBuilder};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use zip::CompressionMethod;

/// Largest entry [`read_npz`] reads (1 GiB).
pub const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// Largest npy header (magic, version, length and dict) read from an entry: 64 KiB
/// (numpy writes 128 bytes, and its own reader refuses more than 10,000).
pub const MAX_HEADER_BYTES: u64 = 1 << 16;

/// Most entries an npz file may list (a component has a handful of compartments).
const MAX_ENTRIES: usize = 1024;

/// Deflate turns one compressed byte into at most 1032 bytes (a 258-byte match coded
/// in two bits), so an entry claiming more than that is lying.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// Bytes streamed at a time from an entry into its destination.
const CHUNK: usize = 1 << 16;

/// One array of an npz file, in one of the dtypes ngclearn saves.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyArray {
    /// `float32` (states, weights).
    F32(ArrayD<f32>),
    /// `float64` (Python scalars).
    F64(ArrayD<f64>),
    /// `uint32` (PRNG keys).
    U32(ArrayD<u32>),
    /// `int32` (a sparse synapse's column indices).
    I32(ArrayD<i32>),
    /// `int64` (a sparse synapse's row offsets and shape).
    I64(ArrayD<i64>),
    /// `uint8` (a sparse synapse's delays).
    U8(ArrayD<u8>),
}

impl NpyArray {
    /// numpy's name for the dtype.
    pub fn dtype(&self) -> &'static str {
        match self {
            NpyArray::F32(_) => "float32",
            NpyArray::F64(_) => "float64",
            NpyArray::U32(_) => "uint32",
            NpyArray::I32(_) => "int32",
            NpyArray::I64(_) => "int64",
            NpyArray::U8(_) => "uint8",
        }
    }

    /// The array's shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            NpyArray::F32(a) => a.shape(),
            NpyArray::F64(a) => a.shape(),
            NpyArray::U32(a) => a.shape(),
            NpyArray::I32(a) => a.shape(),
            NpyArray::I64(a) => a.shape(),
            NpyArray::U8(a) => a.shape(),
        }
    }
}

/// The element types read from an npz file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// `<f4`.
    F32,
    /// `<f8`.
    F64,
    /// `<u4`.
    U32,
    /// `<i4` (a sparse synapse's column indices).
    I32,
    /// `<i8` (a sparse synapse's row offsets and shape).
    I64,
    /// `|u1` (a sparse synapse's delays, in steps).
    U8,
}

impl Dtype {
    /// numpy's name for the dtype.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
            Dtype::U32 => "uint32",
            Dtype::I32 => "int32",
            Dtype::I64 => "int64",
            Dtype::U8 => "uint8",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> u64 {
        match self {
            Dtype::F32 | Dtype::U32 | Dtype::I32 => 4,
            Dtype::F64 | Dtype::I64 => 8,
            Dtype::U8 => 1,
        }
    }
}

/// The npy header of an entry: what its data holds, and where the data starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    /// The element type.
    pub dtype: Dtype,
    /// The shape (`[]` for a 0-d scalar).
    pub shape: Vec<usize>,
    /// Whether the data is in column-major order.
    pub fortran_order: bool,
    /// Bytes before the data (magic, version, length and dict).
    pub header_len: u64,
    /// Bytes of data (elements × element size).
    pub data_len: u64,
}

impl EntryHeader {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `float32 [80, 1]`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {:?}", self.dtype.name(), self.shape)
    }

    /// The index in the array's own shape of the `k`-th element of the data.
    fn index_of(&self, k: usize) -> Vec<usize> {
        let mut index = vec![0; self.shape.len()];
        let mut rest = k;
        let axes: Vec<usize> = if self.fortran_order {
            (0..self.shape.len()).collect()
        } else {
            (0..self.shape.len()).rev().collect()
        };
        for a in axes {
            let d = self.shape[a].max(1);
            index[a] = rest % d;
            rest /= d;
        }
        index
    }
}

/// An entry as the zip's directory lists it, nothing inflated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    /// The array's name (the entry's name without `.npy`).
    pub name: String,
    /// Its declared uncompressed size in bytes.
    pub size: u64,
    /// Its compressed size in bytes.
    pub compressed_size: u64,
}

/// An npz file opened for reading entry by entry (see the module documentation).
pub struct NpzReader {
    path: String,
    zip: zip::ZipArchive<File>,
    /// The same file, read at offsets (an uncompressed entry's block of columns).
    file: File,
    file_len: u64,
    entries: Vec<EntryInfo>,
    /// The first value of each entry read that is not finite: `(entry, where, value)`.
    non_finite: Vec<NonFinite>,
}

/// A value read that is not finite (NaN or infinite): saved state of a run that
/// diverged, loaded as it was saved.
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    /// The npz file.
    pub path: String,
    /// Its entry (the compartment).
    pub entry: String,
    /// Where in the entry: `element [3, 0]` or `the scalar`.
    pub at: String,
    /// The value, as text (`NaN`, `inf`, `-inf`).
    pub value: String,
}

impl std::fmt::Display for NonFinite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: `{}` {} is {}",
            self.path, self.entry, self.at, self.value
        )
    }
}

impl std::fmt::Debug for NpzReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzReader")
            .field("path", &self.path)
            .field("entries", &self.entries)
            .finish()
    }
}

/// The names of the central directory's records in order, duplicates kept (the zip
/// reader keeps one of two records of the same name). At most `cap + 1` are read.
fn raw_names(file: &File, start: u64, cap: usize) -> std::io::Result<Vec<Vec<u8>>> {
    let mut r = BufReader::new(file);
    r.seek(SeekFrom::Start(start))?;
    let mut names = Vec::new();
    let mut fixed = [0u8; 46];
    while names.len() <= cap {
        if r.read_exact(&mut fixed[..4]).is_err() || fixed[..4] != *b"PK\x01\x02" {
            break;
        }
        r.read_exact(&mut fixed[4..])?;
        let u16_at = |i: usize| u16::from_le_bytes([fixed[i], fixed[i + 1]]) as usize;
        let (name_len, extra_len, comment_len) = (u16_at(28), u16_at(30), u16_at(32));
        let mut name = vec![0u8; name_len];
        r.read_exact(&mut name)?;
        r.seek_relative((extra_len + comment_len) as i64)?;
        names.push(name);
    }
    Ok(names)
}

impl NpzReader {
    /// Opens the npz file at `path` and lists its entries (nothing is inflated).
    pub fn open(path: &Path) -> Result<NpzReader> {
        let shown = path.display().to_string();
        let file = crate::io::npy::open_regular(path)?;
        let io = |e: std::io::Error| Error::Io {
            path: shown.clone(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        };
        let file_len = file.metadata().map_err(io)?.len();
        let walker = file.try_clone().map_err(io)?;
        let at_offsets = file.try_clone().map_err(io)?;
        let zip = zip::ZipArchive::new(file).map_err(|e| {
            Error::format(
                &shown,
                "(archive)",
                format!("not a valid npz (zip) file: {e}"),
            )
        })?;
        let raw = raw_names(&walker, zip.central_directory_start(), MAX_ENTRIES)
            .map_err(|e| Error::format(&shown, "(archive)", format!("bad directory: {e}")))?;
        if raw.len() > MAX_ENTRIES {
            return Err(Error::format(
                &shown,
                "(archive)",
                format!("more than {MAX_ENTRIES} entries"),
            ));
        }
        for (i, a) in raw.iter().enumerate() {
            if raw[..i].contains(a) {
                let name = String::from_utf8_lossy(a);
                let field = name.strip_suffix(".npy").unwrap_or(&name);
                return Err(Error::format(&shown, field, "appears twice"));
            }
        }
        // Every record was walked: none hides behind one this walk could not read.
        if raw.len() != zip.len() {
            return Err(Error::format(
                &shown,
                "(archive)",
                format!(
                    "bad directory: {} records readable of the {} the archive lists",
                    raw.len(),
                    zip.len()
                ),
            ));
        }
        let mut reader = NpzReader {
            path: shown,
            zip,
            file: at_offsets,
            file_len,
            entries: Vec::new(),
            non_finite: Vec::new(),
        };
        for i in 0..reader.zip.len() {
            let e = reader
                .zip
                .by_index_raw(i)
                .map_err(|e| Error::format(&reader.path, format!("(entry {i})"), e.to_string()))?;
            let name = e.name().to_string();
            let (size, compressed_size) = (e.size(), e.compressed_size());
            drop(e);
            let Some(field) = name.strip_suffix(".npy") else {
                return Err(reader.err(name, "not a .npy entry"));
            };
            reader.entries.push(EntryInfo {
                name: field.to_string(),
                size,
                compressed_size,
            });
        }
        Ok(reader)
    }

    fn err(&self, field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::format(&self.path, field, message)
    }

    /// The file's path, as shown in errors.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The entries, in the directory's order.
    pub fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    /// Reads the npy header of entry `i`, whose data may take at most `max_data_bytes`.
    ///
    /// Before anything is inflated, the entry's declared size must fit the bound (the
    /// data and at most [`MAX_HEADER_BYTES`] of header) and what its compressed bytes
    /// can hold; then only the header is inflated, and the declared size must be
    /// exactly the header plus the data its shape needs.
    pub fn header(&mut self, i: usize, max_data_bytes: u64) -> Result<EntryHeader> {
        let info = self.entries[i].clone();
        let name = info.name.as_str();
        let bound = max_data_bytes.saturating_add(MAX_HEADER_BYTES);
        if info.size > bound {
            return Err(self.err(
                name,
                format!(
                    "the entry declares {} bytes; at most {bound} expected ({max_data_bytes} bytes of data and a header)",
                    info.size
                ),
            ));
        }
        let method = self
            .zip
            .by_index_raw(i)
            .map_err(|e| Error::format(&self.path, name, e.to_string()))?
            .compression();
        let holds = if method == CompressionMethod::Stored {
            info.compressed_size
        } else if method == CompressionMethod::Deflated {
            info.compressed_size
                .saturating_mul(DEFLATE_MAX_RATIO)
                .saturating_add(1024)
        } else {
            return Err(self.err(
                name,
                format!("compression {method} is not supported (numpy writes stored or deflated entries)"),
            ));
        };
        if info.size > holds || info.compressed_size > self.file_len {
            return Err(self.err(
                name,
                format!(
                    "the entry declares {} bytes, more than its {} compressed bytes can hold",
                    info.size, info.compressed_size
                ),
            ));
        }
        let mut entry = self
            .zip
            .by_index(i)
            .map_err(|e| Error::format(&self.path, name, e.to_string()))?;
        let mut r = (&mut entry).take(MAX_HEADER_BYTES);
        let raw = read_npy_header(&mut r);
        drop(entry);
        let raw = raw.map_err(|m| self.err(name, m))?;
        let header_len = raw.header_len;
        let fortran_order = raw.fortran_order;
        let shape = raw.shape;
        let dtype = match raw.descr.as_str() {
            "<f4" => Dtype::F32,
            "<f8" => Dtype::F64,
            "<u4" => Dtype::U32,
            "<i4" => Dtype::I32,
            "<i8" => Dtype::I64,
            "|u1" | "<u1" => Dtype::U8,
            d => {
                return Err(self.err(
                    name,
                    format!(
                        "npy header: unsupported dtype {d} (float32, float64, uint32, int32, int64 or uint8 expected)"
                    ),
                ))
            }
        };
        let data_len = shape
            .iter()
            .try_fold(dtype.size(), |n, &d| n.checked_mul(d as u64))
            .filter(|&n| n <= isize::MAX as u64)
            .ok_or_else(|| self.err(name, format!("shape {shape:?} is too large")))?;
        if header_len.checked_add(data_len) != Some(info.size) {
            return Err(self.err(
                name,
                format!(
                    "the entry declares {} bytes, but its header ({} {shape:?}) makes {}",
                    info.size,
                    dtype.name(),
                    header_len as u128 + data_len as u128
                ),
            ));
        }
        Ok(EntryHeader {
            dtype,
            shape,
            fortran_order,
            header_len,
            data_len,
        })
    }

    /// Streams the data of entry `i` (header `h`) to `sink` in chunks of whole
    /// elements, with the index of each chunk's first element. Inflates at most one
    /// byte more than `h` describes, and fails if the data is shorter or longer.
    fn stream(
        &mut self,
        i: usize,
        h: &EntryHeader,
        mut sink: impl FnMut(usize, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let path = self.path.clone();
        let name = self.entries[i].name.clone();
        let fail = |m: String| Error::format(&path, &name, m);
        let mut entry = self.zip.by_index(i).map_err(|e| fail(e.to_string()))?;
        let skipped = std::io::copy(&mut (&mut entry).take(h.header_len), &mut std::io::sink())
            .map_err(|e| fail(format!("cannot read: {e}")))?;
        if skipped != h.header_len {
            return Err(fail("truncated npy header".into()));
        }
        let mut data = (&mut entry).take(h.data_len + 1);
        let item = h.dtype.size() as usize;
        let mut buf = vec![0u8; CHUNK.min(h.data_len as usize).max(1)];
        let mut done = 0u64;
        while done < h.data_len {
            let n = (h.data_len - done).min(buf.len() as u64) as usize;
            data.read_exact(&mut buf[..n]).map_err(|e| {
                fail(if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    format!(
                        "truncated: the data ends before the {} bytes its header describes",
                        h.data_len
                    )
                } else {
                    format!("cannot read: {e}")
                })
            })?;
            sink((done / item as u64) as usize, &buf[..n])?;
            done += n as u64;
        }
        // One more byte is data the header does not describe; none means the end,
        // where the zip reader checks the CRC.
        match data.read(&mut buf[..1]) {
            Ok(0) => Ok(()),
            Ok(_) => Err(fail(format!(
                "holds more data than its header's shape {:?} describes",
                h.shape
            ))),
            Err(e) => Err(fail(format!("cannot read: {e}"))),
        }
    }

    /// The first value that was not finite in each entry read so far (NaN or
    /// infinity: the state of a run that diverged, read as it was saved).
    pub fn non_finite(&self) -> &[NonFinite] {
        &self.non_finite
    }

    /// Notes the first non-finite value of entry `i`, at flat index `k` (or at
    /// `at` given).
    fn note_non_finite(&mut self, i: usize, h: &EntryHeader, k: usize, at: Option<String>, x: f64) {
        // 1e300 (a float64 scalar beyond float32), not three hundred digits.
        let value = if x.abs() >= 1e16 && x.is_finite() {
            format!("{x:e}")
        } else {
            x.to_string()
        };
        let at = at.unwrap_or_else(|| {
            if h.shape.is_empty() {
                "the scalar".to_string()
            } else {
                format!("element {:?}", h.index_of(k))
            }
        });
        self.non_finite.push(NonFinite {
            path: self.path.clone(),
            entry: self.entries[i].name.clone(),
            at,
            value,
        });
    }

    /// Reads entry `i` (header `h`) into `dst`: a float32 array of `dst`'s shape
    /// (either order), or a 0-d float32 / float64 scalar, which fills `dst`. A value
    /// that is not finite is read as it is, and the first is noted
    /// ([`NpzReader::non_finite`]).
    pub fn read_f32_into(
        &mut self,
        i: usize,
        h: &EntryHeader,
        dst: &mut Array2<f32>,
    ) -> Result<()> {
        let name = self.entries[i].name.clone();
        let scalar = h.shape.is_empty() && matches!(h.dtype, Dtype::F32 | Dtype::F64);
        // A vector (n,) fills a row (1, n) (ngclearn keeps some rows as vectors).
        let row = h.shape.len() == 1 && dst.nrows() == 1 && h.shape[0] == dst.ncols();
        // An array of other than two axes, in C order, fills the values row-major (a
        // compartment of N axes, see `core::component::dims`; one of one axis, as
        // REINFORCESynapse's `rewards`, is held as a column).
        let nd = (h.shape.len() > 2 || (h.shape.len() == 1 && dst.ncols() == 1))
            && !h.fortran_order
            && h.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) == Some(dst.len());
        // int32 values (indices, as a SOM's best-matching unit) are read as float32;
        // the caller decides which compartments may hold them.
        let dtype_ok = matches!(h.dtype, Dtype::F32 | Dtype::I32);
        if !scalar && (!dtype_ok || (h.shape != dst.shape() && !row && !nd)) {
            return Err(self.err(
                &name,
                format!(
                    "expected float32 of shape {:?} (or a scalar), got {}",
                    dst.shape(),
                    h.describe()
                ),
            ));
        }
        let int32 = h.dtype == Dtype::I32;
        if scalar {
            let mut value = 0.0f64;
            self.stream(i, h, |_, b| {
                value = match h.dtype {
                    Dtype::F64 => f64::from_le_bytes(b[..8].try_into().expect("8 bytes")),
                    _ => f32::from_le_bytes(b[..4].try_into().expect("4 bytes")) as f64,
                };
                Ok(())
            })?;
            if !(value as f32).is_finite() {
                self.note_non_finite(i, h, 0, None, value);
            }
            dst.fill(value as f32);
            return Ok(());
        }
        let (rows, cols) = dst.dim();
        let fortran = h.fortran_order && rows > 1 && cols > 1;
        let mut first_bad: Option<(usize, f32)> = None;
        let mut value = |k: usize, c: &[u8]| {
            let bytes = c.try_into().expect("4 bytes");
            let x = if int32 {
                i32::from_le_bytes(bytes) as f32
            } else {
                f32::from_le_bytes(bytes)
            };
            if !x.is_finite() && first_bad.is_none() {
                first_bad = Some((k, x));
            }
            x
        };
        if !fortran && dst.is_standard_layout() {
            let out = dst.as_slice_mut().expect("standard layout");
            self.stream(i, h, |k0, b| {
                for (j, (o, c)) in out[k0..].iter_mut().zip(b.chunks_exact(4)).enumerate() {
                    *o = value(k0 + j, c);
                }
                Ok(())
            })?;
        } else {
            self.stream(i, h, |k0, b| {
                for (j, c) in b.chunks_exact(4).enumerate() {
                    let k = k0 + j;
                    let at = if fortran {
                        [k % rows, k / rows]
                    } else {
                        [k / cols, k % cols]
                    };
                    dst[at] = value(k, c);
                }
                Ok(())
            })?;
        }
        if let Some((k, x)) = first_bad {
            self.note_non_finite(i, h, k, None, x as f64);
        }
        Ok(())
    }

    /// Reads entry `i` (header `h`), a C-order float32 `(n_pre, n_post)` matrix of
    /// `w`'s shape, into synapse weights `w`, storing them as `storage` asks without
    /// holding the dense matrix when they are sparse: the non-zero values are gathered
    /// row by row while they stay at most [`Storage::AUTO_DENSITY`] of the matrix (or
    /// always, for `Sparse`), and a dense matrix takes over past that. `None` when the
    /// entry is not such a matrix (the caller reads it as any other array).
    ///
    /// [`Storage::AUTO_DENSITY`]: crate::core::weights::Storage::AUTO_DENSITY
    pub fn read_weights_into(
        &mut self,
        i: usize,
        h: &EntryHeader,
        w: &mut crate::core::weights::Weights,
        storage: crate::core::weights::Storage,
    ) -> Option<Result<()>> {
        use crate::core::weights::{Csr, Storage, Weights};
        let (n_pre, n_post) = w.shape();
        if h.dtype != Dtype::F32
            || h.shape != [n_pre, n_post]
            || (h.fortran_order && n_pre > 1 && n_post > 1)
            || storage == Storage::Dense
        {
            return None;
        }
        let name = self.entries[i].name.clone();
        let n = n_pre * n_post;
        let limit = match storage {
            Storage::Sparse => usize::MAX,
            _ => (Storage::AUTO_DENSITY * n as f64) as usize,
        };
        let mut csr = Csr {
            shape: (n_pre, n_post),
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
            delays: None,
        };
        let mut dense: Option<ndarray::Array2<f32>> = None;
        let mut first_bad: Option<(usize, f32)> = None;
        let result = self.stream(i, h, |k0, b| {
            let words = b.len() / 4;
            let mut j = 0;
            while j < words {
                // Most of a sparse matrix is zeros: a line of 32 zero bytes (eight
                // +0.0) is passed with one test.
                if dense.is_none() && j + 8 <= words {
                    let line = &b[4 * j..4 * j + 32];
                    let (a, z) = line.split_at(16);
                    let zero = |x: &[u8]| u128::from_ne_bytes(x.try_into().expect("16 bytes")) == 0;
                    if zero(a) && zero(z) {
                        j += 8;
                        continue;
                    }
                }
                let c = &b[4 * j..4 * j + 4];
                let k = k0 + j;
                j += 1;
                let x = f32::from_le_bytes(c.try_into().expect("4 bytes"));
                if !x.is_finite() && first_bad.is_none() {
                    first_bad = Some((k, x));
                }
                if let Some(d) = &mut dense {
                    d.as_slice_mut().expect("a new array is contiguous")[k] = x;
                    continue;
                }
                if x != 0.0 {
                    if csr.indices.len() == limit {
                        // Too many for sparse storage: the dense matrix from here on.
                        let mut d =
                            crate::core::component::filled(&name, "weights", (n_pre, n_post), 0.0)?;
                        let flat = d.as_slice_mut().expect("a new array is contiguous");
                        let mut row = 0;
                        for (e, (&col, &v)) in csr.indices.iter().zip(&csr.data).enumerate() {
                            while csr.indptr.get(row + 1).is_some_and(|&end| end <= e) {
                                row += 1;
                            }
                            flat[row * n_post + col as usize] = v;
                        }
                        flat[k] = x;
                        dense = Some(d);
                        csr = Csr {
                            shape: (0, 0),
                            indptr: Vec::new(),
                            indices: Vec::new(),
                            data: Vec::new(),
                            delays: None,
                        };
                        continue;
                    }
                    while csr.indptr.len() <= k / n_post {
                        csr.indptr.push(csr.indices.len());
                    }
                    csr.indices.push((k % n_post) as u32);
                    csr.data.push(x);
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            return Some(Err(e));
        }
        if let Some((k, x)) = first_bad {
            self.note_non_finite(i, h, k, None, x as f64);
        }
        *w = match dense {
            Some(d) => Weights::from(d),
            None => {
                while csr.indptr.len() <= n_pre {
                    csr.indptr.push(csr.indices.len());
                }
                Weights::from(csr)
            }
        };
        Some(Ok(()))
    }

    /// Reads columns `columns.cols` of entry `i` (header `h`), a float32 array
    /// `(rows, columns.width)` in either order (a vector `(width,)` is one row), into
    /// `dst` (`rows` by the block's width); a 0-d scalar fills `dst`. Only the block is
    /// held: an uncompressed C-order entry is read at the offsets of the block's rows
    /// (only its bytes; the zip's checksum, which covers the whole entry, is then not
    /// checked), any other streamed through. Values that are not finite are read and
    /// noted, as [`NpzReader::read_f32_into`] does.
    pub fn read_f32_columns_into(
        &mut self,
        i: usize,
        h: &EntryHeader,
        columns: &crate::core::partition::Columns,
        dst: &mut Array2<f32>,
    ) -> Result<()> {
        if h.shape.is_empty() && matches!(h.dtype, Dtype::F32 | Dtype::F64) {
            return self.read_f32_into(i, h, dst);
        }
        let name = self.entries[i].name.clone();
        let (rows, width) = (dst.nrows(), columns.width);
        let row = h.shape.len() == 1 && rows == 1 && h.shape[0] == width;
        if h.dtype != Dtype::F32
            || (h.shape != [rows, width] && !row)
            || dst.ncols() != columns.cols.len()
        {
            return Err(self.err(
                &name,
                format!(
                    "expected float32 of shape {:?} (or a scalar), got {}",
                    [rows, width],
                    h.describe()
                ),
            ));
        }
        let fortran = h.fortran_order && rows > 1 && width > 1;
        let first = columns.cols.start;
        if !fortran && self.read_rows_at(i, h, columns, dst)? {
            return Ok(());
        }
        let mut first_bad: Option<(usize, f32)> = None;
        self.stream(i, h, |k0, b| {
            for (j, c) in b.chunks_exact(4).enumerate() {
                let k = k0 + j;
                let x = f32::from_le_bytes(c.try_into().expect("4 bytes"));
                let (r, col) = if fortran {
                    (k % rows, k / rows)
                } else {
                    (k / width, k % width)
                };
                if columns.cols.contains(&col) {
                    if !x.is_finite() && first_bad.is_none() {
                        first_bad = Some((k, x));
                    }
                    dst[[r, col - first]] = x;
                }
            }
            Ok(())
        })?;
        if let Some((k, x)) = first_bad {
            self.note_non_finite(i, h, k, None, x as f64);
        }
        Ok(())
    }

    /// Reads the block `columns` of entry `i`, a C-order float32 `(rows, width)` array,
    /// straight from the file, row by row at their offsets, if the entry is stored
    /// uncompressed (as numpy's `savez` and this crate write them): only the block's
    /// bytes are read, so each of many ranks reads its share of a large saved synapse,
    /// not all of it. `false` (nothing read) for a compressed entry, which is streamed
    /// instead. Values that are not finite are read and noted.
    fn read_rows_at(
        &mut self,
        i: usize,
        h: &EntryHeader,
        columns: &crate::core::partition::Columns,
        dst: &mut Array2<f32>,
    ) -> Result<bool> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            let name = self.entries[i].name.clone();
            let path = self.path.clone();
            let e = self
                .zip
                .by_index_raw(i)
                .map_err(|e| Error::format(&path, &name, e.to_string()))?;
            if e.compression() != CompressionMethod::Stored || e.size() != e.compressed_size() {
                return Ok(false);
            }
            let start = e.data_start() + h.header_len;
            drop(e);
            if start.saturating_add(h.data_len) > self.file_len {
                return Err(self.err(&name, "truncated: the data ends past the end of the file"));
            }
            let (rows, width, n) = (dst.nrows(), columns.width, columns.cols.len());
            let mut bytes = vec![0u8; n * 4];
            let mut first_bad: Option<(usize, usize, f32)> = None;
            for r in 0..rows {
                let at = start + ((r * width + columns.cols.start) * 4) as u64;
                self.file
                    .read_exact_at(&mut bytes, at)
                    .map_err(|e| Error::Io {
                        path: self.path.clone(),
                        message: e.to_string(),
                        not_found: e.kind() == std::io::ErrorKind::NotFound,
                    })?;
                for (k, c) in bytes.chunks_exact(4).enumerate() {
                    let x = f32::from_le_bytes(c.try_into().expect("4 bytes"));
                    if !x.is_finite() && first_bad.is_none() {
                        first_bad = Some((r, columns.cols.start + k, x));
                    }
                    dst[[r, k]] = x;
                }
            }
            if let Some((r, c, x)) = first_bad {
                // Named as the entry is shaped: a vector `(width,)` is one row.
                let at = match h.shape.len() {
                    1 => format!("element [{c}]"),
                    _ => format!("element [{r}, {c}]"),
                };
                self.note_non_finite(i, h, 0, Some(at), x as f64);
            }
            Ok(true)
        }
        #[cfg(not(unix))]
        {
            let _ = (i, h, columns, dst);
            Ok(false)
        }
    }

    /// Reads entry `i` (header `h`) as a PRNG key: uint32 of shape `(2,)`.
    pub fn read_key(&mut self, i: usize, h: &EntryHeader) -> Result<[u32; 2]> {
        if h.dtype != Dtype::U32 || h.shape != [2] {
            return Err(self.err(
                &self.entries[i].name,
                format!("a key must be uint32 of shape (2,), got {}", h.describe()),
            ));
        }
        let mut key = [0u32; 2];
        self.stream(i, h, |k0, b| {
            for (j, c) in b.chunks_exact(4).enumerate() {
                key[k0 + j] = u32::from_le_bytes(c.try_into().expect("4 bytes"));
            }
            Ok(())
        })?;
        Ok(key)
    }

    /// Reads entry `i` (header `h`) whole, as it is (no check of the values).
    pub fn read_array(&mut self, i: usize, h: &EntryHeader) -> Result<NpyArray> {
        let n = h.len();
        let shape = IxDyn(&h.shape).set_f(h.fortran_order);
        let too_big = || self.err(&self.entries[i].name, "too large to allocate");
        macro_rules! collect {
            ($t:ty, $variant:ident, $size:literal) => {{
                let mut v: Vec<$t> = Vec::new();
                v.try_reserve_exact(n).map_err(|_| too_big())?;
                self.stream(i, h, |_, b| {
                    v.extend(
                        b.chunks_exact($size)
                            .map(|c| <$t>::from_le_bytes(c.try_into().expect("element"))),
                    );
                    Ok(())
                })?;
                NpyArray::$variant(ArrayD::from_shape_vec(shape, v).expect("length matches"))
            }};
        }
        Ok(match h.dtype {
            Dtype::F32 => collect!(f32, F32, 4),
            Dtype::F64 => collect!(f64, F64, 8),
            Dtype::U32 => collect!(u32, U32, 4),
            Dtype::I32 => collect!(i32, I32, 4),
            Dtype::I64 => collect!(i64, I64, 8),
            Dtype::U8 => collect!(u8, U8, 1),
        })
    }

    /// Reads entry `i` (header `h`), a one-dimensional array of integers (int32, int64,
    /// uint32 or uint8), as `u64`s; a negative value is an error naming the entry.
    pub fn read_indices(&mut self, i: usize, h: &EntryHeader) -> Result<Vec<u64>> {
        self.read_ints(i, h, u64::MAX)
    }

    /// [`NpzReader::read_indices`] into integers of type `T`, each at most `max` (which
    /// `T` holds): a value beyond it is an error naming the entry, so a synapse's
    /// columns are read as `u32` and its delays as `u8` without a wider copy.
    pub fn read_ints<T: TryFrom<u64>>(
        &mut self,
        i: usize,
        h: &EntryHeader,
        max: u64,
    ) -> Result<Vec<T>> {
        let name = self.entries[i].name.clone();
        if h.shape.len() != 1 || h.dtype == Dtype::F32 || h.dtype == Dtype::F64 {
            return Err(self.err(
                &name,
                format!(
                    "expected a one-dimensional integer array; got {}",
                    h.describe()
                ),
            ));
        }
        let mut v: Vec<T> = Vec::new();
        v.try_reserve_exact(h.len())
            .map_err(|_| self.err(&name, "too large to allocate"))?;
        crate::core::component::advise_huge_capacity(&mut v);
        let size = h.dtype.size() as usize;
        let dtype = h.dtype;
        let (mut negative, mut above) = (false, false);
        self.stream(i, h, |_, b| {
            for c in b.chunks_exact(size) {
                let x = match dtype {
                    Dtype::I32 => i32::from_le_bytes(c.try_into().expect("4 bytes")) as i64,
                    Dtype::I64 => i64::from_le_bytes(c.try_into().expect("8 bytes")),
                    Dtype::U32 => u32::from_le_bytes(c.try_into().expect("4 bytes")) as i64,
                    _ => c[0] as i64,
                };
                negative |= x < 0;
                let x = x.max(0) as u64;
                above |= x > max;
                // In range (checked below, the whole entry read): `T` holds `max`.
                if let Ok(t) = T::try_from(x.min(max)) {
                    v.push(t);
                }
            }
            Ok(())
        })?;
        if negative {
            return Err(self.err(&name, "holds a negative index"));
        }
        if above || v.len() != h.len() {
            return Err(self.err(&name, format!("holds a value above {max}")));
        }
        Ok(v)
    }

    /// Reads entry `i` (header `h`), a one-dimensional float32 array, whole.
    pub fn read_f32_vec(&mut self, i: usize, h: &EntryHeader) -> Result<Vec<f32>> {
        let name = self.entries[i].name.clone();
        if h.shape.len() != 1 || h.dtype != Dtype::F32 {
            return Err(self.err(
                &name,
                format!(
                    "expected a one-dimensional float32 array; got {}",
                    h.describe()
                ),
            ));
        }
        let mut v: Vec<f32> = Vec::new();
        v.try_reserve_exact(h.len())
            .map_err(|_| self.err(&name, "too large to allocate"))?;
        crate::core::component::advise_huge_capacity(&mut v);
        self.stream(i, h, |_, b| {
            v.extend(
                b.chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))),
            );
            Ok(())
        })?;
        Ok(v)
    }
}

/// Reads every array of the npz file at `path`, in file order, as `(name, array)`,
/// each entry at most [`MAX_ENTRY_BYTES`] (checked before it is inflated).
pub fn read_npz(path: &Path) -> Result<Vec<(String, NpyArray)>> {
    let mut npz = NpzReader::open(path)?;
    let mut out = Vec::with_capacity(npz.entries().len());
    for i in 0..npz.entries().len() {
        let h = npz.header(i, MAX_ENTRY_BYTES)?;
        out.push((npz.entries()[i].name.clone(), npz.read_array(i, &h)?));
    }
    Ok(out)
}

/// Writes `arrays` as an uncompressed `.npz` at `path`, in order (what numpy's `savez`
/// and ndarray-npy's `NpzWriter` write).
pub fn write_npz(path: &Path, arrays: &[(String, NpyArray)]) -> Result<()> {
    let mut npz = NpzStream::create(path)?;
    for (name, a) in arrays {
        match a {
            NpyArray::F32(a) => {
                npz.begin(name, Dtype::F32, a.shape())?;
                npz.write_f32(a.iter().copied())?;
            }
            NpyArray::F64(a) => {
                npz.begin(name, Dtype::F64, a.shape())?;
                npz.write_bytes(a.iter().flat_map(|x| x.to_le_bytes()))?;
            }
            NpyArray::U32(a) => {
                npz.begin(name, Dtype::U32, a.shape())?;
                npz.write_bytes(a.iter().flat_map(|x| x.to_le_bytes()))?;
            }
            NpyArray::I32(a) => {
                npz.begin(name, Dtype::I32, a.shape())?;
                npz.write_bytes(a.iter().flat_map(|x| x.to_le_bytes()))?;
            }
            NpyArray::I64(a) => {
                npz.begin(name, Dtype::I64, a.shape())?;
                npz.write_bytes(a.iter().flat_map(|x| x.to_le_bytes()))?;
            }
            NpyArray::U8(a) => {
                npz.begin(name, Dtype::U8, a.shape())?;
                npz.write_bytes(a.iter().copied())?;
            }
        }
    }
    npz.finish()
}

/// An uncompressed `.npz` written one entry at a time, each entry's data in pieces
/// (row blocks of a matrix too large to hold at once): the bytes of [`write_npz`].
pub struct NpzStream {
    zip: zip::ZipWriter<std::io::BufWriter<File>>,
    path: String,
    /// The current entry's name, and the bytes it still expects.
    entry: String,
    left: u64,
}

impl NpzStream {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> Result<NpzStream> {
        let file = File::create(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        })?;
        Ok(NpzStream {
            zip: zip::ZipWriter::new(std::io::BufWriter::with_capacity(1 << 16, file)),
            path: path.display().to_string(),
            entry: String::new(),
            left: 0,
        })
    }

    fn io(&self, e: impl std::fmt::Display) -> Error {
        Error::Io {
            path: self.path.clone(),
            message: e.to_string(),
            not_found: false,
        }
    }

    /// An error about the current entry.
    fn entry_error(&self, message: impl Into<String>) -> Error {
        Error::format(&self.path, &self.entry, message)
    }

    /// Starts entry `name` (`name.npy` in the zip): a C-order array of `dtype` and
    /// `shape`, whose data the next writes give.
    pub fn begin(&mut self, name: &str, dtype: Dtype, shape: &[usize]) -> Result<()> {
        if self.left != 0 {
            return Err(self.entry_error(format!("short of {} bytes", self.left)));
        }
        self.entry = name.to_string();
        let header = npy_header(dtype, shape).ok_or_else(|| {
            self.entry_error(format!("shape {shape:?}: its npy header is too long"))
        })?;
        let data = shape.iter().product::<usize>() as u64 * dtype.size();
        // Zip64 only where an entry needs it (4 GiB or more), as numpy's zipfile does.
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(CompressionMethod::Stored)
            .large_file(data + header.len() as u64 >= u32::MAX as u64);
        self.zip
            .start_file(format!("{name}.npy"), options)
            .map_err(|e| self.io(e))?;
        std::io::Write::write_all(&mut self.zip, &header).map_err(|e| self.io(e))?;
        self.left = data;
        Ok(())
    }

    /// Appends float32 values to the current entry.
    pub fn write_f32(&mut self, values: impl IntoIterator<Item = f32>) -> Result<()> {
        self.write_bytes(values.into_iter().flat_map(f32::to_le_bytes))
    }

    /// Appends raw little-endian bytes to the current entry.
    pub fn write_bytes(&mut self, bytes: impl IntoIterator<Item = u8>) -> Result<()> {
        let mut buf = [0u8; 4096];
        let mut n = 0;
        let mut it = bytes.into_iter();
        loop {
            let mut done = true;
            for b in it.by_ref() {
                buf[n] = b;
                n += 1;
                if n == buf.len() {
                    done = false;
                    break;
                }
            }
            if n as u64 > self.left {
                return Err(self.entry_error("more data than its shape holds"));
            }
            std::io::Write::write_all(&mut self.zip, &buf[..n]).map_err(|e| self.io(e))?;
            self.left -= n as u64;
            n = 0;
            if done {
                return Ok(());
            }
        }
    }

    /// Writes the zip's directory and closes the file.
    pub fn finish(self) -> Result<()> {
        if self.left != 0 {
            return Err(self.entry_error(format!("short of {} bytes", self.left)));
        }
        let NpzStream { zip, path, .. } = self;
        let io = |e: &dyn std::fmt::Display| Error::Io {
            path: path.clone(),
            message: e.to_string(),
            not_found: false,
        };
        let w = zip.finish().map_err(|e| io(&e))?;
        w.into_inner().map_err(|e| io(e.error()))?;
        Ok(())
    }
}

/// An entry's npy header ([`crate::io::npy::write_header`]); `None` if it does not fit.
fn npy_header(dtype: Dtype, shape: &[usize]) -> Option<Vec<u8>> {
    let descr = match dtype {
        Dtype::F32 => "<f4",
        Dtype::F64 => "<f8",
        Dtype::U32 => "<u4",
        Dtype::I32 => "<i4",
        Dtype::I64 => "<i8",
        Dtype::U8 => "|u1",
    };
    crate::io::npy::write_header(descr, shape, crate::io::npy::HeaderLayout::Compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_alone_are_the_columns_of_the_whole_in_either_order() {
        use crate::core::partition::Columns;
        let dir = std::env::temp_dir().join(format!("ngclearn-npz-cols-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cols.npz");
        let c = ndarray::Array2::from_shape_fn((4, 6), |(i, j)| (i * 10 + j) as f32);
        let f = ndarray::Array2::from_shape_fn((4, 6).f(), |(i, j)| (i * 10 + j) as f32 + 0.5);
        let v = ndarray::Array1::from_shape_fn(6, |j| j as f32 * 2.0);
        let mut w = ndarray_npy::NpzWriter::new(File::create(&path).unwrap());
        w.add_array("c", &c).unwrap();
        w.add_array("f", &f).unwrap();
        w.add_array("v", &v).unwrap();
        w.add_array("s", &ndarray::arr0(7.0f32)).unwrap();
        w.finish().unwrap();
        let mut npz = NpzReader::open(&path).unwrap();
        let cols = Columns {
            width: 6,
            cols: 2..5,
        };
        for (i, (name, rows)) in [("c", 4), ("f", 4), ("v", 1), ("s", 4)].iter().enumerate() {
            assert_eq!(npz.entries()[i].name, *name);
            let h = npz.header(i, 4096).unwrap();
            let mut dst = Array2::zeros((*rows, 3));
            npz.read_f32_columns_into(i, &h, &cols, &mut dst).unwrap();
            let want = match *name {
                "c" => c.slice(ndarray::s![.., 2..5]).to_owned(),
                "f" => f.slice(ndarray::s![.., 2..5]).to_owned(),
                "v" => v
                    .slice(ndarray::s![2..5])
                    .to_owned()
                    .insert_axis(ndarray::Axis(0)),
                _ => Array2::from_elem((4, 3), 7.0),
            };
            assert_eq!(dst, want, "{name}");
        }
        // A compressed entry (numpy's savez_compressed) is streamed: the same block.
        let deflated = dir.join("deflated.npz");
        {
            let mut z = zip::ZipWriter::new(File::create(&deflated).unwrap());
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated);
            z.start_file("c.npy", opts).unwrap();
            let mut bytes = Vec::new();
            ndarray_npy::WriteNpyExt::write_npy(&c, &mut bytes).unwrap();
            std::io::Write::write_all(&mut z, &bytes).unwrap();
            z.finish().unwrap();
        }
        let mut z = NpzReader::open(&deflated).unwrap();
        let h = z.header(0, 4096).unwrap();
        let mut dst = Array2::zeros((4, 3));
        z.read_f32_columns_into(0, &h, &cols, &mut dst).unwrap();
        assert_eq!(dst, c.slice(ndarray::s![.., 2..5]));
        // A block of another width is refused, naming the entry.
        let h = npz.header(0, 4096).unwrap();
        let wrong = Columns {
            width: 7,
            cols: 2..5,
        };
        let err = npz
            .read_f32_columns_into(0, &h, &wrong, &mut Array2::zeros((4, 3)))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cols.npz") && err.contains('c'), "{err}");
    }

    #[test]
    fn written_npz_files_are_the_bytes_ndarray_npy_writes() {
        let arrays = vec![
            (
                "key".to_string(),
                NpyArray::U32(ndarray::Array1::from(vec![7u32, 9]).into_dyn()),
            ),
            (
                "scalar".to_string(),
                NpyArray::F32(ArrayD::from_elem(IxDyn(&[]), 0.5)),
            ),
            (
                "f64".to_string(),
                NpyArray::F64(ArrayD::from_elem(IxDyn(&[]), 1.25)),
            ),
            (
                "weights".to_string(),
                NpyArray::F32(
                    ndarray::Array2::from_shape_fn((3, 12), |(i, j)| (i * 12 + j) as f32)
                        .into_dyn(),
                ),
            ),
            (
                "wide".to_string(),
                NpyArray::F32(ArrayD::from_elem(IxDyn(&[1, 100_003]), -2.0)),
            ),
            (
                "long_shape_1234567890".to_string(),
                NpyArray::F32(ArrayD::from_elem(IxDyn(&[1234, 7, 1]), 3.0)),
            ),
            (
                "weights.indices".to_string(),
                NpyArray::I32(ArrayD::from_shape_fn(IxDyn(&[9]), |i| i[0] as i32 - 4)),
            ),
            (
                "weights.indptr".to_string(),
                NpyArray::I64(ArrayD::from_shape_fn(IxDyn(&[5]), |i| {
                    i[0] as i64 * (1 << 40)
                })),
            ),
            (
                "weights.delays".to_string(),
                NpyArray::U8(ArrayD::from_shape_fn(IxDyn(&[7]), |i| 5 + 40 * i[0] as u8)),
            ),
        ];
        let dir = std::env::temp_dir().join(format!("ngclearn-npz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ours = dir.join("ours.npz");
        write_npz(&ours, &arrays).unwrap();
        let theirs = dir.join("theirs.npz");
        let mut w = ndarray_npy::NpzWriter::new(File::create(&theirs).unwrap());
        for (name, a) in &arrays {
            match a {
                NpyArray::F32(a) => w.add_array(name.as_str(), a),
                NpyArray::F64(a) => w.add_array(name.as_str(), a),
                NpyArray::U32(a) => w.add_array(name.as_str(), a),
                NpyArray::I32(a) => w.add_array(name.as_str(), a),
                NpyArray::I64(a) => w.add_array(name.as_str(), a),
                NpyArray::U8(a) => w.add_array(name.as_str(), a),
            }
            .unwrap();
        }
        w.finish().unwrap();
        assert!(std::fs::read(&ours).unwrap() == std::fs::read(&theirs).unwrap());
        assert_eq!(read_npz(&ours).unwrap(), arrays);
    }

    #[test]
    fn element_indices_follow_the_order() {
        let mut h = EntryHeader {
            dtype: Dtype::F32,
            shape: vec![3, 4],
            fortran_order: false,
            header_len: 128,
            data_len: 48,
        };
        assert_eq!(h.index_of(5), [1, 1]);
        h.fortran_order = true;
        assert_eq!(h.index_of(5), [2, 1]);
    }
}
