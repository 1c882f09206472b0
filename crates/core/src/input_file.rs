//! Reading the files a stack is made of — stack files, the files they extend, policy files —
//! with the checks that come before any parsing: a regular file (not a folder, a device or a
//! FIFO that would block the read), at most `MAX_BYTES`, UTF-8 text without NUL bytes. So a
//! wrong path or a huge file is a clear error, never a hang or an out-of-memory.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Far above any real stack or policy file (seed 000's whole platform is 4 KiB), far below
/// what would strain memory.
pub const MAX_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read `{path}`: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("`{path}` is a directory, not a file")]
    Directory { path: PathBuf },
    #[error("`{path}` is not a regular file (a device, socket or pipe)")]
    NotRegular { path: PathBuf },
    #[error("`{path}` is {size} bytes; files of a stack may be at most {MAX_BYTES} bytes")]
    TooLarge { path: PathBuf, size: u64 },
    #[error("`{path}` is not a text file ({what})")]
    NotText { path: PathBuf, what: &'static str },
}

/// The text of `path`, checked.
pub fn read(path: &Path) -> Result<String, InputError> {
    let unreadable = |source| InputError::Unreadable { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(InputError::Directory { path: path.to_path_buf() });
    }
    if !meta.is_file() {
        return Err(InputError::NotRegular { path: path.to_path_buf() });
    }
    if meta.len() > MAX_BYTES {
        return Err(InputError::TooLarge { path: path.to_path_buf(), size: meta.len() });
    }
    // Read at most one byte past the limit: a file that grew since is still caught.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path).and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes)).map_err(unreadable)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(InputError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64 });
    }
    if bytes.contains(&0) {
        return Err(InputError::NotText { path: path.to_path_buf(), what: "it contains NUL bytes" });
    }
    String::from_utf8(bytes)
        .map_err(|_| InputError::NotText { path: path.to_path_buf(), what: "it is not valid UTF-8" })
}

/// `stacks/prod/../user-service.yaml` as `stacks/user-service.yaml`: the path messages and
/// `platformctl affected` show (the files are the same; symlinks are not followed).
pub fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `relative` (a path a stack file gives) stays inside the folder it is relative to:
/// not absolute, no `..` out of it — checked on the text, and, where the file exists, on
/// where its links really lead.
pub fn stays_inside(dir: &Path, relative: &Path) -> bool {
    use std::path::Component;
    if relative.is_absolute() || relative.has_root() {
        return false;
    }
    if matches!(lexically_normal(relative).components().next(), Some(Component::ParentDir)) {
        return false;
    }
    let base = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    match (std::fs::canonicalize(base.join(relative)), std::fs::canonicalize(base)) {
        (Ok(real), Ok(real_dir)) => real.starts_with(real_dir),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_devices_huge_and_binary_files_are_refused_before_parsing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path()), Err(InputError::Directory { .. })));
        #[cfg(unix)]
        assert!(matches!(read(Path::new("/dev/zero")), Err(InputError::NotRegular { .. })));
        let huge = dir.path().join("huge.yaml");
        std::fs::write(&huge, vec![b'a'; MAX_BYTES as usize + 1]).unwrap();
        assert!(matches!(read(&huge), Err(InputError::TooLarge { .. })));
        let binary = dir.path().join("b.yaml");
        std::fs::write(&binary, [b'a', 0, b'b']).unwrap();
        assert!(matches!(read(&binary), Err(InputError::NotText { .. })));
        let ok = dir.path().join("ok.yaml");
        std::fs::write(&ok, "stack: a\n").unwrap();
        assert_eq!(read(&ok).unwrap(), "stack: a\n");
    }

    #[test]
    fn paths_must_stay_inside_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("policies")).unwrap();
        std::fs::write(dir.path().join("policies/p.json"), "{}").unwrap();
        assert!(stays_inside(dir.path(), Path::new("policies/p.json")));
        assert!(stays_inside(dir.path(), Path::new("policies/../policies/p.json")));
        assert!(!stays_inside(dir.path(), Path::new("../secrets.json")));
        assert!(!stays_inside(dir.path(), Path::new("policies/../../x.json")));
        assert!(!stays_inside(dir.path(), Path::new("/etc/passwd")));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc/hostname", dir.path().join("policies/out.json")).unwrap();
            assert!(!stays_inside(dir.path(), Path::new("policies/out.json")), "a link out of the folder");
        }
    }
}
