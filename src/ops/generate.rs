//! `platformctl generate`: a stack file and its state written from what already runs in AWS
//! (platformctl-aws's `discover` reads, platformctl-core's `generate` writes the YAML), so that
//! the next `plan` of the file finds every resource it names. It never writes to AWS, and never
//! over an existing state.

use std::path::{Path, PathBuf};

use anyhow::Context;
use platformctl_aws::discover::{Wanted, discover};
use platformctl_aws::{Aws, ConnectOptions};
use platformctl_core::cross_stack::Neighbours;
use platformctl_core::generate::{Discovered, Generated, found_tags, stack_file};
use platformctl_core::model::validate;
use platformctl_core::resource::schema::Change;
use platformctl_core::resource::{Address, DesiredResource, Value};
use platformctl_core::state::moves::Rename;
use platformctl_core::state::{ResourceState, State, Store};

pub struct GenerateRequest {
    pub stack: String,
    pub region: String,
    pub wanted: Wanted,
    /// Where the stack file goes (standard output when `None`).
    pub out: Option<PathBuf>,
    /// Where the state goes: by default where `plan` of the stack file looks for it.
    pub state_out: Option<PathBuf>,
}

pub struct GeneratedStack {
    pub yaml: String,
    pub state: PathBuf,
    pub recorded: usize,
    /// Resources of the stack file not found in AWS: the next apply creates them.
    pub missing: Vec<Address>,
    pub not_expressed: usize,
}

pub async fn generate(request: &GenerateRequest, connect: &ConnectOptions) -> anyhow::Result<GeneratedStack> {
    let stack_path = request.out.clone().unwrap_or_else(|| PathBuf::from("stack.yaml"));
    let state_path = request
        .state_out
        .clone()
        .unwrap_or_else(|| platformctl_core::state::default_state_path(&stack_path, &request.stack));
    if state_path.exists() {
        anyhow::bail!(
            "refusing to generate over the existing state {}: it may already manage these resources\n  hint: give another --state-out, or move that state away first; nothing was written",
            state_path.display()
        );
    }
    if let Some(out) = request.out.as_ref().filter(|o| o.exists()) {
        anyhow::bail!(
            "refusing to replace {}: generate writes a new file\n  hint: give another --out; nothing was written",
            out.display()
        );
    }
    let aws = Aws::connect(&request.stack, &request.region, connect).await;
    let mut found = discover(&aws, &request.region, &request.wanted).await?;
    found.files_beside = request.out.is_some();
    let (mut generated, desired) = stack_of(&request.stack, &found, &stack_path)?;
    let mut state = State::new(&request.stack, &request.region);
    for d in &desired {
        if let Some(id) = generated.ids.get(&d.address) {
            state.resources.insert(d.address.clone(), known(d.kind, id));
        }
    }
    let report = crate::engine::adopt::recover(&aws, &desired, &Default::default(), &mut state).await?;
    // An id it discovered but could not read back stays out of the state.
    state.resources.retain(|a, _| !report.missing.contains(a));
    // The tags found are said once they are read: the stack's `tags:` change only the desired
    // tags, never an id.
    found.tags = found_tags(&desired, &state);
    let desired = if found.tags == Default::default() {
        desired
    } else {
        let (again, desired) = stack_of(&request.stack, &found, &stack_path)?;
        generated = again;
        desired
    };
    keep_what_aws_has(&desired, &mut state);
    if let Some(out) = &request.out {
        let beside = out.parent().unwrap_or(Path::new("."));
        if let Some(taken) = generated.files.keys().map(|f| beside.join(f)).find(|f| f.exists()) {
            anyhow::bail!(
                "refusing to replace {}: generate writes new files\n  hint: move it away or give another --out; nothing was written",
                taken.display()
            );
        }
        write_files(beside, &generated.files)?;
        write_new(out, generated.yaml.as_bytes())?;
    }
    let store = Store::local(&stack_path, &request.stack, None, Some(state_path.clone()));
    store.write(&mut state).await.with_context(|| format!("writing the state {}", state_path.display()))?;
    Ok(GeneratedStack {
        yaml: generated.yaml,
        state: state_path,
        recorded: state.resources.len(),
        missing: report.missing,
        not_expressed: generated.not_expressed.len(),
    })
}

/// The stack file for what was found, read back and expanded as `plan` will.
/// The policy files it names are read from a scratch folder beside a copy of it: nothing is
/// written where the user asked before the whole is known to be valid.
fn stack_of(stack: &str, found: &Discovered, path: &Path) -> anyhow::Result<(Generated, Vec<DesiredResource>)> {
    let generated = stack_file(stack, found);
    let scratch = tempfile::tempdir().context("a scratch folder for the generated files")?;
    let path = if generated.files.is_empty() {
        path.to_owned()
    } else {
        write_files(scratch.path(), &generated.files)?;
        scratch.path().join(path.file_name().unwrap_or("stack.yaml".as_ref()))
    };
    let loaded = platformctl_core::spec::parse_str(&path, &generated.yaml)
        .map_err(|e| anyhow::anyhow!("the generated stack file does not read back (a bug): {e}\n{}", generated.yaml))?;
    let stack = validate(&loaded).map_err(|d| {
        anyhow::anyhow!("the generated stack file is not valid (a bug):\n{}\n{}", d.render(), generated.yaml)
    })?;
    let desired = platformctl_core::expand::expand(&stack, &Neighbours::default());
    Ok((generated, desired))
}

/// Names and descriptions the stack derives (`<stack>-<name>`, "Private subnets of stack ...")
/// where AWS has others: the entry remembers AWS's (`moves::Rename`, `found`), so that plans keep
/// them instead of renaming — for most, a replacement.
fn keep_what_aws_has(desired: &[DesiredResource], state: &mut State) {
    for d in desired {
        let Some(entry) = state.resources.get_mut(&d.address) else { continue };
        for attr in d.kind.def().compared().filter(|a| matches!(a.change, Change::Replace | Change::InPlace)) {
            if let (Some(Value::Str(wanted)), Some(Value::Str(found))) =
                (d.attrs.get(attr.name), entry.attributes.get(attr.name))
                && wanted != found
            {
                entry.renamed.push(Rename { from: found.clone(), to: wanted.clone(), found: true });
            }
        }
    }
}

/// An entry whose id `generate` knows and whose attributes the read fills in.
fn known(kind: platformctl_core::resource::Kind, id: &str) -> ResourceState {
    ResourceState {
        kind,
        id: Some(id.to_owned()),
        attributes: Default::default(),
        dependencies: Default::default(),
        outputs: Default::default(),
        pending: None,
        deposed: vec![],
        renamed: vec![],
        ownership_tags_pending: false,
    }
}

/// The files a stack file names, under `dir` (their folders made), each a new file.
fn write_files(dir: &Path, files: &std::collections::BTreeMap<String, String>) -> anyhow::Result<()> {
    for (relative, text) in files {
        let file = dir.join(relative);
        std::fs::create_dir_all(file.parent().unwrap_or(dir)).with_context(|| format!("creating {}", dir.display()))?;
        write_new(&file, text.as_bytes())?;
    }
    Ok(())
}

/// Writes a new file, refusing to replace one.
fn write_new(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("creating {} (generate never replaces a file)", path.display()))?;
    file.write_all(contents).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
