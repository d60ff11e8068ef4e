//! Putting a directory in place so that, at every instant, the destination holds either
//! the old directory whole or the new one whole.
//!
//! A [`PendingDir`] is written beside its destination under a hidden name
//! (`.NAME.tmp-PID.N`) and moved in by [`PendingDir::commit`]. Over an existing
//! directory, Linux swaps the two in one atomic step (`renameat2` with
//! `RENAME_EXCHANGE`) and only then removes the old one; where that call is missing
//! (other systems, some file systems) the old directory is first renamed aside
//! (`.NAME.old-PID.N`), and a later [`PendingDir::create`] restores it if the process
//! died between the two renames. Leftovers of dead processes are removed by the next
//! `create` for the same destination. Dropped without a commit, a pending directory
//! removes itself.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

fn io_err(p: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: p.display().to_string(),
        message: e.to_string(),
        not_found: e.kind() == std::io::ErrorKind::NotFound,
    }
}

/// Whether process `pid` has ended (so files tagged with it are leftovers). Unknown
/// (no `/proc`) counts as alive: nothing is removed on a guess.
pub fn process_is_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let proc_root = Path::new("/proc");
    proc_root.join("self").exists() && !proc_root.join(pid.to_string()).exists()
}

/// Whether `path` was last modified more than a minute ago. Leftovers are removed only
/// when their process is gone *and* they are idle: a process that `/proc` does not show
/// (another host sharing the directory, another PID namespace) keeps touching its files.
pub fn idle(path: &Path) -> bool {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age.as_secs() >= 60)
}

/// The process id in a leftover's name `PREFIX PID . N` (or `PREFIX PID - N`).
pub fn tagged_pid(name: &str, prefix: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?;
    let end = rest.find(['.', '-'])?;
    rest[..end].parse().ok()
}

/// A directory written beside its destination, not yet in place.
#[derive(Debug)]
pub struct PendingDir {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl PendingDir {
    /// Makes an empty hidden directory beside `dest` to be filled and then committed.
    /// Creates `dest`'s parent if needed; removes leftovers of dead processes saving to
    /// the same `dest` (restoring an old directory that a crash left renamed aside).
    pub fn create(dest: &Path) -> Result<PendingDir> {
        let name = dest
            .file_name()
            .ok_or_else(|| Error::Io {
                path: dest.display().to_string(),
                message: "has no directory name".into(),
                not_found: false,
            })?
            .to_string_lossy()
            .to_string();
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Some(file) = parent.ancestors().find(|a| a.is_file()) {
            return Err(Error::Io {
                path: dest.display().to_string(),
                message: format!("{} is a file, not a directory", file.display()),
                not_found: false,
            });
        }
        std::fs::create_dir_all(&parent).map_err(|e| io_err(&parent, e))?;
        recover(&parent, &name, dest);
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let tmp = parent.join(format!(
            ".{name}.tmp-{}.{}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        ));
        // Named by the destination: the hidden directory is this module's business.
        std::fs::create_dir(&tmp).map_err(|e| Error::Io {
            path: dest.display().to_string(),
            message: format!("cannot be written: {e}"),
            not_found: false,
        })?;
        Ok(PendingDir {
            tmp,
            dest: dest.to_path_buf(),
            committed: false,
        })
    }

    /// Where to write the directory's content.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// `e`, an error about a file written under [`PendingDir::path`], naming the
    /// file's place in the destination instead (the hidden directory is gone once the
    /// error is reported).
    pub fn at_destination(&self, e: Error) -> Error {
        let tmp = self.tmp.display().to_string();
        let dest = self.dest.display().to_string();
        let fix = |p: String| match p.strip_prefix(&tmp) {
            Some(rest) => format!("{dest}{rest}"),
            None => p,
        };
        match e {
            Error::Io {
                path,
                message,
                not_found,
            } => Error::Io {
                path: fix(path),
                message,
                not_found,
            },
            Error::Format {
                path,
                field,
                message,
            } => Error::Format {
                path: fix(path),
                field,
                message,
            },
            Error::ArgumentType {
                path,
                field,
                message,
            } => Error::ArgumentType {
                path: fix(path),
                field,
                message,
            },
            other => other,
        }
    }

    /// The destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Moves the directory into place, replacing an existing one atomically where the
    /// system allows it (see the module doc).
    pub fn commit(mut self) -> Result<()> {
        let dest = self.dest.clone();
        if dest.is_dir() {
            match exchange(&self.tmp, &dest) {
                Ok(()) => {
                    // `tmp` now holds the old directory.
                    self.committed = true;
                    let _ = std::fs::remove_dir_all(&self.tmp);
                    return Ok(());
                }
                Err(e) if !exchange_unsupported(&e) => return Err(io_err(&dest, e)),
                Err(_) => {}
            }
            let old = self.tmp.with_file_name(
                self.tmp
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .replacen(".tmp-", ".old-", 1),
            );
            std::fs::rename(&dest, &old).map_err(|e| io_err(&dest, e))?;
            if let Err(e) = std::fs::rename(&self.tmp, &dest) {
                let _ = std::fs::rename(&old, &dest);
                return Err(io_err(&dest, e));
            }
            self.committed = true;
            let _ = std::fs::remove_dir_all(&old);
            return Ok(());
        }
        std::fs::rename(&self.tmp, &dest).map_err(|e| io_err(&dest, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// A file written under a temporary name beside its destination, not yet in place.
#[derive(Debug)]
pub struct PendingFile {
    tmp: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl PendingFile {
    /// Takes charge of `tmp`, to be renamed to `dest` (or removed if dropped).
    pub fn new(tmp: PathBuf, dest: PathBuf) -> PendingFile {
        PendingFile {
            tmp,
            dest,
            committed: false,
        }
    }

    /// The destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Renames the file into place (atomically replacing an older file).
    pub fn commit(mut self) -> Result<()> {
        if let Err(e) = std::fs::rename(&self.tmp, &self.dest) {
            return Err(io_err(&self.dest, e));
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Removes what dead processes left while saving to `dest` (named `.NAME.tmp-PID.N`,
/// `.NAME.old-PID.N`). An `old` one with no `dest` is the previous directory, caught
/// between the two renames of the fallback: it is put back.
fn recover(parent: &Path, name: &str, dest: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let (tmp, old) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        if let Some(pid) = tagged_pid(&file, &old) {
            if process_is_gone(pid) && idle(&path) {
                if !dest.exists() {
                    let _ = std::fs::rename(&path, dest);
                } else {
                    let _ = std::fs::remove_dir_all(&path);
                }
            }
        } else if let Some(pid) = tagged_pid(&file, &tmp) {
            if process_is_gone(pid) && idle(&path) {
                let _ = std::fs::remove_dir_all(&path);
            }
        }
    }
}

/// Swaps two directory entries in one atomic step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))
    };
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Errors that mean "no atomic exchange here", not "this replacement cannot work".
fn exchange_unsupported(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EINVAL)) {
        return true;
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir()
            .join(format!("ngclearn-replace-{}", std::process::id()))
            .join(name);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Makes `p` look untouched for two minutes.
    fn age(p: &Path) {
        let past = std::time::SystemTime::now() - std::time::Duration::from_secs(120);
        std::fs::File::open(p).unwrap().set_modified(past).unwrap();
    }

    fn fill(dir: &Path, text: &str) {
        std::fs::write(dir.join("a.txt"), text).unwrap();
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_and_leaves_nothing_beside() {
        let root = scratch("replace");
        let dest = root.join("m");
        for text in ["one", "two"] {
            let p = PendingDir::create(&dest).unwrap();
            fill(p.path(), text);
            p.commit().unwrap();
            assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), text);
        }
        assert_eq!(listing(&root), ["m"]);
    }

    #[test]
    fn dropped_uncommitted_leaves_the_old_directory() {
        let root = scratch("drop");
        let dest = root.join("m");
        std::fs::create_dir(&dest).unwrap();
        fill(&dest, "old");
        let p = PendingDir::create(&dest).unwrap();
        fill(p.path(), "new");
        drop(p);
        assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "old");
        assert_eq!(listing(&root), ["m"]);
    }

    #[test]
    fn leftovers_of_dead_processes_are_cleaned_and_a_stranded_old_directory_restored() {
        let root = scratch("recover");
        let dest = root.join("m");
        // A dead process's pid: one far above any pid_max in use.
        let dead = 4_000_000_000u32;
        let old = root.join(format!(".m.old-{dead}.0"));
        std::fs::create_dir(&old).unwrap();
        fill(&old, "old");
        let tmp = root.join(format!(".m.tmp-{dead}.0"));
        std::fs::create_dir(&tmp).unwrap();
        // Fresh leftovers may belong to a process /proc does not show: kept.
        drop(PendingDir::create(&dest).unwrap());
        assert!(old.exists() && tmp.exists() && !dest.exists());
        for p in [&old, &tmp] {
            age(p);
        }
        let p = PendingDir::create(&dest).unwrap();
        // The stranded old directory is back in place before anything else happens.
        assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "old");
        assert!(!tmp.exists());
        fill(p.path(), "new");
        p.commit().unwrap();
        assert_eq!(std::fs::read_to_string(dest.join("a.txt")).unwrap(), "new");
        assert_eq!(listing(&root), ["m"]);
    }

    #[test]
    fn a_parent_that_is_a_file_is_an_error_that_names_it() {
        let root = scratch("file_parent");
        std::fs::write(root.join("f"), "x").unwrap();
        let e = PendingDir::create(&root.join("f/m"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a file"), "{e}");
    }

    #[test]
    fn errors_name_the_destination_not_the_hidden_directory() {
        // /proc takes no new directories, even from root.
        let dest = Path::new("/proc/ngclearn-test-m");
        match PendingDir::create(dest) {
            Err(Error::Io { path, message, .. }) => {
                assert_eq!(path, dest.display().to_string());
                assert!(message.starts_with("cannot be written"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let root =
            std::env::temp_dir().join(format!("ngclearn-replace-dest-{}", std::process::id()));
        let dest = root.join("m");
        let p = PendingDir::create(&dest).unwrap();
        let inside = p.path().join("component/custom/W.npz");
        let e = p.at_destination(Error::Io {
            path: inside.display().to_string(),
            message: "disk full".into(),
            not_found: false,
        });
        assert_eq!(
            e,
            Error::Io {
                path: dest.join("component/custom/W.npz").display().to_string(),
                message: "disk full".into(),
                not_found: false,
            }
        );
        drop(p);
        let _ = std::fs::remove_dir_all(&root);
    }
}
