//! `.npy` files: a streaming writer for long recordings, and a reader for inputs.
//!
//! [`NpyStream`] writes rows as they come, so a recording of any length takes flat
//! memory. It writes to a temporary name beside the target and renames it into place
//! in [`NpyStream::finish`]; dropped unfinished, it removes the temporary file, so a
//! failed run leaves no partial recording behind.

use crate::error::{Error, Result};
use ndarray::Array3;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Bytes reserved for the header, enough for any shape we write.
const HEADER_BYTES: usize = 128;

/// Element types the stream writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    /// float32 (`<f4`).
    F32,
    /// int32 (`<i4`).
    I32,
}

impl Dtype {
    fn descr(self) -> &'static str {
        match self {
            Dtype::F32 => "<f4",
            Dtype::I32 => "<i4",
        }
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

fn header(dtype: Dtype, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape}, }}",
        dtype.descr()
    );
    let mut h = b"\x93NUMPY\x01\x00".to_vec();
    let len = HEADER_BYTES - 10;
    h.extend_from_slice(&(len as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(HEADER_BYTES - 1, b' ');
    h.push(b'\n');
    h
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
        let io = |e: std::io::Error| Error::Io {
            path: tmp.display().to_string(),
            message: e.to_string(),
        };
        let mut out = BufWriter::new(File::create(&tmp).map_err(io)?);
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
            path: self.tmp.display().to_string(),
            message: e.to_string(),
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

    /// Rows written so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes the final row count into the header and moves the file into place.
    pub fn finish(mut self) -> Result<PathBuf> {
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
        let moved = done.map_err(|e| self.io(e)).and_then(|_| {
            std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::Io {
                path: self.path.display().to_string(),
                message: e.to_string(),
            })
        });
        if moved.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        moved.map(|_| self.path.clone())
    }
}

impl Drop for NpyStream {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Reads a float32 `.npy` of shape `(steps, batch, units)`.
pub fn read_f32_3d(path: &Path) -> Result<Array3<f32>> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|e| Error::Io {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    const LIMIT: u64 = 16 << 30;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(file, LIMIT + 1), &mut bytes).map_err(
        |e| Error::Io {
            path: shown.clone(),
            message: e.to_string(),
        },
    )?;
    if bytes.len() as u64 > LIMIT {
        return Err(Error::format(&shown, "(file)", "larger than 16 GiB"));
    }
    use ndarray_npy::ViewNpyExt;
    match ndarray::ArrayView3::<f32>::view_npy(&bytes) {
        Ok(a) => Ok(a.to_owned()),
        Err(ndarray_npy::ViewNpyError::WrongNdim(_, got)) => Err(Error::format(
            &shown,
            "(shape)",
            format!("expected 3 dimensions (steps, batch, units), got {got}"),
        )),
        Err(ndarray_npy::ViewNpyError::WrongDescriptor(d)) => Err(Error::format(
            &shown,
            "(dtype)",
            format!("expected float32, got {d}"),
        )),
        Err(e) => Err(Error::format(&shown, "(npy)", e.to_string())),
    }
}
