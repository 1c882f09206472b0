//! Stack files cut as text, for the tests and the benchmark: a section or entry taken out by
//! its indentation, and what an emulator cannot hold taken out of seed 000's stack.

/// `yaml` without the lines from the one starting with `from` up to (not including) the next
/// line indented no deeper than `until_indent` spaces; `None` when no line starts with `from`.
pub fn without_block(yaml: &str, from: &str, until_indent: usize) -> Option<String> {
    if !yaml.lines().any(|l| l.starts_with(from)) {
        return None;
    }
    let mut out = String::new();
    let mut cutting = false;
    for line in yaml.lines() {
        let indent = line.len() - line.trim_start().len();
        if line.starts_with(from) {
            cutting = true;
            continue;
        }
        if cutting && !line.trim().is_empty() && indent <= until_indent {
            cutting = false;
        }
        if !cutting {
            out.push_str(line);
            out.push('\n');
        }
    }
    Some(out)
}

/// The network sections ministack cannot hold: its DescribeFlowLogs reports no tags and no
/// role (a flow log there never looks applied), and its subnets have no network ACL
/// association to replace (docs/emulators.md). moto runs them (tests/e2e_network.rs).
pub const MINISTACK_GAPS: [&str; 2] = ["  flow_logs:", "  acls:"];

/// `yaml` without the sections of [`MINISTACK_GAPS`], and the ones it had.
pub fn for_ministack(yaml: &str) -> (String, Vec<&'static str>) {
    let mut yaml = yaml.to_owned();
    let mut cut = vec![];
    for block in MINISTACK_GAPS {
        if let Some(without) = without_block(&yaml, block, 2) {
            yaml = without;
            cut.push(block.trim());
        }
    }
    (yaml, cut)
}

/// The grown platform's EKS add-ons, which moto cannot hold (it answers no add-on call,
/// EMULATORS.md).
const GROWN_ADDONS: &str =
    "    addons:\n      vpc-cni: {}\n      kube-proxy: {}\n      coredns: {}\n      eks-pod-identity-agent: {}\n";

/// The grown platform (`grown_platform`) without its EKS add-ons, for moto.
#[allow(dead_code)] // not every test binary that includes this module runs on moto
pub fn grown_platform_for_moto(name: &str, scale: usize) -> String {
    let yaml = grown_platform(name, scale);
    assert!(yaml.contains(GROWN_ADDONS), "the grown platform's add-ons changed shape:\n{yaml}");
    yaml.replace(GROWN_ADDONS, "")
}

/// A grown platform in one stack, for the benchmark (issue 20), at `scale` (3: the issue's
/// shape): `scale` EKS clusters of 5 node groups and 4 add-ons each, and across them 20
/// service account roles, 10/3 postgres entries with a read replica each (connection details
/// published to SSM), 4/3 Redis groups, 20 ECR repositories, 20 log groups, 40/3 secrets and
/// 50 security group rules per unit of scale.
pub fn grown_platform(name: &str, scale: usize) -> String {
    use std::fmt::Write;
    let per = |base: usize| (base * scale).div_ceil(3);
    let mut y = format!(
        "stack: {name}\nregion: eu-west-1\ntags: {{ team: platform }}\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets:  [10.0.0.0/18, 10.0.64.0/18]\n  private_subnets: [10.0.128.0/18, 10.0.192.0/18]\n  nat_gateways: single\nsecurity_groups:\n"
    );
    for c in 0..scale {
        let _ = writeln!(y, "  apps-{c}:\n    description: workloads of cluster {c}\n    ingress:");
        // 25 ports from the two private subnets: 50 rules, under AWS's default quota of 60
        // inbound rules per security group (moto enforces it).
        for port in 0..25 {
            let _ = writeln!(y, "      - {{ protocol: tcp, port: {}, from: private_subnets }}", 8000 + port);
        }
    }
    y.push_str("secrets:\n");
    for s in 0..per(40) {
        let _ = writeln!(y, "  app-{s}: {{ generate: {{ length: 32 }} }}");
    }
    for r in 0..per(4) {
        let _ = writeln!(y, "  cache-auth-{r}: {{ generate: {{ length: 64, punctuation: false }} }}");
    }
    y.push_str("postgres:\n");
    for p in 0..per(10) {
        let _ = writeln!(
            y,
            "  db-{p}:\n    engine_version: \"16.4\"\n    instance_class: db.t4g.micro\n    storage_gb: 20\n    database: app\n    username: app\n    password_secret: app-{p}\n    read_replicas: 1\n    publish_ssm: /{name}/db-{p}"
        );
    }
    y.push_str("redis:\n");
    for r in 0..per(4) {
        let _ = writeln!(
            y,
            "  cache-{r}: {{ engine_version: \"7.1\", node_type: cache.t4g.small, auth_token_secret: cache-auth-{r} }}"
        );
    }
    y.push_str("eks:\n");
    for c in 0..scale {
        let _ = writeln!(
            y,
            "  c{c}:\n    version: \"1.31\"\n    addons:\n      vpc-cni: {{}}\n      kube-proxy: {{}}\n      coredns: {{}}\n      eks-pod-identity-agent: {{}}\n    node_groups:"
        );
        for g in 0..5 {
            let _ =
                writeln!(y, "      g{g}: {{ instance_types: [m6i.large], min_size: 1, max_size: 3, desired_size: 1 }}");
        }
        y.push_str("    service_accounts:\n");
        for s in 0..20 {
            let _ = writeln!(y, "      sa{s}: {{ namespace: apps, read_secrets: [app-{}] }}", (c * 20 + s) % per(40));
        }
    }
    y.push_str("ecr:\n");
    for r in 0..per(60) {
        let _ = writeln!(y, "  app-{r}: {{ scan_on_push: true, tag_mutability: immutable, keep_images: 30 }}");
    }
    y.push_str("log_groups:\n");
    for l in 0..per(60) {
        let _ = writeln!(y, "  /{name}/app-{l}: {{ retention_days: 30 }}");
    }
    y
}
