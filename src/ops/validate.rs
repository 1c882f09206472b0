//! `platformctl validate`: the stack file checked offline, and how many resources it expands to.

use std::path::Path;

use platformctl_core::cross_stack::Neighbours;
use platformctl_core::expand::expand;
use platformctl_core::model::load_stack;

pub struct Validated {
    pub stack: String,
    pub resources: usize,
}

pub fn validate(file: &Path) -> anyhow::Result<Validated> {
    let (_, stack) = load_stack(file)?;
    // Offline: without the other stacks' states, a stack expands as if it used none.
    let resources = expand(&stack, &Neighbours::default()).len();
    Ok(Validated { stack: stack.name, resources })
}
