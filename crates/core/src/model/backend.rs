//! Where the state lives: the `state:` section, checked. A local file beside the stack file by
//! default, or an S3 object with a lock object beside it. `--backend-config KEY=VALUE` (for CI)
//! overrides the file's settings through `Backend::with_overrides`.

use std::path::PathBuf;

use super::Checker;
use crate::spec::{Located, StateSpec};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `path` relative to the stack file; `.platformctl/<stack>.state.json` when absent.
    Local { path: Option<PathBuf> },
    /// `region` is the stack's when absent; `kms_key` (an existing key's alias or ARN)
    /// encrypts the state and lock objects, the bucket's default encryption when absent.
    S3 { bucket: String, key: String, region: Option<String>, kms_key: Option<String> },
}

impl Default for Backend {
    fn default() -> Self {
        Backend::Local { path: None }
    }
}

/// The keys `--backend-config` accepts.
pub const BACKEND_KEYS: &[&str] = &["backend", "bucket", "key", "region", "path", "kms_key"];

impl Backend {
    /// The settings after `--backend-config` pairs: each replaces the field it names.
    pub fn with_overrides(&self, pairs: &[(String, String)]) -> Result<Backend, String> {
        if pairs.is_empty() {
            return Ok(self.clone());
        }
        let (mut kind, mut bucket, mut key, mut region, mut path, mut kms_key) = match self {
            Backend::Local { path } => ("local".to_owned(), None, None, None, path.clone(), None),
            Backend::S3 { bucket, key, region, kms_key } => {
                ("s3".to_owned(), Some(bucket.clone()), Some(key.clone()), region.clone(), None, kms_key.clone())
            }
        };
        for (k, v) in pairs {
            match k.as_str() {
                "backend" => kind = v.clone(),
                "bucket" => bucket = Some(v.clone()),
                "key" => key = Some(v.clone()),
                "region" => region = Some(v.clone()),
                "path" => path = Some(PathBuf::from(v)),
                "kms_key" => kms_key = Some(v.clone()),
                other => {
                    return Err(format!(
                        "unknown --backend-config key `{other}`\n  hint: keys are: {}",
                        BACKEND_KEYS.join(", ")
                    ));
                }
            }
        }
        match kind.as_str() {
            "local" => Ok(Backend::Local { path }),
            "s3" => match (bucket, key) {
                (Some(bucket), Some(key)) if bucket_name_ok(&bucket) && key_ok(&key) => {
                    Ok(Backend::S3 { bucket, key, region, kms_key })
                }
                (Some(bucket), Some(key)) => Err(format!(
                    "`{bucket}`/`{key}` is not an S3 bucket and key\n  hint: a bucket is 3-63 lowercase letters, digits, dots and dashes; a key does not start with `/`"
                )),
                _ => Err("the s3 backend needs a bucket and a key\n  hint: --backend-config bucket=NAME --backend-config key=PATH".into()),
            },
            other => Err(format!("unknown backend `{other}`\n  hint: use `local` or `s3`")),
        }
    }
}

fn bucket_name_ok(b: &str) -> bool {
    (3..=63).contains(&b.len())
        && b.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && b.starts_with(|c: char| c.is_ascii_alphanumeric())
        && b.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn key_ok(k: &str) -> bool {
    !k.is_empty() && !k.starts_with('/') && !k.ends_with('/') && k.len() <= 1000
}

pub(super) fn validate(spec: Option<&StateSpec>, check: &mut Checker) -> Backend {
    let Some(s) = spec else { return Backend::default() };
    let only_s3 = |v: &Option<Located<String>>, field: &str, check: &mut Checker| {
        if let Some(v) = v {
            check.error(
                v.location(),
                format!("state.{field}"),
                format!("`{field}` is for the s3 backend"),
                "remove it, or set `backend: s3`",
            );
        }
    };
    match s.backend.as_str() {
        "local" => {
            only_s3(&s.bucket, "bucket", check);
            only_s3(&s.key, "key", check);
            only_s3(&s.region, "region", check);
            only_s3(&s.kms_key, "kms_key", check);
            Backend::Local { path: s.path.as_ref().map(|p| PathBuf::from(p.value())) }
        }
        "s3" => {
            if let Some(p) = &s.path {
                check.error(p.location(), "state.path", "`path` is for the local backend", "remove it");
            }
            let bucket = required(&s.bucket, "bucket", "acme-platform-state", s, check);
            let key = required(&s.key, "key", "prod/user-service.json", s, check);
            if let Some(b) = &s.bucket
                && !bucket_name_ok(b)
            {
                check.error(
                    b.location(),
                    "state.bucket",
                    format!("`{}` is not an S3 bucket name", b.value()),
                    "3 to 63 lowercase letters, digits, dots and dashes",
                );
            }
            if let Some(k) = &s.key
                && !key_ok(k)
            {
                check.error(
                    k.location(),
                    "state.key",
                    format!("`{}` is not an object key", k.value()),
                    "e.g. `prod/user-service.json`",
                );
            }
            if let Some(r) = &s.region
                && !super::naming::is_region_name(r)
            {
                check.error(
                    r.location(),
                    "state.region",
                    format!("`{}` is not an AWS region", r.value()),
                    "e.g. `eu-west-1`",
                );
            }
            Backend::S3 {
                bucket: bucket.unwrap_or_default(),
                key: key.unwrap_or_default(),
                region: s.region.as_ref().map(|r| r.value().clone()),
                kms_key: s.kms_key.as_ref().and_then(|k| state_key(k, check)),
            }
        }
        other => {
            check.error(
                s.backend.location(),
                "state.backend",
                format!("unknown backend `{other}`"),
                "use `local` (the default) or `s3`",
            );
            Backend::default()
        }
    }
}

fn required(
    v: &Option<Located<String>>,
    field: &str,
    example: &str,
    s: &StateSpec,
    check: &mut Checker,
) -> Option<String> {
    if v.is_none() {
        check.error(
            s.backend.location(),
            format!("state.{field}"),
            format!("the s3 backend needs `{field}`"),
            format!("add `{field}: {example}`"),
        );
    }
    v.as_ref().map(|v| v.value().clone())
}

/// The state's key exists before the stack does (the state is written first): an existing key
/// only, never one of the stack's `kms_keys`.
fn state_key(k: &Located<String>, check: &mut Checker) -> Option<String> {
    match super::kms::key_ref(k, "state.kms_key", check)? {
        super::KmsKeyRef::Existing(key) => Some(key),
        super::KmsKeyRef::Stack(name) => {
            check.error(
                k.location(),
                "state.kms_key",
                format!("the state cannot be encrypted with `{name}`, a key the stack itself creates"),
                "the state is written before the stack's keys exist: give an existing key's alias or ARN (e.g. one a bootstrap stack made)",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_overrides_the_file() {
        let local = Backend::default();
        let pairs = |p: &[(&str, &str)]| p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
        let s3 = local
            .with_overrides(&pairs(&[("backend", "s3"), ("bucket", "acme-state"), ("key", "prod/app.json")]))
            .unwrap();
        assert_eq!(
            s3,
            Backend::S3 { bucket: "acme-state".into(), key: "prod/app.json".into(), region: None, kms_key: None }
        );
        let encrypted = s3.with_overrides(&pairs(&[("kms_key", "alias/state")])).unwrap();
        assert!(matches!(encrypted, Backend::S3 { kms_key: Some(k), .. } if k == "alias/state"));
        let own_key = crate::model::test_support::stack_from(
            "stack: app\nregion: eu-west-1\nkms_keys: { data: {} }\nstate: { backend: s3, bucket: acme-state, key: app.json, kms_key: data }\n",
        )
        .unwrap_err();
        assert!(own_key.contains("a key the stack itself creates"), "{own_key}");
        assert!(local.with_overrides(&pairs(&[("backend", "s3")])).unwrap_err().contains("needs a bucket and a key"));
        assert!(local.with_overrides(&pairs(&[("colour", "red")])).unwrap_err().contains("keys are"));
        assert_eq!(s3.with_overrides(&pairs(&[("backend", "local")])).unwrap(), Backend::Local { path: None });
    }
}
