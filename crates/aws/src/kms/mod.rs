//! KMS: customer-managed keys (`key`) and their aliases (`alias`).

pub(crate) mod alias;
pub(crate) mod key;
