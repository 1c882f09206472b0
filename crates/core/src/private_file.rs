//! Files only their owner may read — the state, its backup and lock, saved plans, kubeconfigs,
//! an errored state — written so that no moment exists where another user could read them or a
//! reader could see half a file: the folder created 0700, the content written to a temporary
//! file that is 0600 from its creation (with a random name, created exclusively: tempfile's
//! `NamedTempFile`), synced, then renamed over the target.
//!
//! A target that is a symbolic link is followed (the link stays, the file it names is
//! replaced), so that a state kept elsewhere through a link keeps being updated there.

use std::io::Write;
use std::path::{Path, PathBuf};

/// How many links in a row are followed before giving up (a loop).
const MAX_LINKS: usize = 16;

/// The file `path` names once symbolic links are followed; `path` itself when it is none (or
/// does not exist yet).
pub fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other(format!("{}: too many levels of symbolic links", path.display())))
}

/// Creates `dir` and its missing parents, each new one readable by its owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `contents` to `path` (links followed) atomically, readable by its owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let target = resolve_links(path)?;
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    // 0600 and O_EXCL from the start, in the target's folder so the rename stays on one disk.
    let mut temp = tempfile::Builder::new().prefix(".platformctl-").suffix(".tmp").tempfile_in(dir)?;
    temp.write_all(contents)?;
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Makes `copy` another name of the file `original` (a hard link: no byte is read or written),
/// replacing whatever `copy` named at once — so there is always a whole `copy`. Where that is
/// not possible (a file system without hard links, an `original` that others may read, on
/// another disk), `copy` is written as a private copy instead. Nothing to do when `original`
/// does not exist.
pub fn keep_private_copy(original: &Path, copy: &Path) -> std::io::Result<()> {
    let meta = match std::fs::metadata(original) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let dir = copy.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if owner_only(&meta) {
        // Linked under a fresh random name first, then renamed over `copy`: a link cannot
        // replace an existing name itself.
        let linked = tempfile::Builder::new()
            .prefix(".platformctl-")
            .suffix(".link")
            .make_in(dir, |name| std::fs::hard_link(original, name));
        if let Ok(linked) = linked
            && linked.persist(copy).is_ok()
        {
            return Ok(());
        }
    }
    write_private(copy, &std::fs::read(original)?)
}

/// A second name for a file gives it no new permissions: only one its owner alone may read
/// can be kept so.
fn owner_only(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o077 == 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_and_new_folders_are_private_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("new/folder/s.state.json");
        write_private(&file, b"one").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&dir.path().join("new/folder")), 0o700);
        assert_eq!(mode(&dir.path().join("new")), 0o700);
        // An existing file readable by others is replaced by a private one.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert_eq!(mode(&file), 0o600);
        let left: Vec<_> =
            std::fs::read_dir(file.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 1, "no temporary file is left: {left:?}");
    }

    #[test]
    fn a_private_copy_is_a_second_name_that_keeps_the_old_content() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let (state, backup) = (dir.path().join("s.state.json"), dir.path().join("s.state.json.backup"));
        keep_private_copy(&state, &backup).unwrap();
        assert!(!backup.exists(), "nothing to keep before the first save");
        write_private(&state, b"one").unwrap();
        write_private(&backup, b"older").unwrap();
        keep_private_copy(&state, &backup).unwrap();
        let inode = |p: &Path| std::fs::metadata(p).unwrap().ino();
        assert_eq!(inode(&backup), inode(&state), "a hard link, not a copy");
        write_private(&state, b"two").unwrap();
        assert_eq!(std::fs::read(&backup).unwrap(), b"one", "replacing the file leaves the kept one");
        assert_eq!(mode(&backup), 0o600);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(left.len(), 2, "no temporary name is left: {left:?}");
    }

    #[test]
    fn a_file_others_may_read_is_kept_as_a_private_copy() {
        let dir = tempfile::tempdir().unwrap();
        let (state, backup) = (dir.path().join("s.state.json"), dir.path().join("s.state.json.backup"));
        std::fs::write(&state, b"one").unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o644)).unwrap();
        keep_private_copy(&state, &backup).unwrap();
        assert_eq!(std::fs::read(&backup).unwrap(), b"one");
        assert_eq!(mode(&backup), 0o600, "the copy is private though the original is not");
        assert_eq!(mode(&state), 0o644, "the original is left as it is");
    }

    #[test]
    fn a_link_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("elsewhere/s.state.json");
        write_private(&real, b"old").unwrap();
        let link = dir.path().join("s.state.json");
        std::os::unix::fs::symlink("elsewhere/s.state.json", &link).unwrap();
        assert_eq!(resolve_links(&link).unwrap(), dir.path().join("elsewhere/s.state.json"));
        write_private(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(std::fs::read(&real).unwrap(), b"new", "the file it names is updated");
    }

    #[test]
    fn a_loop_of_links_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        assert!(write_private(&dir.path().join("a"), b"x").is_err());
    }
}
