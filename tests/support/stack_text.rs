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
