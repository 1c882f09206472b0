//! Planner tests: plain data in, plan out. Live reads are built by "applying" desired resources
//! with fake ids, so every scenario (fresh, converged, changed YAML, drift, deletion outside,
//! pending create adopted or lost) is checked without AWS.

use super::*;
use crate::expand::expand;
use crate::model::test_support::{USER_SERVICE, stack_from};
use crate::resource::{Attrs, Lookup, Observed};
use crate::state::{Pending, PendingOperation, ResourceState};

fn desired(src: &str) -> Vec<DesiredResource> {
    expand(&stack_from(src).unwrap(), &Default::default())
}

fn fake_id(a: &Address) -> String {
    format!("id-{a}")
}

/// The state and live read after a perfect apply of `desired`.
fn converged(desired: &[DesiredResource]) -> (State, Live) {
    let mut state = State::new("user-service", "eu-west-1");
    let mut live = Live::new();
    for d in desired {
        let lookup =
            Lookup { id: &|a| Some(fake_id(a)), output: &|a, name| Some(Value::str(format!("{name}-of-{a}"))) };
        let attrs: Attrs = d.attrs.iter().map(|(k, v)| (k.clone(), v.resolve(&lookup).unwrap())).collect();
        state.resources.insert(
            d.address.clone(),
            ResourceState {
                kind: d.kind,
                id: Some(fake_id(&d.address)),
                attributes: attrs.clone(),
                dependencies: d.depends_on.clone(),
                outputs: Attrs::new(),
                pending: None,
                deposed: vec![],
                renamed: vec![],
                ownership_tags_pending: false,
            },
        );
        live.insert(
            d.address.clone(),
            Observed::Present(LiveResource {
                id: fake_id(&d.address),
                attrs,
                ready: true,
                outputs: Default::default(),
            }),
        );
    }
    (state, live)
}

fn live_attrs<'a>(live: &'a mut Live, address: &str) -> &'a mut Attrs {
    match live.get_mut(&Address::new(address)).unwrap() {
        Observed::Present(r) => &mut r.attrs,
        Observed::Absent => panic!("absent"),
    }
}

fn rendered(plan: &Plan) -> String {
    crate::render::human::plan_text(plan, false)
}

#[test]
fn fresh_stack_creates_everything_in_address_order() {
    let d = desired(USER_SERVICE);
    let state = State::new("user-service", "eu-west-1");
    let p = plan(&d, &state, &Live::new()).unwrap();
    assert_eq!(p.summary().create, d.len());
    assert!(p.changes.windows(2).all(|w| w[0].address < w[1].address));
    insta::assert_snapshot!(rendered(&p));
}

#[test]
fn converged_stack_has_no_changes() {
    let d = desired(USER_SERVICE);
    let (state, live) = converged(&d);
    let p = plan(&d, &state, &live).unwrap();
    assert!(!p.has_changes(), "{:?}", p.changes);
    assert!(p.forget.is_empty());
}

#[test]
fn yaml_changes_show_exactly_those_changes() {
    let before = desired(USER_SERVICE);
    let (state, live) = converged(&before);
    let edited = USER_SERVICE
        .replace("nat_gateways: single", "nat_gateways: per_az")
        .replace("team: platform", "team: payments")
        .replace("      - { protocol: tcp, port: 22, from: 203.0.113.0/24 }\n", "      - { protocol: tcp, port: 22, from: 203.0.113.0/24 }\n      - { protocol: tcp, port: 443, from: vpc }\n");
    let p = plan(&desired(&edited), &state, &live).unwrap();
    let s = p.summary();
    // New: EIP + NAT in eu-west-1b, and the new rule. Every taggable resource's tag changes;
    // the private route in eu-west-1b points at the new NAT gateway.
    assert_eq!((s.create, s.replace, s.delete), (3, 0, 0), "{}", rendered(&p));
    let route = p.change(&Address::new("network.route.private_default[eu-west-1b]")).unwrap();
    assert_eq!(route.action, Action::Update);
    assert_eq!(route.attributes[0].after, Planned::KnownAfterApply(Address::new("network.nat[eu-west-1b]")));
    assert!(p.change(&Address::new("network.route.private_default[eu-west-1a]")).is_none());
    insta::assert_snapshot!(rendered(&p));
}

#[test]
fn drift_is_named_and_deleted_resources_are_recreated() {
    let d = desired(USER_SERVICE);
    let (state, mut live) = converged(&d);
    live.insert(Address::new("network.route.public_default"), Observed::Absent);
    live_attrs(&mut live, "network.subnet.public[eu-west-1a]")
        .insert("map_public_ip_on_launch".into(), Value::Bool(false));
    let p = plan(&d, &state, &live).unwrap();
    let route = p.change(&Address::new("network.route.public_default")).unwrap();
    assert_eq!((route.action, route.drift), (Action::Create, true));
    assert_eq!(route.reasons, vec!["deleted outside platformctl"]);
    let subnet = p.change(&Address::new("network.subnet.public[eu-west-1a]")).unwrap();
    assert_eq!((subnet.action, subnet.drift), (Action::Update, true));
    assert_eq!(subnet.reasons, vec!["drift: `map_public_ip_on_launch` changed outside platformctl"]);
    assert_eq!(p.summary().total(), 2);
}

/// What `generate` recorded lacks platformctl's ownership tags: that alone is no change (the
/// generated stack plans clean); a missing tag of the stack's own is, and so is any other
/// change, whose update then carries the ownership tags too.
#[test]
fn resources_made_without_platformctl_plan_clean_without_its_ownership_tags() {
    let d = desired(USER_SERVICE);
    let (mut state, mut live) = converged(&d);
    let (vpc, subnet) = (Address::new("network.vpc"), Address::new("network.subnet.public[eu-west-1a]"));
    for address in [&vpc, &subnet] {
        state.resources.get_mut(address).unwrap().ownership_tags_pending = true;
        let tags = live_attrs(&mut live, address.as_str()).get_mut("tags").unwrap();
        let Value::Map(tags) = tags else { panic!("tags: {tags:?}") };
        tags.retain(|k, _| !crate::resource::tags::OWNERSHIP.contains(&k.as_str()));
        tags.insert("Name".into(), Value::str("made-by-hand"));
    }
    let p = plan(&d, &state, &live).unwrap();
    assert!(!p.has_changes(), "{:?}", p.changes);
    assert!(p.notices.iter().any(|n| n.starts_with("2 resource(s) made without platformctl")), "{:?}", p.notices);

    live_attrs(&mut live, subnet.as_str()).insert("map_public_ip_on_launch".into(), Value::Bool(false));
    let Some(Value::Map(tags)) = live_attrs(&mut live, vpc.as_str()).get_mut("tags") else { panic!() };
    tags.remove("team");
    let p = plan(&d, &state, &live).unwrap();
    let changed = |a: &Address| p.change(a).unwrap().attributes.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert_eq!(changed(&vpc), ["tags"], "the stack's own tag is missing");
    assert_eq!(changed(&subnet), ["map_public_ip_on_launch", "tags"], "updated, with the ownership tags");
}

#[test]
fn replacement_names_the_attribute_and_cascades_to_dependents() {
    let d = desired(USER_SERVICE);
    let (state, live) = converged(&d);
    let moved = desired(&USER_SERVICE.replace("10.0.0.0/18, 10.0.64.0/18", "10.0.0.0/19, 10.0.64.0/18"));
    let p = plan(&moved, &state, &live).unwrap();
    let subnet = p.change(&Address::new("network.subnet.public[eu-west-1a]")).unwrap();
    assert_eq!(subnet.action, Action::Replace);
    assert_eq!(subnet.reasons, vec!["`cidr_block` forces replacement"]);
    // The NAT gateway and the association sit in that subnet: they are replaced too.
    for a in ["network.nat[eu-west-1a]", "network.route_table_association.public[eu-west-1a]"] {
        assert_eq!(p.change(&Address::new(a)).unwrap().action, Action::Replace, "{a}");
    }
    // Routes through the NAT gateway are repointed in place.
    assert_eq!(p.change(&Address::new("network.route.private_default[eu-west-1a]")).unwrap().action, Action::Update);
}

#[test]
fn removed_resources_are_deleted_and_vanished_ones_forgotten() {
    let d = desired(USER_SERVICE);
    let (state, mut live) = converged(&d);
    live.insert(Address::new("security_group.bastion.ingress[tcp:22:203.0.113.0/24]"), Observed::Absent);
    let without_bastion = desired(&USER_SERVICE.replace("      - { protocol: tcp, ports: 8000-8100, from: sg:bastion }\n", "").replace(
        "  bastion:\n    description: SSH from the office\n    ingress:\n      - { protocol: tcp, port: 22, from: 203.0.113.0/24 }\n",
        "",
    ));
    let p = plan(&without_bastion, &state, &live).unwrap();
    let deleted: Vec<&str> =
        p.changes.iter().filter(|c| c.action == Action::Delete).map(|c| c.address.as_str()).collect();
    assert_eq!(deleted, vec!["security_group.bastion", "security_group.postgres.ingress[tcp:8000-8100:sg:bastion]"]);
    assert_eq!(p.forget, vec![Address::new("security_group.bastion.ingress[tcp:22:203.0.113.0/24]")]);
}

#[test]
fn pending_create_found_in_aws_is_adopted_not_recreated() {
    let d = desired(USER_SERVICE);
    let (mut state, live) = converged(&d);
    let vpc = Address::new("network.vpc");
    let entry = state.resources.get_mut(&vpc).unwrap();
    entry.id = None;
    entry.pending = Some(Pending { operation: PendingOperation::Create, token: "t".into(), started_at: "now".into() });
    let p = plan(&d, &state, &live).unwrap();
    assert!(p.change(&Address::new("postgres.db")).is_none(), "{}", rendered(&p));
    assert_eq!(p.live[&vpc].id, "id-network.vpc");
    assert_eq!(p.adopted, vec![vpc.clone()]);
    assert!(p.has_work(), "the adoption must be recorded by apply");
}

#[test]
fn pending_create_not_found_is_created_with_a_reason() {
    let d = desired(USER_SERVICE);
    let (mut state, mut live) = converged(&d);
    let vpc = Address::new("network.vpc");
    let entry = state.resources.get_mut(&vpc).unwrap();
    entry.id = None;
    entry.pending = Some(Pending { operation: PendingOperation::Create, token: "t".into(), started_at: "now".into() });
    live.insert(vpc.clone(), Observed::Absent);
    let p = plan(&d, &state, &live).unwrap();
    let c = p.change(&vpc).unwrap();
    assert_eq!(c.action, Action::Create);
    assert!(!c.drift);
    assert!(c.reasons[0].contains("did not finish"));
}

#[test]
fn unready_resources_are_waited_for() {
    let d = desired(USER_SERVICE);
    let (state, mut live) = converged(&d);
    if let Some(Observed::Present(r)) = live.get_mut(&Address::new("network.nat[eu-west-1a]")) {
        r.ready = false;
    }
    let p = plan(&d, &state, &live).unwrap();
    assert!(!p.has_changes());
    assert_eq!(p.wait_for, vec![Address::new("network.nat[eu-west-1a]")]);
}

#[test]
fn markdown_for_a_pull_request_puts_destructive_changes_first() {
    let (state, live) = converged(&desired(USER_SERVICE));
    let edited = USER_SERVICE
        .replace("tags: { team: platform }", "tags: { team: payments }")
        .replace("private_subnets: [10.0.128.0/18, 10.0.192.0/18]", "private_subnets: [10.0.128.0/18, 10.0.192.0/19]")
        .replace("      - { protocol: tcp, ports: 8000-8100, from: sg:bastion }\n", "")
        .replace(
            "  postgres:\n",
            "  web:\n    description: HTTPS\n    ingress:\n      - { protocol: tcp, port: 443, from: 0.0.0.0/0 }\n  postgres:\n",
        );
    let p = plan(&desired(&edited), &state, &live).unwrap();
    let md = crate::render::markdown::plan_markdown(&p, "user-service");
    let first = md.lines().next().unwrap();
    assert!(first.starts_with("**platformctl plan `user-service`: ") && first.contains("to replace"), "{first}");
    assert!(md.find("#### Destructive changes").unwrap() < md.find("#### Other changes").unwrap());
    insta::assert_snapshot!(md);
}

/// A DR stack with a `replica_of` entry, its source known (as a session opens with it).
fn dr_stack(promoted: bool) -> Vec<DesiredResource> {
    let flag = if promoted { ", promoted: true" } else { "" };
    let src = format!(
        "stack: user-service-dr\nregion: eu-central-1\nnetwork:\n  cidr: 10.1.0.0/16\n  azs: [eu-central-1a, eu-central-1b]\n  public_subnets: [10.1.0.0/21, 10.1.8.0/21]\n  private_subnets: [10.1.64.0/18, 10.1.128.0/18]\npostgres:\n  users-replica:\n    replica_of: {{ stack: user-service, postgres: users{flag} }}\n    instance_class: db.t4g.medium\n"
    );
    let stack = stack_from(&src).unwrap();
    let mut neighbours = crate::cross_stack::Neighbours::default();
    neighbours.replica_sources.push(crate::cross_stack::ReplicaSource {
        replica: "users-replica".into(),
        identifier: "user-service-users".into(),
        arn: "arn:aws:rds:eu-west-1:123456789012:db:user-service-users".into(),
        region: "eu-west-1".into(),
        storage_encrypted: true,
        address: "user-service-users.abc.eu-west-1.rds.amazonaws.com".into(),
        port: 5432,
        database: "users".into(),
        username: "app".into(),
        password_secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:user-service/postgres-master".into(),
    });
    expand(&stack, &neighbours)
}

/// `converged`, with the replica's endpoint reported as AWS reports it (the secret refers to it).
fn converged_with_replica_outputs(d: &[DesiredResource]) -> (State, Live) {
    let (state, mut live) = converged(d);
    if let Some(Observed::Present(r)) = live.get_mut(&Address::new("postgres.users-replica")) {
        r.outputs.insert("address".into(), Value::str("address-of-postgres.users-replica"));
        r.outputs.insert("port".into(), Value::str("port-of-postgres.users-replica"));
    }
    (state, live)
}

#[test]
fn a_promoted_replica_is_flagged_until_the_stack_file_says_so() {
    let replica = Address::new("postgres.users-replica");
    let d = dr_stack(false);
    let r = d.iter().find(|r| r.address == replica).unwrap();
    assert_eq!(
        crate::kinds::db_read_replica::KMS_KEY.get(&r.attrs),
        &Value::str("alias/aws/rds"),
        "encrypted source, another region"
    );
    assert_eq!(crate::kinds::db_read_replica::SOURCE_REGION.get(&r.attrs), &Value::str("eu-west-1"));
    let (mut state, mut live) = converged_with_replica_outputs(&d);
    let p = plan(&d, &state, &live).unwrap();
    assert!(!p.has_changes(), "{:?}", p.changes);

    // `platformctl promote` ran: AWS reports no source, and the state records it so.
    live_attrs(&mut live, "postgres.users-replica").insert("source".into(), Value::Null);
    state.resources.get_mut(&replica).unwrap().attributes.insert("source".into(), Value::Null);
    let p = plan(&d, &state, &live).unwrap();
    let change = p.changes.iter().find(|c| c.address == replica).unwrap();
    assert_eq!(change.action, Action::Replace);
    let loss = p.data_loss.iter().find(|l| l.address == replica).expect("flagged as data loss");
    assert!(loss.reason.contains("add `promoted: true`"), "{}", loss.reason);
    assert!(loss.reason.contains("user-service-users"), "{}", loss.reason);

    // With `promoted: true` the instance is kept as it is; the secret's `host` follows it.
    let kept = dr_stack(true);
    let p = plan(&kept, &state, &live).unwrap();
    assert!(p.changes.iter().all(|c| c.address != replica), "{:?}", p.changes);
    let fields = kept.iter().find(|r| r.address.as_str() == "postgres.users-replica.secret.fields").unwrap();
    let host = crate::kinds::secret_fields::FIELDS.get(&fields.attrs).as_map().unwrap()["host"].clone();
    assert_eq!(host, Value::Output(replica.clone(), "address".into()));
    assert!(p.refused.is_empty());

    // `promoted: true` while AWS still replicates is refused, naming the command to run.
    let (state, live) = converged_with_replica_outputs(&d);
    let refused = plan(&kept, &state, &live).unwrap().refused;
    assert!(refused.iter().any(|r| r.contains("platformctl promote")), "{refused:?}");
}

/// Tags changed in AWS to hold a terminal escape sequence, a newline and a code fence: the
/// human plan shows them escaped, and the pull request comment's code block outlasts them.
#[test]
fn values_from_aws_cannot_break_out_of_the_plan() {
    let d = desired(USER_SERVICE);
    let (state, mut live) = converged(&d);
    let tags = live_attrs(&mut live, "network.vpc").get_mut("tags").unwrap();
    let Value::Map(tags) = tags else { panic!("tags are a map") };
    tags.insert("evil\u{1b}[2J\nkey".into(), Value::str("```\n</details><img src=x>"));
    let p = plan(&d, &state, &live).unwrap();
    let human = rendered(&p);
    assert!(!human.contains('\u{1b}'), "{human}");
    assert!(human.contains("evil\\u{1b}[2J\\nkey"), "{human}");
    let md = crate::render::markdown::plan_markdown(&p, "user-service");
    assert!(!md.contains('\u{1b}'), "{md}");
    // The value stays inside the code block, whose fence is longer than its backticks.
    let parts: Vec<&str> = md.split("\n````\n").collect();
    assert_eq!(parts.len(), 3, "one block fenced with four backticks:\n{md}");
    assert!(parts[1].contains("<img") && !parts[0].contains("<img") && !parts[2].contains("<img"), "{md}");
}

/// A saved plan is checked against the state before anything runs: an entry dropped from its
/// data-loss list comes back (the list is made again from the actions), and a changed id, a
/// change to nothing planned, or a dependency on nothing known is refused as an altered file.
#[test]
fn a_saved_plan_is_verified_against_the_state_and_its_data_loss_recomputed() {
    use crate::saved_plan::{SavedPlan, SavedPlanError};
    let with_db = format!(
        "{USER_SERVICE}secrets:\n  db-master: {{ generate: {{ length: 32 }} }}\npostgres:\n  users:\n    engine_version: \"16.4\"\n    instance_class: db.t4g.medium\n    storage_gb: 20\n    database: users\n    username: app\n    password_secret: db-master\n"
    );
    let (state, live) = converged(&desired(&with_db));
    // The database removed from the stack: a delete that loses data.
    let without_db =
        desired(&with_db).into_iter().filter(|d| !d.address.as_str().starts_with("postgres.")).collect::<Vec<_>>();
    let p = plan(&without_db, &state, &live).unwrap();
    assert!(p.data_loss.iter().any(|l| l.address.as_str() == "postgres.users"));
    let saved =
        |plan: Plan| SavedPlan::new(&plan, &state, std::path::Path::new("s.yaml"), "digest".into(), "s".into(), false);

    let mut dropped = p.clone();
    dropped.data_loss.clear();
    let verified = saved(dropped).verified_plan(&state).unwrap();
    assert!(verified.data_loss_refusal(false).is_some_and(|r| r.contains("postgres.users")), "the refusal stands");

    let mut other_id = p.clone();
    other_id.changes.iter_mut().find(|c| c.address.as_str() == "postgres.users").unwrap().id =
        Some("db-someone-else".into());
    let err = saved(other_id).verified_plan(&state).unwrap_err();
    assert!(matches!(&err, SavedPlanError::Altered(m) if m.contains("postgres.users")), "{err}");

    let mut unplanned = plan(&desired(&with_db.replace("storage_gb: 20", "storage_gb: 30")), &state, &live).unwrap();
    let changed = unplanned.changes[0].address.clone();
    unplanned.desired.remove(&changed);
    let err = saved(unplanned).verified_plan(&state).unwrap_err();
    assert!(err.to_string().contains("not planned") || err.to_string().contains("neither planned"), "{err}");

    let mut dangling = p.clone();
    let (_, first) = dangling.desired.iter_mut().next().unwrap();
    first.depends_on.insert(Address::new("network.nothing"));
    let err = saved(dangling).verified_plan(&state).unwrap_err();
    assert!(err.to_string().contains("network.nothing"), "{err}");

    let mut read_elsewhere = p.clone();
    read_elsewhere.live.get_mut(&Address::new("network.vpc")).unwrap().id = "vpc-other".into();
    assert!(saved(read_elsewhere).verified_plan(&state).is_err());
}

/// Two addresses recorded as one AWS resource (an adoption that matched what another address
/// owns) are refused by name, not silently shared.
#[test]
fn two_addresses_of_one_aws_resource_are_refused() {
    let d = desired(USER_SERVICE);
    let (mut state, mut live) = converged(&d);
    let (a, b) = (Address::new("network.subnet.public[eu-west-1a]"), Address::new("network.subnet.public[eu-west-1b]"));
    let shared = state.resources[&a].id.clone();
    state.resources.get_mut(&b).unwrap().id = shared.clone();
    if let Some(Observed::Present(r)) = live.get_mut(&b) {
        r.id = shared.clone().unwrap();
    }
    let p = plan(&d, &state, &live).unwrap();
    assert_eq!(p.refused.len(), 1, "{:?}", p.refused);
    assert!(p.refused[0].contains(a.as_str()) && p.refused[0].contains(b.as_str()), "{}", p.refused[0]);
    assert!(p.refused[0].contains("state rm"), "{}", p.refused[0]);
}

/// With `cluster_mode: true` one shard grows to three in place; Redis OSS becomes Valkey in
/// place, and Valkey never goes back.
#[test]
fn redis_cluster_mode_with_one_shard_and_valkey() {
    let with_redis = |engine: &str, version: &str, shards: u32| {
        format!(
            "{USER_SERVICE}redis:\n  sessions:\n    engine: {engine}\n    engine_version: \"{version}\"\n    node_type: cache.t4g.small\n    shards: {shards}\n    cluster_mode: true\n    transit_encryption: false\n"
        )
    };
    let (state, live) = converged(&desired(&with_redis("redis", "7.1", 1)));
    let p = plan(&desired(&with_redis("redis", "7.1", 3)), &state, &live).unwrap();
    assert!(p.refused.is_empty(), "{:?}", p.refused);
    assert_eq!(p.change(&Address::new("redis.sessions")).unwrap().action, Action::Update);

    let p = plan(&desired(&with_redis("valkey", "8.0", 1)), &state, &live).unwrap();
    assert!(p.refused.is_empty(), "{:?}", p.refused);
    assert_eq!(p.change(&Address::new("redis.sessions")).unwrap().action, Action::Update);

    let (state, live) = converged(&desired(&with_redis("valkey", "8.0", 1)));
    let p = plan(&desired(&with_redis("redis", "7.1", 1)), &state, &live).unwrap();
    assert!(p.refused.iter().any(|r| r.contains("Valkey back to Redis OSS")), "{:?}", p.refused);
}

/// From one shard to several (or back) turns Redis cluster mode on (or off): refused with the
/// way to do it, while resharding within cluster mode is an update.
#[test]
fn redis_cluster_mode_does_not_change_in_place() {
    let with_redis = |shards: u32| {
        format!(
            "{USER_SERVICE}redis:\n  sessions:\n    engine_version: \"7.1\"\n    node_type: cache.t4g.small\n    shards: {shards}\n    transit_encryption: false\n"
        )
    };
    for (from, to, refused) in [(1, 3, true), (3, 1, true), (3, 4, false), (4, 3, false)] {
        let (state, live) = converged(&desired(&with_redis(from)));
        let p = plan(&desired(&with_redis(to)), &state, &live).unwrap();
        assert_eq!(p.refused.len(), usize::from(refused), "{from} → {to}: {:?}", p.refused);
        if refused {
            assert!(
                p.refused[0].contains("redis.sessions") && p.refused[0].contains("cluster mode"),
                "{:?}",
                p.refused
            );
        } else {
            assert_eq!(p.change(&Address::new("redis.sessions")).unwrap().action, Action::Update);
        }
    }
}

/// A database entry with parameters, at an engine version.
fn with_parameters(version: &str, parameters: &str, extra: &str) -> String {
    format!(
        "{USER_SERVICE}secrets:\n  m: {{ generate: {{ length: 32 }} }}\npostgres:\n  db: {{ engine_version: \"{version}\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: m, parameters: {{ {parameters} }}{extra} }}\n"
    )
}

/// 15 → 16 is an in-place major upgrade that moves to a group of the new family, created
/// before the old one is deleted, and the old one goes only after the instance moved; 16 → 15
/// is refused.
#[test]
fn major_upgrade_in_place_with_the_new_familys_group_and_no_downgrade() {
    let (state, live) = converged(&desired(&with_parameters("15.7", "log_min_duration_statement: 500", "")));
    let p = plan(&desired(&with_parameters("16.4", "log_min_duration_statement: 500", "")), &state, &live).unwrap();
    assert!(p.refused.is_empty(), "{:?}", p.refused);
    let db = p.change(&Address::new("postgres.db")).unwrap();
    assert_eq!(db.action, Action::Update);
    assert!(db.reasons.iter().any(|r| r.contains("major version upgrade 15.7 → 16.4, in place")), "{:?}", db.reasons);
    let group = Address::new("postgres.db.parameters");
    assert_eq!(p.change(&group).unwrap().action, Action::Replace);
    assert!(p.creates_before_destroying(&group));
    let order: Vec<_> = operations::operations(&p, &state).unwrap().order().unwrap();
    let at = |kind, a: &str| order.iter().position(|o| o.kind == kind && o.address.as_str() == a).unwrap();
    use operations::OpKind;
    assert!(at(OpKind::Create, "postgres.db.parameters") < at(OpKind::Update, "postgres.db"));
    assert!(at(OpKind::Update, "postgres.db") < at(OpKind::DeleteDeposed, "postgres.db.parameters"));

    let (state, live) = converged(&desired(&with_parameters("16.4", "log_min_duration_statement: 500", "")));
    let p = plan(&desired(&with_parameters("15.7", "log_min_duration_statement: 500", "")), &state, &live).unwrap();
    assert!(p.refused.iter().any(|r| r.contains("cannot downgrade PostgreSQL from 16.4 to 15.7")), "{:?}", p.refused);
}

/// A static parameter's change says it waits for a restart, and who restarts it; an instance
/// RDS holds pending reboot is a notice unless the stack lets platformctl reboot it.
#[test]
fn static_parameters_and_pending_reboots_are_named() {
    let (state, mut live) = converged(&desired(&with_parameters("16.4", "shared_buffers: 1000", "")));
    let p = plan(&desired(&with_parameters("16.4", "shared_buffers: 2000", "")), &state, &live).unwrap();
    let reasons = &p.change(&Address::new("postgres.db.parameters")).unwrap().reasons;
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("`shared_buffers` applies only after a restart: its instances stay pending reboot")),
        "{reasons:?}"
    );
    let allowed = with_parameters("16.4", "shared_buffers: 2000", ", reboot: allowed");
    let p = plan(&desired(&allowed), &state, &live).unwrap();
    let reasons = &p.change(&Address::new("postgres.db.parameters")).unwrap().reasons;
    assert!(reasons.iter().any(|r| r.contains("platformctl reboots user-service-db")), "{reasons:?}");

    let Some(Observed::Present(db)) = live.get_mut(&Address::new("postgres.db")) else { panic!() };
    db.outputs.insert("parameter_status".into(), Value::str("pending-reboot"));
    let p = plan(&desired(&with_parameters("16.4", "shared_buffers: 1000", "")), &state, &live).unwrap();
    assert!(p.change(&Address::new("postgres.db")).is_none(), "{}", rendered(&p));
    assert!(p.notices.iter().any(|n| n.contains("postgres.db (id-postgres.db) is pending reboot")), "{:?}", p.notices);
    assert!(rendered(&p).contains("Note: postgres.db"), "{}", rendered(&p));
    assert!(rendered(&p).contains("\n  hint: reboot it at a quiet hour"), "{}", rendered(&p));
    live_attrs(&mut live, "postgres.db").insert("pending_reboot".into(), Value::Bool(true));
    let p =
        plan(&desired(&with_parameters("16.4", "shared_buffers: 1000", ", reboot: allowed")), &state, &live).unwrap();
    assert!(p.notices.is_empty(), "{:?}", p.notices);
    let db = p.change(&Address::new("postgres.db")).unwrap();
    assert!(db.attributes.iter().any(|a| a.name == "pending_reboot" && a.after == Planned::Known(Value::Bool(false))));
}

/// EKS secrets encryption is added to a running cluster in place; another key, or none,
/// replaces it (EKS cannot change or remove it).
#[test]
fn eks_secrets_encryption_is_added_in_place_and_changed_by_replacement() {
    let eks = |key: &str| desired(&format!("{USER_SERVICE}eks:\n  main: {{ version: \"1.33\"{key} }}\n"));
    // Whether the key's change forces a replacement. (The converged harness has no outputs, so
    // the role ARN shows as known after apply: the action itself says nothing here.)
    let replaces = |from: &str, to: &str| {
        let (state, live) = converged(&eks(from));
        let p = plan(&eks(to), &state, &live).unwrap();
        let change = p.change(&Address::new("eks.main")).unwrap();
        change.attributes.iter().find(|a| a.name == "secrets_kms_key").unwrap().forces_replacement
    };
    let key = |k: &str| format!(", secrets_kms_key: alias/{k}");
    assert!(!replaces("", &key("a")), "added in place");
    assert!(replaces(&key("a"), &key("b")), "another key");
    assert!(replaces(&key("a"), ""), "removed");
}

/// The authentication mode moves towards API one step at a time, never back.
#[test]
fn eks_authentication_mode_moves_one_way() {
    let eks = |mode: &str| {
        desired(&format!("{USER_SERVICE}eks:\n  main: {{ version: \"1.33\", authentication_mode: {mode} }}\n"))
    };
    let refused = |live: &str, wanted: &str| {
        let (state, mut live_read) = converged(&eks("API"));
        live_attrs(&mut live_read, "eks.main").insert("authentication_mode".into(), Value::str(live));
        plan(&eks(wanted), &state, &live_read).unwrap().refused
    };
    assert!(refused("API_AND_CONFIG_MAP", "API").is_empty());
    assert!(refused("CONFIG_MAP", "API_AND_CONFIG_MAP").is_empty());
    let skip = refused("CONFIG_MAP", "API");
    assert!(skip.iter().any(|r| r.contains("through API_AND_CONFIG_MAP")), "{skip:?}");
    let back = refused("API", "API_AND_CONFIG_MAP");
    assert!(back.iter().any(|r| r.contains("cannot change the authentication mode back")), "{back:?}");
}

/// A service account with `identity: pod_identity` gets an association and its role trusts EKS
/// Pod Identity; the agent add-on is added once, unless the stack lists it; a bad identity is
/// refused at its field.
#[test]
fn pod_identity_service_accounts() {
    let eks = |addons: &str, identity: &str| {
        desired(&format!(
            "{USER_SERVICE}eks:\n  main:\n    version: \"1.33\"\n{addons}    service_accounts:\n      orders: {{ namespace: shop, identity: {identity}, managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n      billing: {{ namespace: shop, identity: {identity}, managed_policies: [arn:aws:iam::aws:policy/ReadOnlyAccess] }}\n"
        ))
    };
    let addresses = |d: &[DesiredResource]| d.iter().map(|r| r.address.as_str().to_owned()).collect::<Vec<_>>();
    let with = eks("", "pod_identity");
    let all = addresses(&with);
    assert!(all.contains(&"eks.main.service_account[orders].pod_identity".to_owned()), "{all:?}");
    assert_eq!(all.iter().filter(|a| a.as_str() == "eks.main.addon[eks-pod-identity-agent]").count(), 1);
    let role = with.iter().find(|r| r.address.as_str() == "eks.main.service_account[orders]").unwrap();
    assert!(format!("{:?}", role.attrs).contains("pods.eks.amazonaws.com"));
    let listed = eks("    addons: { eks-pod-identity-agent: { version: v1.3.4-eksbuild.1 } }\n", "pod_identity");
    assert_eq!(addresses(&listed).iter().filter(|a| a.contains("eks-pod-identity-agent")).count(), 1);
    let irsa = addresses(&eks("", "irsa"));
    assert!(!irsa.iter().any(|a| a.contains("pod_identity") || a.contains("eks-pod-identity-agent")), "{irsa:?}");
    let errors = stack_from(&format!(
        "{USER_SERVICE}eks:\n  main:\n    version: \"1.33\"\n    service_accounts:\n      orders: {{ namespace: shop, identity: kiam }}\n"
    ))
    .unwrap_err();
    assert!(
        errors.contains("eks.main.service_accounts.orders.identity")
            && errors.contains("`kiam` is not a workload identity"),
        "{errors}"
    );
}

/// An add-on with a role of its own: AWS's policy by default; the CNI policy leaves the node
/// role; an add-on platformctl knows no service account of is refused.
#[test]
fn addon_roles() {
    let eks = |addons: &str| {
        stack_from(&format!("{USER_SERVICE}eks:\n  main:\n    version: \"1.33\"\n    addons:\n{addons}"))
            .map(|s| expand(&s, &Default::default()))
    };
    let with = eks("      vpc-cni: { service_account_role: {} }\n").unwrap();
    let attrs = |a: &str| format!("{:?}", with.iter().find(|r| r.address.as_str() == a).unwrap().attrs);
    assert!(attrs("eks.main.addon[vpc-cni].role").contains("AmazonEKS_CNI_Policy"));
    assert!(!attrs("eks.main.node_role").contains("AmazonEKS_CNI_Policy"));
    assert!(attrs("eks.main.addon[vpc-cni]").contains("service_account_role_arn"));
    let without = eks("      vpc-cni: {}\n").unwrap();
    let node = without.iter().find(|r| r.address.as_str() == "eks.main.node_role").unwrap();
    assert!(format!("{:?}", node.attrs).contains("AmazonEKS_CNI_Policy"));
    let errors = eks("      coredns: { service_account_role: {} }\n").unwrap_err();
    assert!(
        errors.contains("eks.main.addons.coredns.service_account_role")
            && errors.contains("does not know which service account"),
        "{errors}"
    );
}
