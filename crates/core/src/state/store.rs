//! The local state file: read with checks (format version, stack, corruption), written
//! atomically (temp file, fsync, rename) with the previous version kept as `<file>.backup`.
//! Refuses to touch a state it does not understand, and says where the backup is.

use std::fs;
use std::path::{Path, PathBuf};

use super::{FORMAT_VERSION, State};
use crate::private_file::{keep_private_copy, resolve_links, write_private};

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state file `{path}`: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "state `{location}` is not valid ({detail})\n  hint: nothing was changed; the previous version is {backup} — inspect it and put it back if it is right"
    )]
    Corrupt { location: String, detail: String, backup: String },
    #[error(
        "state `{location}` has format version {found}; this platformctl understands up to {FORMAT_VERSION}\n  hint: upgrade platformctl; nothing was changed"
    )]
    NewerFormat { location: String, found: u32 },
    #[error(
        "state `{location}` belongs to stack `{found}` in {found_region}, not `{expected}` in {expected_region}\n  hint: pass the right `--state` or backend settings, or the stack file that matches it"
    )]
    OtherStack { location: String, found: String, found_region: String, expected: String, expected_region: String },
    #[error("state `{location}`: {message}")]
    Remote { location: String, message: String },
    #[error(
        "state `{location}` was changed by someone else since this run read it; nothing was overwritten\n  hint: another platformctl wrote it without the lock (or the lock was forced); run the command again"
    )]
    Conflict { location: String },
    #[error(
        "cannot write state file `{path}`: {source}\n  hint: the resources created so far are listed in the previous state write and in AWS (tag `platformctl:stack`)"
    )]
    Write { path: PathBuf, source: std::io::Error },
}

/// Checks and parses a state document: format version, shape, and that it is this stack's.
pub fn parse_state(
    text: &[u8],
    stack: &str,
    region: Option<&str>,
    location: &str,
    backup: &str,
) -> Result<State, StateError> {
    let corrupt =
        |detail: String| StateError::Corrupt { location: location.to_owned(), detail, backup: backup.to_owned() };
    let raw: serde_json::Value = serde_json::from_slice(text).map_err(|e| corrupt(e.to_string()))?;
    let version =
        raw.get("format_version").and_then(|v| v.as_u64()).ok_or_else(|| corrupt("no `format_version`".into()))?;
    if version > u64::from(FORMAT_VERSION) {
        return Err(StateError::NewerFormat { location: location.to_owned(), found: version as u32 });
    }
    let state: State = serde_json::from_value(raw).map_err(|e| corrupt(e.to_string()))?;
    if state.stack != stack || region.is_some_and(|r| r != state.region) {
        return Err(StateError::OtherStack {
            location: location.to_owned(),
            found: state.stack,
            found_region: state.region,
            expected: stack.to_owned(),
            expected_region: region.unwrap_or("any region").to_owned(),
        });
    }
    Ok(state)
}

/// The state document as written: pretty JSON, ending with a newline.
pub fn serialise(state: &State) -> Vec<u8> {
    let mut body = serde_json::to_vec_pretty(state).expect("state serialises");
    body.push(b'\n');
    body
}

/// `.platformctl/<stack>.state.json` beside the stack file.
pub fn default_state_path(stack_file: &Path, stack: &str) -> PathBuf {
    let dir = stack_file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    dir.join(".platformctl").join(format!("{stack}.state.json"))
}

/// A state file on the local disk.
#[derive(Clone, Debug)]
pub struct LocalStore {
    path: PathBuf,
}

impl LocalStore {
    /// The store at `path`; a symbolic link is followed here, once, so that the lock and
    /// every write are on the file it names.
    pub fn new(path: PathBuf) -> Self {
        let path = resolve_links(&path).unwrap_or(path);
        LocalStore { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn backup_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".backup");
        self.path.with_file_name(name)
    }

    /// The state if the file exists, of `stack` in `region` (any region when `None`: a peer's).
    pub fn read_of(&self, stack: &str, region: Option<&str>) -> Result<Option<State>, StateError> {
        match fs::read(&self.path) {
            Ok(text) => {
                let backup = format!("`{}`", self.backup_path().display());
                parse_state(&text, stack, region, &self.path.display().to_string(), &backup).map(Some)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Read { path: self.path.clone(), source }),
        }
    }

    /// The other state files in this one's folder.
    pub fn siblings(&self) -> Vec<Vec<u8>> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let entries = fs::read_dir(dir).map(|d| d.flatten().collect::<Vec<_>>()).unwrap_or_default();
        entries
            .iter()
            .map(|e| e.path())
            .filter(|p| p != &self.path && p.to_string_lossy().ends_with(".state.json"))
            .filter_map(|p| fs::read(p).ok())
            .collect()
    }

    /// Writes a state document as it is (`Store::write` gives it its serial): the old file
    /// kept as the backup, the new one written privately and atomically (`private_file`), links
    /// followed.
    pub fn write_document(&self, document: &[u8]) -> Result<(), StateError> {
        // The old file becomes the backup by a second name, not a copy: a save writes the
        // state once instead of reading it once and writing it twice (and holds no second copy
        // of it in memory: the benchmark's 544 resources make 0.5 MB, saved hundreds of times
        // an apply).
        let written =
            keep_private_copy(&self.path, &self.backup_path()).and_then(|()| write_private(&self.path, document));
        written.map_err(|source| StateError::Write { path: self.path.clone(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Saves `state` the way every command does (`Store::write`: the next serial, then the file).
    fn save(store: &LocalStore, state: &mut State) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(crate::state::Store::Local(store.clone()).write(state)).unwrap();
    }

    #[test]
    fn round_trip_serial_and_backup() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("s.state.json"));
        let mut state = State::new("s", "eu-west-1");
        assert_eq!(state.serial, 0);
        save(&store, &mut state);
        save(&store, &mut state);
        let back = store.read_of("s", Some("eu-west-1")).unwrap().unwrap();
        assert_eq!(back.serial, 2);
        assert_eq!(back.lineage, state.lineage);
        let backup: State = serde_json::from_slice(&fs::read(store.backup_path()).unwrap()).unwrap();
        assert_eq!(backup.serial, 1);
    }

    #[test]
    fn refuses_corrupt_newer_and_foreign_states_without_touching_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.state.json");
        let store = LocalStore::new(path.clone());
        for (content, expect) in [
            ("{\"format_version\": 1, \"stack\": \"s\"", "is not valid"),
            ("", "is not valid"),
            ("{\"format_version\": 99}", "format version 99"),
        ] {
            fs::write(&path, content).unwrap();
            let err = store.read_of("s", Some("eu-west-1")).unwrap_err().to_string();
            assert!(err.contains(expect), "{err}");
            if expect == "is not valid" {
                let backup = store.backup_path().display().to_string();
                assert!(err.contains(&backup), "a corrupt state's error names its backup {backup}: {err}");
            }
            assert_eq!(fs::read_to_string(&path).unwrap(), content);
        }
        let mut other = State::new("other", "eu-west-1");
        save(&store, &mut other);
        let err = store.read_of("s", Some("eu-west-1")).unwrap_err().to_string();
        assert!(err.contains("belongs to stack `other`"), "{err}");
    }

    /// The state, its backup, its lock and their folder are private from their creation; a
    /// state reached through a symbolic link is locked and written where the link points.
    #[cfg(unix)]
    #[test]
    fn state_files_are_private_and_links_are_followed() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".platformctl/s.state.json");
        let store = LocalStore::new(path.clone());
        let mut state = State::new("s", "eu-west-1");
        save(&store, &mut state);
        save(&store, &mut state);
        let lock = crate::state::StateLock::acquire(store.path(), "apply").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&store.backup_path()), 0o600);
        assert_eq!(mode(&dir.path().join(".platformctl/s.state.json.lock")), 0o600);
        assert_eq!(mode(&dir.path().join(".platformctl")), 0o700);
        drop(lock);

        let shared = dir.path().join("shared");
        fs::create_dir(&shared).unwrap();
        fs::rename(&path, shared.join("s.state.json")).unwrap();
        std::os::unix::fs::symlink(shared.join("s.state.json"), &path).unwrap();
        let linked = LocalStore::new(path.clone());
        let _lock = crate::state::StateLock::acquire(linked.path(), "apply").unwrap();
        assert!(shared.join("s.state.json.lock").exists(), "the lock is taken where the state is");
        save(&linked, &mut state);
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_symlink(), "the link is kept");
        let written = linked.read_of("s", Some("eu-west-1")).unwrap().unwrap();
        assert_eq!(written.serial, 3, "written through the link");
        let real: State = serde_json::from_slice(&fs::read(shared.join("s.state.json")).unwrap()).unwrap();
        assert_eq!(real.serial, 3);
    }
}
