//! `platformctl state mv`: a new address for an entry of the state (`OLD NEW`), or entries
//! carried to another stack's state (`--to-stack OTHER ADDRESS…`), as seed 003 splits one stack
//! into networking, k8s and databases. Nothing in AWS is created or deleted; moving between
//! stacks updates the resources' `platformctl:stack` and `platformctl:address` tags.

use std::collections::BTreeSet;
use std::path::Path;

use platformctl_core::plan::scope::{Scope, covers};
use platformctl_core::plan::{Action, Planned};
use platformctl_core::resource::Address;
use platformctl_core::resource::schema::TAGS;
use platformctl_core::state::moves::{self, Moved, Rename};

use super::with_session;
use crate::engine::{Session, SessionOptions};

/// `state mv STACK OLD NEW`: the entry at OLD, and every entry under it, take NEW's address.
pub async fn mv(stack: &Path, from: &str, to: &str, options: &SessionOptions) -> anyhow::Result<Vec<Moved>> {
    with_session(stack, "state mv", options, true, async |session| {
        let moved = moves::move_entries(&mut session.state, from, to)?;
        session.store.write(&mut session.state).await?;
        Ok(moved)
    })
    .await
}

/// What `state mv --to-stack` did.
pub struct MovedToStack {
    pub addresses: Vec<Address>,
    pub from_state: String,
    pub to_state: String,
    /// Resources whose tags now name the other stack.
    pub retagged: usize,
    /// What the other stack's next plan will still show for the moved resources (their
    /// entries there differ from what they were here), or tags that could not be updated.
    pub left: Vec<String>,
}

/// `state mv STACK --to-stack OTHER ADDRESS…`: the entries under each ADDRESS leave STACK's state
/// for OTHER's, both locked. OTHER's file must declare them and STACK's no longer may: the
/// stack files say where each resource belongs, the states follow.
pub async fn to_stack(
    stack: &Path,
    other: &Path,
    patterns: &[String],
    options: &SessionOptions,
) -> anyhow::Result<MovedToStack> {
    let other_options = SessionOptions { state_path: None, ..options.clone() };
    // Not interruptible: a Ctrl-C must not drop the other stack's session without releasing its
    // lock; the writes take a moment.
    with_session(stack, "state mv", options, false, async |source| {
        let mut destination = Session::open(other, "state mv", &other_options).await?;
        let result = carry(source, &mut destination, patterns).await;
        destination.close().await;
        result
    })
    .await
}

async fn carry(source: &mut Session, destination: &mut Session, patterns: &[String]) -> anyhow::Result<MovedToStack> {
    let (from_name, to_name) = (source.stack.name.clone(), destination.stack.name.clone());
    if from_name == to_name {
        anyhow::bail!("both files are the stack `{from_name}`\n  hint: name the other stack's file after --to-stack");
    }
    let addresses = entries_to_move(source, patterns)?;
    let kept_here: BTreeSet<Address> = source.desired(false).into_iter().map(|d| d.address).collect();
    let wanted_there: BTreeSet<Address> = destination.desired(false).into_iter().map(|d| d.address).collect();
    for a in &addresses {
        if kept_here.contains(a) {
            anyhow::bail!(
                "`{a}` is still in {}: its next apply would create it again\n  hint: move its section to {} first; nothing was moved",
                source.sources.main().display(),
                destination.sources.main().display()
            );
        }
        if !wanted_there.contains(a) {
            anyhow::bail!(
                "{} does not declare `{a}`: its next apply would delete it\n  hint: move its section there first; nothing was moved",
                destination.sources.main().display()
            );
        }
        if destination.state.resources.contains_key(a) {
            anyhow::bail!("`{a}` is already in the state of `{to_name}`; nothing was moved");
        }
    }
    if let Some((user, used)) = source.desired(false).iter().find_map(|d| {
        let moving = d.depends_on.iter().find(|dep| addresses.contains(dep))?;
        Some((d.address.clone(), moving.clone()))
    }) {
        anyhow::bail!(
            "`{user}` stays in `{from_name}` but depends on `{used}`, which would move\n  hint: move `{user}` too, or keep `{used}`; nothing was moved"
        );
    }
    let rename = Rename { from: from_name.clone(), to: to_name.clone(), found: false };
    for a in &addresses {
        let mut entry = source.state.resources.remove(a).expect("listed from the state");
        entry.renamed.push(rename.clone());
        entry.dependencies.retain(|d| addresses.contains(d) || destination.state.resources.contains_key(d));
        destination.state.resources.insert(a.clone(), entry);
        if let Some(held) = source.state.held.remove(a) {
            destination.state.held.insert(a.clone(), held);
        }
    }
    // The other state first: if the second write fails, both states name the resources (the
    // next plan of either shows it) rather than neither (forgotten in AWS).
    destination.store.write(&mut destination.state).await?;
    source.store.write(&mut source.state).await?;
    let (retagged, left) = retag(destination, &addresses).await?;
    Ok(MovedToStack {
        addresses: addresses.into_iter().collect(),
        from_state: source.store.location(),
        to_state: destination.store.location(),
        retagged,
        left,
    })
}

/// The state's entries under the patterns; each pattern must name something.
fn entries_to_move(source: &Session, patterns: &[String]) -> anyhow::Result<BTreeSet<Address>> {
    if patterns.is_empty() {
        anyhow::bail!("name the addresses to move, e.g. `postgres.users` (`platformctl state list` shows them)");
    }
    let mut found = BTreeSet::new();
    for p in patterns {
        let matched: Vec<&Address> = source.state.resources.keys().filter(|a| covers(p, a.as_str())).collect();
        if matched.is_empty() {
            return Err(moves::MoveError::Unknown(p.clone()).into());
        }
        found.extend(matched.into_iter().cloned());
    }
    Ok(found)
}

/// Updates the moved resources' tags to name their new stack (the only change made in AWS), and
/// records them. Returns how many were retagged and what the other stack's next plan will still
/// show for them.
async fn retag(destination: &mut Session, addresses: &BTreeSet<Address>) -> anyhow::Result<(usize, Vec<String>)> {
    let scope = Scope { targets: addresses.iter().map(|a| a.to_string()).collect(), excludes: vec![] };
    let plan = match destination.plan(false, &scope).await {
        Ok(plan) => plan,
        Err(e) => return Ok((0, vec![format!("the tags were not updated, the plan failed: {e:#}")])),
    };
    let (mut retagged, mut left) = (0, Vec::new());
    for change in plan.changes.iter().filter(|c| addresses.contains(&c.address)) {
        let tags = change.attributes.iter().find(|a| a.name == TAGS.name);
        let others: Vec<&str> =
            change.attributes.iter().filter(|a| a.name != TAGS.name).map(|a| a.name.as_str()).collect();
        if change.action != Action::Update || !others.is_empty() {
            left.push(format!("{} {} {}", change.action.symbol(), change.address, others.join(", ")));
        }
        let (Some(tags), Some(found)) = (tags, plan.live.get(&change.address)) else { continue };
        let Planned::Known(wanted) = &tags.after else { continue };
        let mut after = found.attrs.clone();
        after.insert(TAGS.name.to_owned(), wanted.clone());
        match platformctl_aws::update(&destination.aws, change.kind, &found.id, &found.attrs, &after).await {
            Ok(()) => {
                if let Some(entry) = destination.state.resources.get_mut(&change.address) {
                    entry.attributes.insert(TAGS.name.to_owned(), wanted.clone());
                }
                retagged += 1;
            }
            Err(e) => {
                left.push(format!("{}: its tags could not be updated ({e}); the next apply does it", change.address))
            }
        }
    }
    destination.store.write(&mut destination.state).await?;
    Ok((retagged, left))
}
