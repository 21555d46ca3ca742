//! [`PathPolicy`]: which server paths a [`crate::Service`] may read and write on a caller's behalf.
//!
//! The desktop shell serves its owner, who picks files with native dialogs: it is
//! [`PathPolicy::Unrestricted`]. `trawl serve` answers anyone holding its token, so a leaked token
//! must not turn into "read or write any file the server can": it runs with
//! [`PathPolicy::Within`] the directories it was started with, and `source_lines` reads only the
//! files recorded as sources of the open database.

use std::path::{Component, Path, PathBuf};

use crate::protocol::ErrorCode;
use crate::ApiError;

/// Where path-taking methods (`open_db`, `ingest_start`, `labels_import`, `labels_export`,
/// `export`, `source_lines`) may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPolicy {
    /// Any path the process can reach (the desktop app: its owner chooses with file dialogs).
    Unrestricted,
    /// Only paths under these directories (canonical: symlinks and `..` resolved), after the
    /// requested path is resolved the same way; `source_lines` only reads regular files recorded as
    /// sources of the open database.
    Within(Vec<PathBuf>),
}

/// What a checked path is used for: whether it must exist, and as what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// An existing regular file that is read (labels import).
    ReadFile,
    /// An existing regular file or directory that is read (ingest input).
    ReadFileOrDir,
    /// A path that may not exist yet and is created or written (database, export folder, labels file).
    Write,
}

impl PathPolicy {
    /// A policy bounded by `dirs`, each resolved to its canonical form; an error names a directory
    /// that does not exist or is not a directory.
    pub fn within<P: AsRef<Path>>(dirs: &[P]) -> Result<PathPolicy, ApiError> {
        let mut out = Vec::new();
        for d in dirs {
            let d = d.as_ref();
            let c = std::fs::canonicalize(d)
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("data directory {}: {e}", d.display())))?;
            if !c.is_dir() {
                return Err(ApiError::new(
                    ErrorCode::BadRequest,
                    format!("data directory {} is not a directory", d.display()),
                ));
            }
            if !out.contains(&c) {
                out.push(c);
            }
        }
        if out.is_empty() {
            return Err(ApiError::new(ErrorCode::BadRequest, "no data directory given"));
        }
        Ok(PathPolicy::Within(out))
    }

    /// True when paths are restricted.
    pub fn is_restricted(&self) -> bool {
        matches!(self, PathPolicy::Within(_))
    }

    /// The allowed directories, as a sentence fragment.
    pub fn describe(&self) -> String {
        match self {
            PathPolicy::Unrestricted => "anywhere".into(),
            PathPolicy::Within(dirs) => dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "),
        }
    }

    /// Checks `path` for `usage`: under `Unrestricted` it is returned as given; under `Within` it is
    /// resolved (symlinks, `..`, relative to the working directory) and must lie under an allowed
    /// directory, and files that are read must be regular files (never a device or a pipe). The
    /// resolved path is returned, so the caller uses what was checked.
    pub(crate) fn check(&self, what: &str, path: &str, usage: Use) -> Result<String, ApiError> {
        let PathPolicy::Within(dirs) = self else {
            return Ok(path.to_string());
        };
        if path.trim().is_empty() {
            return Err(ApiError::new(ErrorCode::BadRequest, format!("no {what} path given")));
        }
        if path.contains('\0') {
            return Err(ApiError::new(ErrorCode::BadRequest, format!("{what} path contains a NUL byte")));
        }
        let resolved = match usage {
            Use::ReadFile | Use::ReadFileOrDir => std::fs::canonicalize(path)
                .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot read {path}: {e}")))?,
            Use::Write => resolve_new(Path::new(path))?,
        };
        if !dirs.iter().any(|d| resolved.starts_with(d)) {
            return Err(refused(what, path, &resolved, dirs));
        }
        match std::fs::metadata(&resolved) {
            Ok(m) => {
                let ok = match usage {
                    Use::ReadFile => m.is_file(),
                    Use::ReadFileOrDir => m.is_file() || m.is_dir(),
                    // Writes create a file or a folder, or replace a regular file or folder.
                    Use::Write => m.is_file() || m.is_dir(),
                };
                if !ok {
                    return Err(ApiError::new(
                        ErrorCode::BadRequest,
                        format!("{what} {path} is not a regular file or directory; trawl serve refuses devices, pipes and sockets"),
                    ));
                }
            }
            Err(e) if usage != Use::Write => {
                return Err(ApiError::new(ErrorCode::Io, format!("cannot read {path}: {e}")));
            }
            Err(_) => {}
        }
        Ok(resolved.display().to_string())
    }
}

fn refused(what: &str, path: &str, resolved: &Path, dirs: &[PathBuf]) -> ApiError {
    let shown =
        if Path::new(path) == resolved { String::new() } else { format!(" (resolved: {})", resolved.display()) };
    let allowed = dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ");
    ApiError::new(
        ErrorCode::Forbidden,
        format!(
            "{what} {path}{shown} is outside the data directories of this server ({allowed}); \
             restart `trawl serve` with --data-dir to allow another directory"
        ),
    )
}

/// Resolves a path that may not exist yet: the longest existing ancestor is canonicalized (its
/// symlinks and `..` resolved) and the rest appended, which may not contain `..`.
fn resolve_new(path: &Path) -> Result<PathBuf, ApiError> {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| ApiError::new(ErrorCode::Io, format!("cannot resolve {}: {e}", path.display())))?
            .join(path)
    };
    let mut existing = abs.as_path();
    let mut rest: Vec<&std::ffi::OsStr> = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(c) => {
                let mut out = c;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Ok(out);
            }
            Err(_) => {
                let name = match existing.components().next_back() {
                    Some(Component::Normal(n)) => n,
                    Some(Component::CurDir) => std::ffi::OsStr::new(""),
                    _ => {
                        return Err(ApiError::new(
                            ErrorCode::BadRequest,
                            format!("cannot resolve {}: `..` after a directory that does not exist", path.display()),
                        ))
                    }
                };
                if !name.is_empty() {
                    rest.push(name);
                }
                existing = existing
                    .parent()
                    .ok_or_else(|| ApiError::new(ErrorCode::Io, format!("cannot resolve {}", path.display())))?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_resolved_before_the_check() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data");
        let other = root.path().join("other");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("secret"), "x").unwrap();
        std::fs::write(data.join("labels.jsonl"), "").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&other, data.join("link")).unwrap();
        let p = PathPolicy::within(&[&data]).unwrap();
        let s = |p: &Path| p.display().to_string();
        assert!(p.check("labels file", &s(&data.join("labels.jsonl")), Use::ReadFile).is_ok());
        let dotdot = format!("{}/../other/secret", data.display());
        let e = p.check("labels file", &dotdot, Use::ReadFile).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
        assert!(e.to_string().contains(&s(&data.canonicalize().unwrap())), "{e}");
        #[cfg(unix)]
        {
            let e = p.check("labels file", &s(&data.join("link/secret")), Use::ReadFile).unwrap_err();
            assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
            let e = p.check("export folder", &s(&data.join("link/new/dir")), Use::Write).unwrap_err();
            assert_eq!(e.code(), ErrorCode::Forbidden, "{e}");
        }
        assert!(p.check("export folder", &s(&data.join("new/dir")), Use::Write).is_ok());
        let e = p.check("export folder", &s(&data.join("new/../../other")), Use::Write).unwrap_err();
        assert!(matches!(e.code(), ErrorCode::Forbidden | ErrorCode::BadRequest), "{e}");
        assert!(p.check("labels file", &s(&data), Use::ReadFile).is_err(), "a directory is not a file");
        #[cfg(unix)]
        {
            let q = PathPolicy::within(&["/dev"]).unwrap();
            let e = q.check("labels file", "/dev/zero", Use::ReadFile).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        assert_eq!(PathPolicy::Unrestricted.check("x", "/etc/passwd", Use::ReadFile).unwrap(), "/etc/passwd");
    }
}
