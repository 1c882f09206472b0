//! `platformctl kubeconfig`: the next step after a new cluster. Writes or merges one cluster,
//! user and context into a kubeconfig file, as `aws eks update-kubeconfig` does: the cluster's
//! endpoint and CA data come from the state (no AWS call), and the user authenticates with
//! `aws eks get-token`, so no credential is ever written to the file.
//!
//! Merging keeps every other entry of the file; entries with the same names are replaced.

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use crate::state::State;

/// What goes into the kubeconfig for one cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The cluster's ARN: the name `aws eks update-kubeconfig` uses for cluster and user.
    pub arn: String,
    pub cluster_name: String,
    pub region: String,
    pub endpoint: String,
    pub certificate_authority: String,
    /// The context name (`--alias`), the ARN by default.
    pub context: String,
    /// An AWS profile for `aws eks get-token`.
    pub profile: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("no EKS cluster `{0}` in the state\n  hint: the stack's clusters are: {1}")]
    UnknownCluster(String, String),
    #[error("cluster `{0}` has no endpoint in the state yet\n  hint: run `platformctl apply` first")]
    NotApplied(String),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not a kubeconfig file: {message}\n  hint: fix or move it, or write elsewhere with --kubeconfig", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// The entry for cluster `name` (the stack's name for it, e.g. `main`) from the state.
pub fn entry(state: &State, name: &str, alias: Option<&str>, profile: Option<&str>) -> Result<Entry, KubeconfigError> {
    let address = crate::expand::cluster_address(name);
    let Some(r) = state.resources.get(&address) else {
        let known: Vec<String> = state
            .resources
            .iter()
            .filter(|(_, r)| r.kind == crate::resource::Kind::EksCluster)
            .filter_map(|(a, _)| a.as_str().strip_prefix("eks.").map(str::to_owned))
            .collect();
        let known = if known.is_empty() { "(none applied yet)".to_owned() } else { known.join(", ") };
        return Err(KubeconfigError::UnknownCluster(name.to_owned(), known));
    };
    let output = |key: &str| r.outputs.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let (arn, endpoint) = (output("arn"), output("endpoint"));
    if arn.is_empty() || endpoint.is_empty() {
        return Err(KubeconfigError::NotApplied(name.to_owned()));
    }
    Ok(Entry {
        cluster_name: r.id.clone().unwrap_or_default(),
        region: state.region.clone(),
        certificate_authority: output("certificate_authority"),
        context: alias.map_or_else(|| arn.clone(), str::to_owned),
        profile: profile.map(str::to_owned),
        endpoint,
        arn,
    })
}

/// The kubeconfig to write to: `--kubeconfig`, else the first path of `KUBECONFIG`, else
/// `~/.kube/config`.
pub fn default_path() -> PathBuf {
    if let Some(first) = std::env::var_os("KUBECONFIG").and_then(|v| std::env::split_paths(&v).next())
        && !first.as_os_str().is_empty()
    {
        return first;
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".kube").join("config")
}

/// Merges `entry` into the kubeconfig at `path` (created if missing) and makes its context
/// the current one.
pub fn write(path: &Path, entry: &Entry) -> Result<(), KubeconfigError> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(KubeconfigError::Read { path: path.to_owned(), source }),
    };
    let mut config = match existing.as_deref().map(str::trim) {
        None | Some("") => json!({ "apiVersion": "v1", "kind": "Config", "preferences": {} }),
        Some(text) => serde_yaml_ng::from_str::<Json>(text)
            .map_err(|e| KubeconfigError::Invalid { path: path.to_owned(), message: e.to_string() })?,
    };
    if !config.is_object() {
        return Err(KubeconfigError::Invalid { path: path.to_owned(), message: "not a mapping".into() });
    }
    merge(&mut config, entry);
    let text = serde_yaml_ng::to_string(&config)
        .map_err(|e| KubeconfigError::Invalid { path: path.to_owned(), message: e.to_string() })?;
    write_private(path, &text).map_err(|source| KubeconfigError::Write { path: path.to_owned(), source })
}

fn merge(config: &mut Json, entry: &Entry) {
    let mut args = vec!["--region", &entry.region, "eks", "get-token", "--cluster-name", &entry.cluster_name];
    args.extend(["--output", "json"]);
    let mut exec = json!({
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "command": "aws",
        "args": args,
        "interactiveMode": "IfAvailable",
    });
    if let Some(profile) = &entry.profile {
        exec["env"] = json!([{ "name": "AWS_PROFILE", "value": profile }]);
    }
    upsert(
        config,
        "clusters",
        json!({ "name": entry.arn, "cluster": {
            "server": entry.endpoint,
            "certificate-authority-data": entry.certificate_authority,
        }}),
    );
    upsert(config, "users", json!({ "name": entry.arn, "user": { "exec": exec } }));
    upsert(
        config,
        "contexts",
        json!({ "name": entry.context, "context": { "cluster": entry.arn, "user": entry.arn } }),
    );
    config["current-context"] = Json::String(entry.context.clone());
}

/// Replaces the item of `list` with the same `name`, or appends it.
fn upsert(config: &mut Json, list: &str, item: Json) {
    if !config[list].is_array() {
        config[list] = json!([]);
    }
    let items = config[list].as_array_mut().expect("an array now");
    match items.iter_mut().find(|i| i["name"] == item["name"]) {
        Some(existing) => *existing = item,
        None => items.push(item),
    }
}

/// Kubeconfigs are private to their user (kubectl warns otherwise).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    crate::private_file::write_private(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(context: &str) -> Entry {
        Entry {
            arn: "arn:aws:eks:eu-west-1:123456789012:cluster/user-service-main".into(),
            cluster_name: "user-service-main".into(),
            region: "eu-west-1".into(),
            endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com".into(),
            certificate_authority: "LS0tLS1CRUdJTg==".into(),
            context: context.into(),
            profile: Some("platform".into()),
        }
    }

    #[test]
    fn merges_into_an_existing_kubeconfig_and_keeps_other_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kind-dev\n  cluster: { server: https://127.0.0.1:6443 }\n\
             users:\n- name: kind-dev\n  user: { token: abc }\ncontexts:\n- name: kind-dev\n  context: { cluster: kind-dev, user: kind-dev }\n\
             current-context: kind-dev\n",
        )
        .unwrap();
        write(&path, &entry("prod")).unwrap();
        // Twice: the second write replaces, never duplicates.
        write(&path, &entry("prod")).unwrap();
        let config: Json = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(config["clusters"].as_array().unwrap().len(), 2);
        assert_eq!(config["users"][0]["user"]["token"], "abc");
        assert_eq!(config["current-context"], "prod");
        let user = &config["users"][1]["user"]["exec"];
        assert_eq!(user["command"], "aws");
        assert_eq!(
            user["args"],
            json!([
                "--region",
                "eu-west-1",
                "eks",
                "get-token",
                "--cluster-name",
                "user-service-main",
                "--output",
                "json"
            ])
        );
        assert_eq!(user["env"][0]["value"], "platform");
        assert_eq!(config["clusters"][1]["cluster"]["server"], "https://ABC.gr7.eu-west-1.eks.amazonaws.com");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn refuses_a_file_that_is_not_a_kubeconfig() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "- just\n- a list\n").unwrap();
        let err = write(&path, &entry("prod")).unwrap_err().to_string();
        assert!(err.contains("is not a kubeconfig file"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "- just\n- a list\n", "left untouched");
    }
}
