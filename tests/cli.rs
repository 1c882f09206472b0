//! The binary facing bad input and contention: validation errors name file, line and column
//! (snapshotted), garbage never panics, apply refuses without a terminal or approval, and a
//! second run fails cleanly while the state is locked.

mod support;

use std::path::Path;

use support::{Emulator, Kind, platformctl_with_env, workdir_with};

fn platformctl(dir: &Path, args: &[&str]) -> support::Run {
    platformctl_with_env(dir, args, &[])
}

#[test]
fn validation_errors_name_file_line_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "stack: user-service\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [10.0.0.0/18, 10.0.64.0/18]\n  private_subnets: [10.0.128.0/18, 10.1.0.0/18]\n  nat_gateway: single\nsecurity_groups:\n  db:\n    ingress:\n      - { protocol: tcp, port: 5432, from: sg:app }\n",
    )
    .unwrap();
    for command in ["validate", "plan"] {
        let run = platformctl(dir.path(), &[command, "bad.yaml"]).expect(1, command);
        insta::assert_snapshot!(format!("{command}_errors"), run.stderr);
    }
}

#[test]
fn garbage_input_is_a_clear_error_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("empty.yaml"), "").unwrap();
    std::fs::write(d.join("binary.yaml"), [0u8, 159, 146, 150, 255, 0, 1]).unwrap();
    std::fs::write(d.join("latin1.yaml"), b"stack: caf\xe9\n").unwrap();
    std::fs::write(d.join("broken.yaml"), "stack: [a\nregion: {").unwrap();
    std::fs::write(d.join("list.yaml"), "- 1\n- 2\n").unwrap();
    std::fs::create_dir(d.join("a-directory")).unwrap();
    std::fs::write(d.join("huge.yaml"), format!("stack: a\nregion: eu-west-1\n#{}\n", "x".repeat(5 << 20))).unwrap();
    std::fs::write(
        d.join("deep.yaml"),
        format!("stack: a\nregion: eu-west-1\ntags: {}1{}\n", "{a: ".repeat(40), "}".repeat(40)),
    )
    .unwrap();
    let fifo = std::process::Command::new("mkfifo").arg(d.join("pipe.yaml")).status().unwrap();
    assert!(fifo.success());
    for (file, expected) in [
        ("huge.yaml", "files of a stack may be at most"),
        ("deep.yaml", "nests deeper than"),
        // A named pipe would block a read for ever: refused before opening.
        ("pipe.yaml", "not a regular file"),
        ("empty.yaml", "the stack file is empty"),
        ("binary.yaml", "is not a text file"),
        ("latin1.yaml", "not valid UTF-8"),
        ("broken.yaml", "malformed YAML"),
        ("list.yaml", "must be a YAML mapping"),
        ("a-directory", "is a directory"),
        ("missing.yaml", "cannot read stack file"),
    ] {
        let run = platformctl(d, &["validate", file]).expect(1, file);
        assert!(run.stderr.contains(expected), "{file}: expected {expected:?} in:\n{}", run.stderr);
        assert!(run.stderr.contains("hint:"), "{file}: no hint in:\n{}", run.stderr);
    }
}

#[test]
fn apply_without_a_terminal_needs_auto_approve() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, _) = workdir_with("stacks/user-service.yaml");
    let run = emu.platformctl(dir.path(), &["apply", "user-service.yaml"]).expect(1, "apply without approval");
    assert!(run.stderr.contains("--auto-approve"), "{}", run.stderr);
    let destroy = emu.platformctl(dir.path(), &["destroy", "user-service.yaml"]).expect(0, "destroy of nothing");
    assert!(destroy.stdout.contains("No changes"), "{}", destroy.stdout);
}

#[test]
fn a_second_run_fails_cleanly_while_the_state_is_locked() {
    let emu = Emulator::start(Kind::Moto);
    let (dir, _) = workdir_with("stacks/user-service.yaml");
    let state = dir.path().join(".platformctl").join("user-service.state.json");
    // Another platformctl holding the lock: the same OS lock the binary takes.
    let held = platformctl_core::state::StateLock::acquire(&state, "apply").unwrap();
    for command in [&["apply", "user-service.yaml", "--auto-approve"][..], &["plan", "user-service.yaml"][..]] {
        let run = emu.platformctl(dir.path(), command).expect(1, "locked");
        assert!(
            run.stderr.contains("is locked by")
                && run.stderr.contains("`apply`")
                && run.stderr.contains(&format!("pid {}", std::process::id())),
            "{}",
            run.stderr
        );
    }
    assert!(!state.exists(), "a locked run must not write the state");
    drop(held);
    emu.platformctl(dir.path(), &["plan", "user-service.yaml", "--detailed-exitcode"])
        .expect(2, "plan once the lock is free");
}

#[test]
fn every_command_shows_an_example_in_help() {
    for command in ["validate", "plan", "apply", "destroy", "schema", "completions", "man"] {
        let run = platformctl(Path::new("."), &[command, "--help"]).expect(0, command);
        assert!(run.stdout.contains("Example"), "{command} --help has no example:\n{}", run.stdout);
    }
}

/// Completion scripts and the man page come from the same definitions as the parser: every
/// command is in them.
#[test]
fn completions_and_man_page_are_generated_for_every_command() {
    let commands = ["validate", "plan", "apply", "destroy", "drift", "import", "promote", "state", "output", "graph"];
    for (shell, marker) in [
        ("bash", "_platformctl()"),
        ("zsh", "#compdef platformctl"),
        ("fish", "complete -c platformctl"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = platformctl(Path::new("."), &["completions", shell]).expect(0, shell);
        assert!(run.stdout.contains(marker), "{shell}: no `{marker}` in:\n{}", run.stdout);
        for command in commands {
            assert!(run.stdout.contains(command), "{shell} completions lack `{command}`");
        }
    }
    let man = platformctl(Path::new("."), &["man"]).expect(0, "man");
    assert!(man.stdout.starts_with(".ie") || man.stdout.contains(".TH platformctl"), "{}", man.stdout);
    for command in commands {
        assert!(man.stdout.contains(command), "the man page lacks `{command}`");
    }
    let unknown = platformctl(Path::new("."), &["completions", "tcsh"]).expect(1, "an unknown shell");
    assert!(unknown.stderr.contains("possible values"), "{}", unknown.stderr);
}

#[test]
fn shipped_schema_is_current() {
    let run = platformctl(Path::new("."), &["schema"]).expect(0, "schema");
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/stack.schema.json")).unwrap();
    assert_eq!(
        run.stdout, shipped,
        "docs/stack.schema.json is stale: run `cargo run -- schema > docs/stack.schema.json`"
    );
}

/// Team and CI commands facing bad input: clear errors with hints, never a panic, nothing
/// touched. None of these reach AWS.
#[test]
fn state_and_plan_file_mistakes_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("s3.yaml"),
        "stack: app\nregion: eu-west-1\nstate:\n  backend: s3\n  key: /absolute.json\n  path: here.json\n",
    )
    .unwrap();
    let bad_state = platformctl(d, &["validate", "s3.yaml"]).expect(1, "s3 backend without a bucket");
    assert!(bad_state.stderr.contains("the s3 backend needs `bucket`"), "{}", bad_state.stderr);
    assert!(bad_state.stderr.contains("is not an object key"), "{}", bad_state.stderr);
    assert!(bad_state.stderr.contains("`path` is for the local backend"), "{}", bad_state.stderr);

    std::fs::write(d.join("app.yaml"), "stack: app\nregion: eu-west-1\n").unwrap();
    let key = platformctl(d, &["plan", "app.yaml", "--backend-config", "colour=red"]).expect(1, "unknown key");
    assert!(key.stderr.contains("unknown key `colour`"), "{}", key.stderr);
    for (value, said) in [
        ("s3=4", "`s3` is not a service platformctl calls: one of acm, application-autoscaling, ec2"),
        ("iam=0", "`0` is not a number of calls from 1 to 256"),
        ("many", "`many` is not a number of calls from 1 to 256"),
    ] {
        let run = platformctl(d, &["apply", "app.yaml", "--parallelism", value]).expect(1, value);
        assert!(run.stderr.contains(said), "{value}: {}", run.stderr);
    }
    let unlock = platformctl(d, &["force-unlock", "app.yaml", "some-id"]).expect(1, "force-unlock a local state");
    assert!(unlock.stderr.contains("is not locked"), "{}", unlock.stderr);
    let show = platformctl(d, &["state", "show", "app.yaml", "network.vpc"]).expect(1, "state show of nothing");
    assert!(show.stderr.contains("`network.vpc` is not in the state"), "{}", show.stderr);

    std::fs::write(d.join("broken.plan"), "{\"platformctl_plan\": 1, \"stack\": \"app\"}").unwrap();
    let broken = platformctl(d, &["apply", "broken.plan"]).expect(1, "a broken plan file");
    assert!(broken.stderr.contains("is not a platformctl plan file"), "{}", broken.stderr);
    std::fs::write(d.join("future.plan"), "{\"platformctl_plan\": 99}").unwrap();
    let future = platformctl(d, &["apply", "future.plan"]).expect(1, "a plan file from the future");
    assert!(future.stderr.contains("newer platformctl"), "{}", future.stderr);

    std::fs::write(d.join("self.yaml"), "stack: app\nregion: eu-west-1\nnetwork: { from_stack: app }\n").unwrap();
    let own = platformctl(d, &["validate", "self.yaml"]).expect(1, "a stack using its own network");
    assert!(own.stderr.contains("is not another stack's name"), "{}", own.stderr);
}

/// `platformctl graph` over the repository's stacks directory draws seed 001's two regions: the
/// DR stack uses the primary (peering, replica) and its replica points at the primary's
/// instance, in DOT and in Mermaid.
#[test]
fn graph_draws_the_two_region_design() {
    let stacks = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks");
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dot = platformctl(here, &["graph", stacks.to_str().unwrap()]).expect(0, "graph as DOT");
    for expected in [
        "label=\"user-service (eu-west-1)\"",
        "label=\"user-service-dr (eu-central-1)\"",
        "user_service_dr__postgres_users_replica -> user_service__postgres_users;",
        "user_service_dr__stack -> user_service__stack [style=dashed, label=\"uses\"];",
        "user_service_dr__eks_dr_node_group_apps_ -> user_service_dr__eks_dr;",
    ] {
        assert!(dot.stdout.contains(expected), "no `{expected}` in:\n{}", dot.stdout);
    }
    let mermaid = platformctl(here, &["graph", "--format", "mermaid", stacks.to_str().unwrap()]).expect(0, "Mermaid");
    assert!(mermaid.stdout.starts_with("flowchart LR\n"), "{}", mermaid.stdout);
    assert!(mermaid.stdout.contains("user_service_dr__postgres_users_replica --> user_service__postgres_users"));
    assert!(mermaid.stdout.contains("user_service_dr__ -. uses .-> user_service__"), "{}", mermaid.stdout);
}

/// A `replica_of` entry's mistakes are reported like any other field's: file, line, hint.
#[test]
fn replica_of_errors_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dr.yaml"),
        "stack: dr\nregion: eu-central-1\nnetwork:\n  cidr: 10.1.0.0/16\n  azs: [eu-central-1a, eu-central-1b]\n  public_subnets: [10.1.0.0/21, 10.1.8.0/21]\n  private_subnets: [10.1.64.0/18, 10.1.128.0/18]\npostgres:\n  users-replica:\n    replica_of: { stack: dr, postgres: users }\n    instance_class: m6i.large\n    security_groups: [nope]\n  other:\n    replica_of: { stack: primary, postgres: users, region: eu-west-1 }\n    instance_class: db.t4g.medium\n",
    )
    .unwrap();
    let run = platformctl(dir.path(), &["validate", "dr.yaml"]).expect(1, "validate");
    for expected in [
        "error: `dr` is not another stack's name\n  --> dr.yaml:10:26 (postgres.users-replica.replica_of.stack)",
        "--> dr.yaml:11:21 (postgres.users-replica.instance_class)",
        "error: no security group `nope` in this stack\n  --> dr.yaml:12:23 (postgres.users-replica.security_groups)",
        "error: unknown field `region`\n  --> dr.yaml:14:52 (postgres.other.replica_of.region)",
        "hint: expected one of: `stack`, `postgres`, `promoted`",
        "4 errors in dr.yaml",
    ] {
        assert!(run.stderr.contains(expected), "no `{expected}` in:\n{}", run.stderr);
    }
}

/// `platformctl order` over the repository's stacks: every base file and environment, each
/// wave after the stacks it uses (networks before their borrowers, primaries before their
/// disaster-recovery stacks). Paths relative to the repository, as CI runs it.
#[test]
fn order_of_the_shipped_stacks() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = platformctl(here, &["order", "stacks"]).expect(0, "order");
    insta::assert_snapshot!("order_stacks", run.stdout);
}

/// `platformctl affected`: a base file's edit reaches the environments extending it; a policy
/// file's edit reaches the stacks reading it, in every environment; a network's edit reaches
/// the stacks borrowing it, in the wave after it.
#[test]
fn affected_by_shipped_files() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, changed) in [
        ("affected_by_base", vec!["stacks/user-service.yaml"]),
        ("affected_by_policy", vec!["stacks/policies/grafana-cloudwatch.json"]),
        ("affected_by_prod_network", vec!["stacks/prod/networking.yaml", "README.md"]),
    ] {
        let mut args = vec!["affected", "stacks/staging", "stacks/prod", "--changed"];
        args.extend(changed.iter().copied());
        let run = platformctl(here, &args).expect(0, name);
        insta::assert_snapshot!(name, run.stdout);
    }
    let nothing = platformctl(here, &["affected", "stacks", "--changed", "README.md"]).expect(0, "nothing");
    let nothing: serde_json::Value = serde_json::from_str(&nothing.stdout).unwrap();
    assert_eq!(nothing, serde_json::json!({ "waves": [], "stacks": [] }));
}

/// Stacks that use each other in a circle, and two files naming one stack, are errors naming
/// them; so is an `extends` circle, a missing base, and an environment keeping its base's name.
#[test]
fn order_and_extends_mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let network = |cidr: &str| {
        format!(
            "network:\n  cidr: {cidr}.0.0/16\n  azs: [eu-west-1a]\n  public_subnets: [{cidr}.0.0/20]\n  private_subnets: [{cidr}.128.0/18]\n"
        )
    };
    std::fs::create_dir(d.join("circle")).unwrap();
    std::fs::write(
        d.join("circle/a.yaml"),
        format!("stack: a\nregion: eu-west-1\n{}peering:\n  to-b: {{ stack: b }}\n", network("10.1")),
    )
    .unwrap();
    std::fs::write(
        d.join("circle/b.yaml"),
        format!("stack: b\nregion: eu-west-1\n{}peering:\n  to-a: {{ stack: a }}\n", network("10.2")),
    )
    .unwrap();
    let circle = platformctl(d, &["order", "circle"]).expect(1, "a circle of stacks");
    assert!(circle.stderr.contains("a → b → a"), "{}", circle.stderr);
    assert!(circle.stderr.contains("hint:"), "{}", circle.stderr);

    std::fs::create_dir(d.join("twice")).unwrap();
    std::fs::write(d.join("twice/one.yaml"), "stack: same\nregion: eu-west-1\n").unwrap();
    std::fs::write(d.join("twice/two.yaml"), "stack: same\nregion: eu-west-1\n").unwrap();
    let twice = platformctl(d, &["order", "twice"]).expect(1, "one stack name twice");
    assert!(twice.stderr.contains("twice/one.yaml") && twice.stderr.contains("twice/two.yaml"), "{}", twice.stderr);

    std::fs::write(d.join("x.yaml"), "extends: y.yaml\nstack: x\n").unwrap();
    std::fs::write(d.join("y.yaml"), "extends: x.yaml\nstack: y\nregion: eu-west-1\n").unwrap();
    let cycle = platformctl(d, &["validate", "x.yaml"]).expect(1, "an extends circle");
    assert!(cycle.stderr.contains("x.yaml") && cycle.stderr.contains("y.yaml"), "{}", cycle.stderr);
    assert!(cycle.stderr.contains("circle"), "{}", cycle.stderr);

    std::fs::write(d.join("orphan.yaml"), "extends: gone.yaml\nstack: orphan\n").unwrap();
    let missing = platformctl(d, &["validate", "orphan.yaml"]).expect(1, "a missing base");
    assert!(missing.stderr.contains("orphan.yaml:1:10") && missing.stderr.contains("gone.yaml"), "{}", missing.stderr);

    std::fs::write(d.join("base.yaml"), "stack: app\nregion: eu-west-1\n").unwrap();
    std::fs::write(d.join("copy.yaml"), "extends: base.yaml\ntags: { environment: prod }\n").unwrap();
    let unnamed = platformctl(d, &["validate", "copy.yaml"]).expect(1, "an environment without its own name");
    assert!(unnamed.stderr.contains("copy.yaml") && unnamed.stderr.contains("stack:"), "{}", unnamed.stderr);
}

/// Every shipped environment file validates, merged with its base.
#[test]
fn shipped_environments_validate() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    for env in ["staging", "prod"] {
        let dir = here.join("stacks").join(env);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let file = entry.unwrap().path();
            platformctl(here, &["validate", file.to_str().unwrap()]).expect(0, &file.display().to_string());
        }
    }
}

/// The SDK's switches that log request and response bodies would print generated passwords:
/// platformctl refuses to run with them.
#[test]
fn the_sdks_body_logging_switches_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.yaml"), "stack: app\nregion: eu-west-1\n").unwrap();
    for switch in ["LOG_SENSITIVE_BODIES", "LOG_SIGNABLE_BODY"] {
        let run = platformctl_with_env(dir.path(), &["plan", "s.yaml"], &[(switch, "true")]).expect(1, switch);
        assert!(run.stderr.contains(switch) && run.stderr.contains("hint:"), "{}", run.stderr);
    }
}

/// A policy file must be inside the stack file's folder: the repository is what CI plans, and
/// the plan role must not read a runner's files into a role.
#[test]
fn a_policy_file_outside_the_stack_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let stacks = dir.path().join("stacks");
    std::fs::create_dir(&stacks).unwrap();
    std::fs::write(dir.path().join("outside.json"), r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap();
    let stack = |policy: &str| {
        format!(
            "stack: app\nregion: eu-west-1\nnetwork:\n  cidr: 10.0.0.0/16\n  azs: [eu-west-1a, eu-west-1b]\n  public_subnets: [10.0.0.0/18, 10.0.64.0/18]\n  private_subnets: [10.0.128.0/18, 10.0.192.0/18]\neks:\n  main:\n    version: \"1.31\"\n    service_accounts:\n      app:\n        namespace: default\n        policy_file: {policy}\n"
        )
    };
    for policy in ["../outside.json", "/etc/hostname"] {
        std::fs::write(stacks.join("app.yaml"), stack(policy)).unwrap();
        let run = platformctl(dir.path(), &["validate", "stacks/app.yaml"]).expect(1, policy);
        assert!(run.stderr.contains("outside the stack file's folder"), "{}", run.stderr);
        assert!(run.stderr.contains("stacks/app.yaml:14:22"), "{}", run.stderr);
    }
}

/// A destroy needs nothing of the stacks this one uses, so a peer that is gone does not stop
/// it (a warning); a peer's state that cannot be read is an error, not something to skip.
#[test]
fn a_destroy_reports_an_unreadable_neighbour_state_and_skips_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("dr.yaml"),
        "stack: dr\nregion: eu-central-1\nnetwork:\n  cidr: 10.1.0.0/16\n  azs: [eu-central-1a]\n  public_subnets: [10.1.0.0/20]\n  private_subnets: [10.1.128.0/18]\npeering:\n  primary: { stack: primary }\n",
    )
    .unwrap();
    std::fs::create_dir(d.join(".platformctl")).unwrap();
    std::fs::write(d.join(".platformctl/primary.state.json"), "{ not json").unwrap();
    // No AWS call is needed (this stack's state is empty): a closed port makes sure.
    let env = [("AWS_ENDPOINT_URL", "http://127.0.0.1:9")];
    let corrupt = platformctl_with_env(d, &["destroy", "dr.yaml", "--auto-approve"], &env).expect(1, "corrupt peer");
    assert!(
        corrupt.stderr.contains("primary.state.json") && corrupt.stderr.contains("is not valid"),
        "{}",
        corrupt.stderr
    );
    std::fs::remove_file(d.join(".platformctl/primary.state.json")).unwrap();
    let gone = platformctl_with_env(d, &["destroy", "dr.yaml", "--auto-approve"], &env).expect(0, "peer gone");
    assert!(gone.stderr.contains("destroying from this stack's state alone"), "{}", gone.stderr);
}

/// The benchmark's grown platform (tests/support/stack_text.rs) is a valid stack of the issue's
/// shape at scale 3 (about 650 resources: each database adds its replica, SSM parameters and
/// secret fields), and grows with its scale.
#[test]
fn the_benchmarks_grown_platform_is_valid_and_sized() {
    let dir = tempfile::tempdir().unwrap();
    let count = |scale: usize| {
        let file = dir.path().join(format!("grown-{scale}.yaml"));
        std::fs::write(&file, support::stack_text::grown_platform("grown", scale)).unwrap();
        let run = platformctl(dir.path(), &["validate", file.to_str().unwrap()]).expect(0, "valid");
        let resources = run.stdout.split(" is valid (").nth(1).and_then(|r| r.split(' ').next());
        resources.and_then(|n| n.parse::<usize>().ok()).unwrap_or_else(|| panic!("{}", run.stdout))
    };
    let (one, three) = (count(1), count(3));
    assert!((450..=750).contains(&three), "{three} resources at scale 3");
    assert!(three > 2 * one, "{one} at scale 1, {three} at scale 3");
}
