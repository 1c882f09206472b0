//! End to end, on both emulators (both answer Route 53 zones, records and changes): a public
//! zone and a private one in the stack's VPC, records of each type written by the stack; the
//! public zone's name servers in `platformctl output`; TTL and values changed in place
//! (UPSERT); a record removed from the stack deleted; one deleted by hand is drift, made again;
//! a record someone made by hand is left alone, and one of a name and type the stack also
//! wants is a conflict the plan names (and the apply refuses before changing anything); destroy removes the stack's records and zones and
//! refuses a zone that still holds someone else's records.
//! The records of a zone are written with one ChangeResourceRecordSets (counted through a proxy).
//! A CNAME can follow the stack's database endpoint (`target: postgres.users`).
//! Health-checked failover records across two stacks, a private zone answering in another
//! stack's VPC, and an ACM certificate validated through the zone.

mod support;

use support::proxy::{Faults, Proxy};
use support::{Emulator, Kind, edit_file, workdir_with_text};

const STACK: &str = "\
stack: dns
region: eu-west-1
network:
  cidr: 10.80.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.80.0.0/20, 10.80.16.0/20]
  private_subnets: [10.80.128.0/18, 10.80.192.0/18]
  nat_gateways: none
dns:
  zones:
    example.com:
      comment: the public face of the platform
      records:
        - { name: api, type: A, ttl: 60, values: [192.0.2.10, 192.0.2.11] }
        - { name: api, type: AAAA, values: [\"2001:db8::10\"] }
        - { name: www, type: CNAME, values: [lb.example.net] }
        - { name: \"@\", type: MX, values: [\"10 mail.example.com\"] }
        - { name: \"@\", type: TXT, values: [\"v=spf1 include:_spf.example.net -all\"] }
    internal.example:
      private: true
      records:
        - { name: db, type: CNAME, values: [users.abc123.eu-west-1.rds.amazonaws.com] }
";

/// The zone's record sets, SOA and NS aside: `name type ttl values` (values sorted).
async fn records(r53: &aws_sdk_route53::Client, zone: &str) -> Vec<String> {
    let out = r53.list_resource_record_sets().hosted_zone_id(zone).send().await.unwrap();
    out.resource_record_sets()
        .iter()
        .filter(|s| !matches!(s.r#type().as_str(), "SOA" | "NS"))
        .map(|s| {
            let mut values: Vec<&str> = s.resource_records().iter().map(|r| r.value()).collect();
            values.sort_unstable();
            format!(
                "{} {} {} {}",
                s.name().trim_end_matches('.'),
                s.r#type().as_str(),
                s.ttl().unwrap_or(0),
                values.join(",")
            )
        })
        .collect()
}

async fn lifecycle(kind: Kind) {
    let emu = Emulator::start(kind);
    let (dir, file) = workdir_with_text(STACK);
    let d = dir.path();
    // The records of a zone go in one ChangeResourceRecordSets: two calls for the two zones.
    let proxy = Proxy::start(&emu.endpoint, Faults::default()).await;
    let apply = ["apply", "stack.yaml", "--auto-approve"];
    support::platformctl_with_env(d, &apply, &[("AWS_ENDPOINT_URL", &proxy.endpoint)]).expect(0, "apply");
    assert_eq!(proxy.counts().get("ChangeResourceRecordSets"), Some(&2), "{:?}", proxy.counts());
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let state = support::inspect::read_state(d, "dns");
    let public = support::inspect::id(&state, "dns.zone[example.com]");
    let private = support::inspect::id(&state, "dns.zone[internal.example]");
    let r53 = aws_sdk_route53::Client::new(&emu.sdk_config().await);
    let mut found = records(&r53, &public).await;
    found.sort();
    assert_eq!(
        found,
        [
            "api.example.com A 60 192.0.2.10,192.0.2.11",
            "api.example.com AAAA 300 2001:db8::10",
            "example.com MX 300 10 mail.example.com",
            "example.com TXT 300 \"v=spf1 include:_spf.example.net -all\"",
            "www.example.com CNAME 300 lb.example.net",
        ]
    );
    let zone = r53.get_hosted_zone().id(&private).send().await.unwrap();
    assert_eq!(zone.hosted_zone().unwrap().config().map(|c| c.private_zone()), Some(true));
    assert_eq!(zone.vpcs()[0].vpc_id(), Some(support::inspect::id(&state, "network.vpc").as_str()));
    // A create interrupted after CreateHostedZone and before the zone's tags: the next run finds
    // the zone by the caller reference that names the stack, adopts it and tags it — no twin.
    let tags = r53
        .list_tags_for_resource()
        .resource_type(aws_sdk_route53::types::TagResourceType::Hostedzone)
        .resource_id(&public)
        .send()
        .await
        .unwrap();
    let keys: Vec<String> =
        tags.resource_tag_set().unwrap().tags().iter().filter_map(|t| t.key().map(str::to_owned)).collect();
    r53.change_tags_for_resource()
        .resource_type(aws_sdk_route53::types::TagResourceType::Hostedzone)
        .resource_id(&public)
        .set_remove_tag_keys(Some(keys))
        .send()
        .await
        .unwrap();
    let mut interrupted = state.clone();
    interrupted["resources"]["dns.zone[example.com]"]["id"] = serde_json::Value::Null;
    interrupted["resources"]["dns.zone[example.com]"]["pending"] =
        serde_json::json!({"operation": "create", "token": "t", "started_at": "2026-01-01T00:00:00Z"});
    support::inspect::write_state(d, "dns", &interrupted);
    let adopted = emu
        .platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"])
        .expect(2, "adopted, tags to put back");
    let changes = support::plan_changes(&adopted);
    assert_eq!(
        changes,
        [("dns.zone[example.com]".to_owned(), "update".to_owned(), vec!["tags".to_owned()])],
        "{}",
        adopted.stdout
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "adopt and tag");
    assert_eq!(support::inspect::id(&support::inspect::read_state(d, "dns"), "dns.zone[example.com]"), public);
    assert_eq!(r53.list_hosted_zones().send().await.unwrap().hosted_zones().len(), 2, "no twin");

    let output = emu.platformctl(d, &["output", "stack.yaml"]).expect(0, "output");
    assert!(output.stdout.contains("name_servers") && output.stdout.contains("awsdns"), "{}", output.stdout);

    // In place: a TTL and values; a record removed from the stack is deleted.
    edit_file(&file, "ttl: 60, values: [192.0.2.10, 192.0.2.11]", "ttl: 30, values: [192.0.2.12]");
    support::cut_block(&file, "        - { name: api, type: AAAA", 8);
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "in place");
    let changes = support::plan_changes(&plan);
    assert!(
        changes.contains(&(
            "dns.record[api.example.com:A]".into(),
            "update".into(),
            vec!["ttl".into(), "values".into()]
        )),
        "{changes:?}"
    );
    assert!(changes.contains(&("dns.record[api.example.com:AAAA]".into(), "delete".into(), vec![])), "{changes:?}");
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "in place");
    let found = records(&r53, &public).await;
    assert!(found.contains(&"api.example.com A 30 192.0.2.12".to_owned()), "{found:?}");
    assert!(!found.iter().any(|r| r.contains(" AAAA ")), "{found:?}");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");

    // Drift: a record deleted by hand is made again.
    let gone = record_set("www.example.com", aws_sdk_route53::types::RrType::Cname, 300, "lb.example.net");
    change(&r53, &public, aws_sdk_route53::types::ChangeAction::Delete, gone).await;
    let drift = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    let json: serde_json::Value = serde_json::from_str(&drift.stdout).unwrap();
    let repaired = support::inspect::find(&json, "dns.record[www.example.com:CNAME]").expect("the deleted record");
    assert_eq!((repaired["action"].as_str(), repaired["drift"].as_bool()), (Some("create"), Some(true)), "{repaired}");
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "repaired");

    // Someone else's record stays; destroy then refuses the zone that holds it, with a hint.
    let theirs = record_set("status.example.com", aws_sdk_route53::types::RrType::A, 60, "198.51.100.7");
    change(&r53, &public, aws_sdk_route53::types::ChangeAction::Create, theirs.clone()).await;
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"])
        .expect(0, "a foreign record is not platformctl's");
    // The stack wanting a record of that name and type: a conflict the plan names, with what
    // is there, and the apply refuses before changing anything (Route 53 would refuse the
    // CREATE; moto would overwrite: the plan's check makes both the same).
    let yaml = std::fs::read_to_string(&file).unwrap();
    edit_file(&file, "      records:\n", "      records:\n        - { name: status, type: A, values: [192.0.2.99] }\n");
    for args in [&["plan", "stack.yaml"][..], &["apply", "stack.yaml", "--auto-approve"]] {
        let conflict = emu.platformctl(d, args).expect(1, "a conflict");
        assert!(
            conflict.stderr.contains("dns.record[status.example.com:A]: a A record `status.example.com` made outside this stack is in the zone already, holding [\"198.51.100.7\"]")
                && conflict.stderr.contains("never takes over"),
            "{args:?}: {}",
            conflict.stderr
        );
    }
    assert!(records(&r53, &public).await.contains(&"status.example.com A 60 198.51.100.7".to_owned()));
    std::fs::write(&file, yaml).unwrap();
    let refused =
        emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(1, "the zone holds a foreign record");
    assert!(
        refused.stderr.contains("HostedZoneNotEmpty") && refused.stderr.contains("never deletes"),
        "{}",
        refused.stderr
    );
    assert_eq!(records(&r53, &public).await, ["status.example.com A 60 198.51.100.7"], "only theirs is left");
    change(&r53, &public, aws_sdk_route53::types::ChangeAction::Delete, theirs).await;
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    let zones = r53.list_hosted_zones().send().await.unwrap();
    assert!(zones.hosted_zones().is_empty(), "{:?}", zones.hosted_zones());
}

/// A record set of one value, as someone working in the Route 53 console makes it.
fn record_set(
    name: &str,
    record_type: aws_sdk_route53::types::RrType,
    ttl: i64,
    value: &str,
) -> aws_sdk_route53::types::ResourceRecordSet {
    aws_sdk_route53::types::ResourceRecordSet::builder()
        .name(name)
        .r#type(record_type)
        .ttl(ttl)
        .resource_records(aws_sdk_route53::types::ResourceRecord::builder().value(value).build().unwrap())
        .build()
        .unwrap()
}

async fn change(
    r53: &aws_sdk_route53::Client,
    zone: &str,
    action: aws_sdk_route53::types::ChangeAction,
    set: aws_sdk_route53::types::ResourceRecordSet,
) {
    let change = aws_sdk_route53::types::Change::builder().action(action).resource_record_set(set).build().unwrap();
    let batch = aws_sdk_route53::types::ChangeBatch::builder().changes(change).build().unwrap();
    r53.change_resource_record_sets().hosted_zone_id(zone).change_batch(batch).send().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn zones_and_records_on_moto() {
    lifecycle(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn zones_and_records_on_ministack() {
    lifecycle(Kind::Ministack).await;
}

/// A CNAME whose target is the stack's database: its value is the endpoint RDS reports, known
/// only once the instance exists, and the record is written after it. (The database names no
/// security group: RDS gives it the VPC's default one, which is not drift.)
async fn database_record(kind: Kind) {
    let emu = Emulator::start(kind);
    let stack = STACK.split("dns:\n").next().unwrap().to_owned()
        + "secrets:
  master: { generate: { length: 32 } }
postgres:
  users: { engine_version: \"16.4\", instance_class: db.t4g.micro, storage_gb: 20, database: app, username: app, password_secret: master, deletion_protection: false, final_snapshot: false }
dns:
  zones:
    internal.example:
      private: true
      records:
        - { name: db, type: CNAME, target: postgres.users }
";
    let (dir, _) = workdir_with_text(&stack);
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let config = emu.sdk_config().await;
    let rds = aws_sdk_rds::Client::new(&config);
    let db = rds.describe_db_instances().db_instance_identifier("dns-users").send().await.unwrap();
    let address = db.db_instances()[0].endpoint().and_then(|e| e.address()).unwrap().to_ascii_lowercase();
    let state = support::inspect::read_state(d, "dns");
    let zone = support::inspect::id(&state, "dns.zone[internal.example]");
    let r53 = aws_sdk_route53::Client::new(&config);
    assert_eq!(records(&r53, &zone).await, [format!("db.internal.example CNAME 300 {address}")]);
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve", "--allow-data-loss"]).expect(0, "destroy");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_follows_the_database_endpoint_on_moto() {
    database_record(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_follows_the_database_endpoint_on_ministack() {
    database_record(Kind::Ministack).await;
}

/// Seed 001's failover of traffic: the primary stack owns the zone, a health check of its
/// region's endpoint and the primary record; the DR stack (another region) adds the secondary
/// to that zone (`from_stack`). Applied before the owner, the DR stack is refused with a hint;
/// both converge; Route 53 holds the pair with the health check on the primary; the check's
/// path changes in place; the owner's destroy is refused while the DR stack's record is in its
/// zone; destroyed in order, nothing is left.
async fn failover_pair(kind: Kind) {
    const PRIMARY: &str = "\
stack: web
region: eu-west-1
dns:
  health_checks:
    api-eu: { host: api-eu.example.com, path: /healthz, failure_threshold: 2 }
  zones:
    example.com:
      records:
        - { name: api, type: CNAME, ttl: 60, values: [api-eu.example.com], set_id: eu-west-1, failover: primary, health_check: api-eu }
";
    const SECONDARY: &str = "\
stack: web-dr
region: us-east-1
dns:
  health_checks:
    api-us: { host: api-us.example.com, path: /healthz }
  zones:
    example.com:
      from_stack: web
      records:
        - { name: api, type: CNAME, ttl: 60, values: [api-us.example.com], set_id: us-east-1, failover: secondary, health_check: api-us }
";
    let emu = Emulator::start(kind);
    let (dir, primary) = workdir_with_text(PRIMARY);
    let d = dir.path();
    std::fs::write(d.join("dr.yaml"), SECONDARY).unwrap();
    let early = emu.platformctl(d, &["plan", "dr.yaml"]).expect(1, "the zone's stack not applied yet");
    assert!(early.stderr.contains("dns.zones.example.com: stack `web` has no state"), "{}", early.stderr);

    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "primary");
    emu.platformctl(d, &["apply", "dr.yaml", "--auto-approve"]).expect(0, "secondary");
    for file in ["stack.yaml", "dr.yaml"] {
        emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, file);
    }
    let state = support::inspect::read_state(d, "web");
    let zone = support::inspect::id(&state, "dns.zone[example.com]");
    let check = support::inspect::id(&state, "dns.health_check[api-eu]");
    let check_us = support::inspect::id(&support::inspect::read_state(d, "web-dr"), "dns.health_check[api-us]");
    let r53 = aws_sdk_route53::Client::new(&emu.sdk_config().await);
    let pair = async || {
        let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.unwrap();
        let mut pair: Vec<(String, String, String, Option<String>)> = sets
            .resource_record_sets()
            .iter()
            .filter(|s| s.name() == "api.example.com.")
            .map(|s| {
                (
                    s.set_identifier().unwrap_or_default().to_owned(),
                    s.failover().map(|f| f.as_str().to_owned()).unwrap_or_default(),
                    s.resource_records()[0].value().to_owned(),
                    s.health_check_id().map(str::to_owned),
                )
            })
            .collect();
        pair.sort();
        pair
    };
    let expect_pair = |eu: &str, us: &str| {
        vec![
            ("eu-west-1".to_owned(), eu.to_owned(), "api-eu.example.com".to_owned(), Some(check.clone())),
            ("us-east-1".to_owned(), us.to_owned(), "api-us.example.com".to_owned(), Some(check_us.clone())),
        ]
    };
    assert_eq!(pair().await, expect_pair("PRIMARY", "SECONDARY"));
    let config = r53.get_health_check().health_check_id(&check).send().await.unwrap();
    let config = config.health_check().unwrap().health_check_config().unwrap().clone();
    assert_eq!(
        (config.r#type().as_str(), config.resource_path(), config.port(), config.failure_threshold()),
        ("HTTPS", Some("/healthz"), Some(443), Some(2))
    );

    edit_file(&primary, "path: /healthz", "path: /ready");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "path");
    assert_eq!(
        support::plan_changes(&plan),
        [("dns.health_check[api-eu]".into(), "update".into(), vec!["path".into()])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "path changed");
    let config = r53.get_health_check().health_check_id(&check).send().await.unwrap();
    assert_eq!(config.health_check().unwrap().health_check_config().unwrap().resource_path(), Some("/ready"));

    // `promote --dns`: the DR record becomes the primary, the other the secondary, in one batch;
    // a run killed before the states' writes is finished by the next; both stacks' plans show
    // no change (held, with a notice) while their files say the old roles; run again, nothing
    // more to do; the new roles written, the holds end.
    // First as if the run were killed right after Route 53's change: the states as before it.
    let states = ["web", "web-dr"].map(|s| d.join(format!(".platformctl/{s}.state.json")));
    let before = states.clone().map(|f| std::fs::read(f).unwrap());
    emu.platformctl(d, &["promote", "dr.yaml", "--dns", "--auto-approve"]).expect(0, "promote --dns, killed");
    for (file, text) in states.iter().zip(&before) {
        std::fs::write(file, text).unwrap();
    }
    let flipped = emu.platformctl(d, &["promote", "dr.yaml", "--dns", "--auto-approve"]).expect(0, "promote --dns");
    assert!(
        flipped.stdout.contains("dns.record[api.example.com:CNAME:us-east-1] is now the failover primary; web/dns.record[api.example.com:CNAME:eu-west-1] the secondary"),
        "{}",
        flipped.stdout
    );
    assert_eq!(pair().await, expect_pair("SECONDARY", "PRIMARY"));
    for (file, held) in [
        ("dr.yaml", "\"PRIMARY\" since `platformctl promote --dns`"),
        ("stack.yaml", "\"SECONDARY\" since `platformctl promote --dns`"),
    ] {
        let plan = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "held: no change");
        assert!(plan.stdout.contains(held), "{file}: {}", plan.stdout);
    }
    let again = emu.platformctl(d, &["promote", "dr.yaml", "--dns", "--auto-approve"]).expect(0, "again");
    assert!(again.stdout.contains("was the failover primary already"), "{}", again.stdout);
    assert_eq!(pair().await, expect_pair("SECONDARY", "PRIMARY"));
    edit_file(&d.join("dr.yaml"), "failover: secondary", "failover: primary");
    edit_file(&primary, "failover: primary", "failover: secondary");
    for (file, stack) in [("dr.yaml", "web-dr"), ("stack.yaml", "web")] {
        emu.platformctl(d, &["apply", file, "--auto-approve"]).expect(0, "the new roles written");
        let plan = emu.platformctl(d, &["plan", file, "--detailed-exitcode"]).expect(0, "converged on the new roles");
        assert!(!plan.stdout.contains("since `platformctl promote"), "{}", plan.stdout);
        assert!(support::inspect::read_state(d, stack).get("held").is_none(), "{stack}: the hold ended");
    }
    assert_eq!(pair().await, expect_pair("SECONDARY", "PRIMARY"));

    let refused = emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(1, "the zone is used");
    assert!(refused.stderr.contains("web-dr still uses its outputs"), "{}", refused.stderr);
    emu.platformctl(d, &["destroy", "dr.yaml", "--auto-approve"]).expect(0, "destroy the DR stack");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy the primary");
    let zones = r53.list_hosted_zones().send().await.unwrap();
    assert!(zones.hosted_zones().is_empty(), "{:?}", zones.hosted_zones());
    let checks = r53.list_health_checks().send().await.unwrap();
    assert!(checks.health_checks().is_empty(), "{:?}", checks.health_checks());
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_pair_across_two_stacks_on_moto() {
    failover_pair(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failover_pair_across_two_stacks_on_ministack() {
    failover_pair(Kind::Ministack).await;
}

/// `certificates:`: an ACM certificate for two names of the stack's zone, its validation
/// CNAMEs written in the zone and the apply waiting for `ISSUED` (ministack issues at once;
/// moto after a few seconds: there a short `--wait-timeout` first runs out, with the hint about
/// delegation, and the next apply resumes the wait); the ARN in `platformctl output`; a
/// validation record deleted by hand is drift, written again; destroy removes the certificate,
/// its records and the zone.
async fn certificate(kind: Kind) {
    const STACK: &str = "\
stack: certs
region: eu-west-1
dns:
  zones:
    example.com: {}
certificates:
  api: { domain: api.example.com, alternative_names: [www.example.com], zone: example.com }
";
    let emu = Emulator::start(kind);
    let (dir, _file) = workdir_with_text(STACK);
    let d = dir.path();
    if kind == Kind::Moto {
        let short = ["apply", "stack.yaml", "--auto-approve", "--wait-timeout", "certificate=1s"];
        let run = emu.platformctl(d, &short).expect(1, "moto has not issued it yet");
        assert!(run.stderr.contains("check that the zone is delegated"), "{}", run.stderr);
    }
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let state = support::inspect::read_state(d, "certs");
    let arn = support::inspect::id(&state, "certificates.api");
    let zone = support::inspect::id(&state, "dns.zone[example.com]");
    let output = emu.platformctl(d, &["output", "stack.yaml"]).expect(0, "output");
    assert!(output.stdout.contains(&arn), "{}", output.stdout);

    let config = emu.sdk_config().await;
    let acm = aws_sdk_acm::Client::new(&config);
    let cert = acm.describe_certificate().certificate_arn(&arn).send().await.unwrap();
    let cert = cert.certificate().unwrap();
    assert_eq!(cert.status().map(|s| s.as_str()), Some("ISSUED"));
    let mut names = cert.subject_alternative_names().to_vec();
    names.sort();
    assert_eq!(names, ["api.example.com", "www.example.com"]);
    let r53 = aws_sdk_route53::Client::new(&config);
    let held = records(&r53, &zone).await;
    let validation: Vec<(String, String)> = cert
        .domain_validation_options()
        .iter()
        .filter_map(|v| v.resource_record())
        .map(|r| (r.name().trim_end_matches('.').to_owned(), r.value().trim_end_matches('.').to_owned()))
        .collect();
    assert!(!validation.is_empty());
    for (name, value) in &validation {
        assert!(held.iter().any(|h| h.starts_with(&format!("{name} CNAME")) && h.contains(value.as_str())), "{held:?}");
    }

    // A validation record deleted by hand: drift on the certificate's zone, written again.
    let (name, value) = &validation[0];
    let set = record_set(name, aws_sdk_route53::types::RrType::Cname, 300, &value.to_ascii_lowercase());
    change(&r53, &zone, aws_sdk_route53::types::ChangeAction::Delete, set).await;
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    assert_eq!(support::plan_changes(&plan), [("certificates.api".into(), "update".into(), vec!["zone_id".into()])]);
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "written again");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");

    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    let left = acm.list_certificates().send().await.unwrap();
    assert!(left.certificate_summary_list().is_empty(), "{:?}", left.certificate_summary_list());
    assert!(r53.list_hosted_zones().send().await.unwrap().hosted_zones().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_on_moto() {
    certificate(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn certificate_on_ministack() {
    certificate(Kind::Ministack).await;
}

/// A private zone answering in another stack's VPC too (another region): refused before that
/// stack is applied; associated with both VPCs; the other stack's destroy refused while the
/// zone's stack has resources; the association removed with the stack's `vpcs` entry.
async fn private_zone_in_two_vpcs(kind: Kind) {
    const HUB: &str = "\
stack: hub
region: eu-west-1
network:
  cidr: 10.81.0.0/16
  azs: [eu-west-1a, eu-west-1b]
  public_subnets:  [10.81.0.0/20, 10.81.16.0/20]
  private_subnets: [10.81.128.0/18, 10.81.192.0/18]
  nat_gateways: none
dns:
  zones:
    internal.example:
      private: true
      vpcs: [spoke]
      records:
        - { name: db, type: CNAME, values: [users.abc123.eu-west-1.rds.amazonaws.com] }
";
    const SPOKE: &str = "\
stack: spoke
region: us-east-1
network:
  cidr: 10.82.0.0/16
  azs: [us-east-1a, us-east-1b]
  public_subnets:  [10.82.0.0/20, 10.82.16.0/20]
  private_subnets: [10.82.128.0/18, 10.82.192.0/18]
  nat_gateways: none
";
    let emu = Emulator::start(kind);
    let (dir, hub) = workdir_with_text(HUB);
    let d = dir.path();
    std::fs::write(d.join("spoke.yaml"), SPOKE).unwrap();
    let early = emu.platformctl(d, &["plan", "stack.yaml"]).expect(1, "the spoke is not applied yet");
    assert!(early.stderr.contains("dns.zones.internal.example.vpcs: stack `spoke` has no state"), "{}", early.stderr);
    emu.platformctl(d, &["apply", "spoke.yaml", "--auto-approve"]).expect(0, "spoke");
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "hub");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");

    let hub_state = support::inspect::read_state(d, "hub");
    let zone = support::inspect::id(&hub_state, "dns.zone[internal.example]");
    let own = support::inspect::id(&hub_state, "network.vpc");
    let spoke = support::inspect::id(&support::inspect::read_state(d, "spoke"), "network.vpc");
    let r53 = aws_sdk_route53::Client::new(&emu.sdk_config().await);
    let vpcs = |out: aws_sdk_route53::operation::get_hosted_zone::GetHostedZoneOutput| {
        let mut vpcs: Vec<(String, String)> = out
            .vpcs()
            .iter()
            .map(|v| (v.vpc_id().unwrap().to_owned(), v.vpc_region().unwrap().as_str().to_owned()))
            .collect();
        vpcs.sort();
        vpcs
    };
    let mut expected = vec![(own.clone(), "eu-west-1".to_owned()), (spoke, "us-east-1".to_owned())];
    expected.sort();
    assert_eq!(vpcs(r53.get_hosted_zone().id(&zone).send().await.unwrap()), expected);

    let refused = emu.platformctl(d, &["destroy", "spoke.yaml", "--auto-approve"]).expect(1, "the zone uses it");
    assert!(refused.stderr.contains("hub still uses its outputs"), "{}", refused.stderr);

    edit_file(&hub, "      vpcs: [spoke]\n", "");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "one VPC less");
    assert_eq!(
        support::plan_changes(&plan),
        [("dns.zone[internal.example].vpc[spoke]".into(), "delete".into(), vec![])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "disassociated");
    assert_eq!(vpcs(r53.get_hosted_zone().id(&zone).send().await.unwrap()), [(own, "eu-west-1".to_owned())]);
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy the hub");
    emu.platformctl(d, &["destroy", "spoke.yaml", "--auto-approve"]).expect(0, "destroy the spoke");
    assert!(r53.list_hosted_zones().send().await.unwrap().hosted_zones().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn private_zone_in_two_stacks_vpcs_on_moto() {
    private_zone_in_two_vpcs(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn private_zone_in_two_stacks_vpcs_on_ministack() {
    private_zone_in_two_vpcs(Kind::Ministack).await;
}

/// `alias:` to a load balancer the account has (made here as the AWS Load Balancer Controller
/// would, from an Ingress), by name and by DNS name: Route 53 aliases with the load balancer's
/// DNS name and canonical zone, evaluating its targets' health; the plan converges on the
/// stack's spelling; an alias to a load balancer not there (yet) fails with a hint.
async fn alias_to_a_load_balancer(kind: Kind) {
    let emu = Emulator::start(kind);
    let config = emu.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpc = ec2.create_vpc().cidr_block("10.83.0.0/16").send().await.unwrap();
    let vpc = vpc.vpc().unwrap().vpc_id().unwrap().to_owned();
    let mut subnets = Vec::new();
    for (az, cidr) in [("eu-west-1a", "10.83.0.0/24"), ("eu-west-1b", "10.83.1.0/24")] {
        let s = ec2.create_subnet().vpc_id(&vpc).availability_zone(az).cidr_block(cidr).send().await.unwrap();
        subnets.push(s.subnet().unwrap().subnet_id().unwrap().to_owned());
    }
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let lb = elb.create_load_balancer().name("k8s-apps").set_subnets(Some(subnets)).send().await.unwrap();
    let lb = lb.load_balancers()[0].clone();
    let (dns_name, lb_zone) = (lb.dns_name().unwrap().to_owned(), lb.canonical_hosted_zone_id().unwrap().to_owned());

    let stack = format!(
        "stack: lb-dns\nregion: eu-west-1\ndns:\n  zones:\n    example.com:\n      records:\n        - {{ name: app, type: A, alias: k8s-apps }}\n        - {{ name: www, type: A, alias: {dns_name} }}\n"
    );
    let (dir, file) = workdir_with_text(&stack);
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");
    let zone = support::inspect::id(&support::inspect::read_state(d, "lb-dns"), "dns.zone[example.com]");
    let r53 = aws_sdk_route53::Client::new(&config);
    let sets = r53.list_resource_record_sets().hosted_zone_id(&zone).send().await.unwrap();
    let aliases: Vec<(String, String, String, bool)> = sets
        .resource_record_sets()
        .iter()
        .filter_map(|s| {
            let a = s.alias_target()?;
            Some((
                s.name().to_owned(),
                a.dns_name().trim_end_matches('.').to_owned(),
                a.hosted_zone_id().to_owned(),
                a.evaluate_target_health(),
            ))
        })
        .collect();
    let expected = |name: &str| (name.to_owned(), dns_name.clone(), lb_zone.clone(), true);
    assert_eq!(aliases, [expected("app.example.com."), expected("www.example.com.")]);

    edit_file(&file, "alias: k8s-apps", "alias: k8s-nope");
    let missing = emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(1, "no such load balancer");
    assert!(missing.stderr.contains("no load balancer `k8s-nope`"), "{}", missing.stderr);
    edit_file(&file, "alias: k8s-nope", "alias: k8s-apps");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    assert!(r53.list_hosted_zones().send().await.unwrap().hosted_zones().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn alias_to_a_load_balancer_on_moto() {
    alias_to_a_load_balancer(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn alias_to_a_load_balancer_on_ministack() {
    alias_to_a_load_balancer(Kind::Ministack).await;
}
