//! What a stack uses of other stacks, from their states: `Neighbours`, resolved beside the
//! validated stack (never written into it) and handed to expansion.
//!
//! A stack with `network: { from_stack: networking }` uses the VPC and subnets the `networking`
//! stack created, read from that stack's state (found beside its own on the same backend). Those
//! resources enter this stack's plans as read-only live resources, so references to
//! `network.vpc` or `network.subnet.private[az]` resolve to their ids and nothing here ever
//! creates, changes or deletes them. A peering needs the peer's VPC, CIDR and private route
//! tables; a `replica_of` entry its source's identifier, ARN, endpoint and password secret. The
//! using stack records the dependency in its state (`uses_stacks`), and the other refuses to be
//! destroyed while a user remains.

use std::collections::BTreeMap;

use ipnet::Ipv4Net;

use crate::kinds::{db_instance, subnet, vpc};
use crate::model::{AvailabilityZone, NatGateways, Network};
use crate::resource::{Address, Kind, LiveResource};
use crate::state::State;

/// What this stack uses of other stacks: read from their states when a session opens, or
/// worked out from their stack files offline (`graph`). Empty for a stack that uses none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Neighbours {
    /// The network another stack lends (`network: { from_stack }`).
    pub network: Option<Network>,
    /// The lender's network resources, as live resources of this stack's plans.
    pub lent: BTreeMap<Address, LiveResource>,
    /// The networks of the stacks this one peers with.
    pub peers: Vec<PeerNetwork>,
    /// The sources of `replica_of` entries; none for promoted replicas.
    pub replica_sources: Vec<ReplicaSource>,
    /// Other stacks' VPCs private zones of this stack answer in (`dns.zones.<z>.vpcs`).
    pub vpcs: BTreeMap<String, OtherVpc>,
}

/// Another stack's VPC, from its state.
#[derive(Clone, Debug, PartialEq)]
pub struct OtherVpc {
    pub vpc_id: String,
    pub region: String,
}

/// The VPC another stack's state records; `None` when it has not applied a network (yet).
pub fn vpc_of(state: &State) -> Option<OtherVpc> {
    let vpc_id = state.id_of(&Address::new("network.vpc"))?.to_owned();
    Some(OtherVpc { vpc_id, region: state.region.clone() })
}

/// The source of a `replica_of` entry, from its stack's state.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaSource {
    /// The replica's entry name in this stack.
    pub replica: String,
    pub identifier: String,
    pub arn: String,
    pub region: String,
    pub storage_encrypted: bool,
    /// The source's endpoint: the `host` applications write to until the replica is promoted.
    pub address: String,
    pub port: i64,
    pub database: String,
    pub username: String,
    /// The ARN of the secret holding the source's master password (in the source's region): a
    /// secret of its stack, or RDS's own for a managed password (`password` in both).
    pub password_secret_arn: String,
}

/// What a peering needs of the other stack, from its state.
#[derive(Clone, Debug, PartialEq)]
pub struct PeerNetwork {
    pub peering: String,
    pub stack: String,
    pub region: String,
    pub vpc_id: String,
    pub cidr: ipnet::Ipv4Net,
    /// (AZ, route table id) of its private route tables.
    pub private_route_tables: Vec<(String, String)>,
}

/// The addresses another stack lends: its network.
fn lent(address: &Address) -> bool {
    address.as_str().starts_with("network.")
}

/// What another stack can use of this one: its network (lent, or peered with), a database a
/// replica follows and the secret of its password, a hosted zone records are added to. A
/// partial destroy is refused while another stack uses the stack only when it deletes one.
pub fn may_be_used_by_others(address: &Address) -> bool {
    let a = address.as_str();
    lent(address) || ["postgres.", "secret.", "dns.zone["].iter().any(|p| a.starts_with(p))
}

fn cidr(state: &State, address: &str) -> Option<Ipv4Net> {
    let r = state.resources.get(&Address::new(address))?;
    // A VPC's and a subnet's CIDR are the same attribute.
    debug_assert_eq!(vpc::CIDR_BLOCK, subnet::CIDR_BLOCK);
    vpc::CIDR_BLOCK.str(&r.attributes)?.parse().ok()
}

/// The network the other stack's state describes: its VPC CIDR, per AZ its public and private
/// subnets, its NAT gateways. `None` when that stack has not applied a network (yet).
pub fn network_of(state: &State) -> Option<Network> {
    let vpc = cidr(state, "network.vpc")?;
    state.id_of(&Address::new("network.vpc"))?;
    let mut azs: BTreeMap<String, (Option<Ipv4Net>, Option<Ipv4Net>)> = BTreeMap::new();
    for address in state.resources.keys() {
        for tier in ["public", "private"] {
            if let Some(az) =
                address.as_str().strip_prefix(&format!("network.subnet.{tier}[")).and_then(|r| r.strip_suffix(']'))
            {
                let entry = azs.entry(az.to_owned()).or_default();
                let block = cidr(state, address.as_str());
                if tier == "public" { entry.0 = block } else { entry.1 = block }
            }
        }
    }
    let azs: Vec<AvailabilityZone> = azs
        .into_iter()
        .map(|(name, (public, private))| Some(AvailabilityZone { name, public: public?, private: private? }))
        .collect::<Option<_>>()?;
    let nats = state.resources.keys().filter(|a| a.as_str().starts_with("network.nat[")).count();
    let nat_gateways = match nats {
        0 => NatGateways::None,
        1 => NatGateways::Single,
        _ => NatGateways::PerAz,
    };
    let restrict_default_security_group =
        state.resources.keys().any(|a| a.as_str() == "network.default_security_group");
    // What the borrower needs of the lender's network is its subnets: its flow logs, subnet
    // tags and ACLs stay its own.
    (!azs.is_empty()).then_some(Network {
        cidr: vpc,
        azs,
        nat_gateways,
        restrict_default_security_group,
        // The lender's VPC and subnets are never planned here.
        dns_hostnames: true,
        public_ip_on_launch: true,
        flow_logs: None,
        public_subnet_tags: BTreeMap::new(),
        private_subnet_tags: BTreeMap::new(),
        acls: Vec::new(),
    })
}

/// The other stack's network resources as live resources of this plan (ids and outputs only;
/// never compared, never changed).
pub fn lent_resources(state: &State) -> BTreeMap<Address, LiveResource> {
    state
        .resources
        .iter()
        .filter(|(a, _)| lent(a))
        .filter_map(|(a, r)| {
            let id = r.id.clone()?;
            Some((a.clone(), LiveResource { id, attrs: Default::default(), ready: true, outputs: r.outputs.clone() }))
        })
        .collect()
}

/// The hosted zone `name` of another stack's `state`, lent to the records this stack adds to
/// it: the zone's address with its id and outputs (never compared, never changed). Refused
/// with a hint when that stack has no such zone applied.
pub fn lent_zone(state: &State, name: &str) -> Result<(Address, LiveResource), String> {
    let address = crate::expand::dns::zone_address(name);
    let found = state.resources.get(&address).filter(|r| r.kind == Kind::HostedZone);
    let Some((r, id)) = found.and_then(|r| Some((r, r.id.clone()?))) else {
        let zones: Vec<&str> = state
            .resources
            .iter()
            .filter(|(_, r)| r.kind == Kind::HostedZone)
            .filter_map(|(a, _)| a.as_str().strip_prefix("dns.zone[")?.strip_suffix(']'))
            .collect();
        return Err(format!(
            "stack `{}` has no applied hosted zone `{name}`\n  hint: {}",
            state.stack,
            if zones.is_empty() {
                format!("declare it under `dns.zones` in `{}` and apply that stack first", state.stack)
            } else {
                format!("its zones: {}", zones.join(", "))
            }
        ));
    };
    Ok((address, LiveResource { id, attrs: Default::default(), ready: true, outputs: r.outputs.clone() }))
}

/// What `replica` (an entry of a stack in `own_region`) needs of its source `postgres.<entry>`
/// in that stack's `state`: identifier, ARN, region, encryption, endpoint, the password secret's
/// ARN. Refused: a source not applied (yet), a KMS key for an unencrypted source (RDS cannot
/// encrypt a replica of one), a cross-region replica in GovCloud or China (RDS needs a presigned
/// request there, which the Rust SDK cannot make). Errors say what to do.
pub fn replica_source(
    state: &State,
    replica: &crate::model::CrossRegionReplica,
    own_region: &str,
) -> Result<ReplicaSource, String> {
    let entry = &replica.source_postgres;
    let hint = format!("apply `{}` first (its state sits beside this stack's: same backend settings)", state.stack);
    let address = Address::new(format!("postgres.{entry}"));
    let Some(r) = state.resources.get(&address).filter(|r| r.kind == Kind::DbInstance) else {
        let known: Vec<&str> = state
            .resources
            .iter()
            .filter(|(_, r)| r.kind == Kind::DbInstance)
            .filter_map(|(a, _)| a.as_str().strip_prefix("postgres."))
            .collect();
        return Err(format!(
            "stack `{}` has no applied `postgres.{entry}`\n  hint: {}",
            state.stack,
            if known.is_empty() { hint } else { format!("its instances: {}", known.join(", ")) }
        ));
    };
    let text = |a: crate::resource::schema::Attr| a.str(&r.attributes).map(str::to_owned);
    let output = |o: crate::resource::schema::Output| {
        state.output_of(&address, o.name).and_then(|v| v.as_str()).map(str::to_owned)
    };
    let missing =
        |what: &str| format!("stack `{}` records no {what} for `postgres.{entry}`\n  hint: {hint}", state.stack);
    let source = ReplicaSource {
        replica: replica.name.clone(),
        identifier: r.id.clone().ok_or_else(|| missing("identifier (its create is unfinished)"))?,
        arn: output(db_instance::out::ARN).ok_or_else(|| missing("ARN"))?,
        region: state.region.clone(),
        storage_encrypted: db_instance::STORAGE_ENCRYPTED.is_true(&r.attributes),
        address: output(db_instance::out::ADDRESS).ok_or_else(|| missing("endpoint"))?,
        port: db_instance::PORT.int(&r.attributes).unwrap_or(5432),
        database: text(db_instance::DB_NAME).ok_or_else(|| missing("database name"))?,
        username: text(db_instance::USERNAME).ok_or_else(|| missing("master username"))?,
        // The stack's own secret, or the one RDS keeps a managed password in.
        password_secret_arn: text(db_instance::PASSWORD_SECRET)
            .or_else(|| output(db_instance::out::MASTER_SECRET_ARN))
            .ok_or_else(|| missing("password secret"))?,
    };
    if replica.kms_key.is_some() && !source.storage_encrypted {
        return Err(format!(
            "`kms_key` is set, but the source `{}`/postgres.{entry} is not encrypted, so its replica cannot be\n  hint: remove `kms_key` (the replica is unencrypted like its source), or encrypt the source first (a new instance from an encrypted snapshot copy)",
            state.stack
        ));
    }
    let presigned_only = |r: &str| r.starts_with("us-gov-") || r.starts_with("cn-");
    if source.region != own_region && (presigned_only(&source.region) || presigned_only(own_region)) {
        return Err(
            "cross-region replicas in GovCloud and China need a presigned request, which platformctl does not make\n  hint: create the replica with the AWS CLI (`--source-region`) and `platformctl import` it".to_owned(),
        );
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::{Attrs, Value};
    use crate::state::ResourceState;

    fn primary_state(encrypted: bool) -> State {
        let mut state = State::new("user-service", "eu-west-1");
        state.resources.insert(
            Address::new("postgres.users"),
            ResourceState {
                kind: Kind::DbInstance,
                id: Some("user-service-users".into()),
                attributes: Attrs::from([
                    ("storage_encrypted".into(), Value::Bool(encrypted)),
                    ("port".into(), Value::Int(5432)),
                    ("db_name".into(), Value::str("users")),
                    ("username".into(), Value::str("app")),
                    ("password_secret".into(), Value::str("arn:aws:secretsmanager:eu-west-1:1:secret:pw")),
                ]),
                dependencies: Default::default(),
                outputs: Attrs::from([
                    ("arn".into(), Value::str("arn:aws:rds:eu-west-1:1:db:user-service-users")),
                    ("address".into(), Value::str("user-service-users.x.eu-west-1.rds.amazonaws.com")),
                ]),
                pending: None,
                deposed: vec![],
                renamed: vec![],
                ownership_tags_pending: false,
            },
        );
        state
    }

    fn replica(entry: &str, kms_key: Option<&str>) -> crate::model::CrossRegionReplica {
        crate::model::CrossRegionReplica {
            name: "users-replica".into(),
            source_stack: "user-service".into(),
            source_postgres: entry.into(),
            promoted: false,
            instance_class: "db.t4g.medium".into(),
            security_groups: vec![],
            kms_key: kms_key.map(|k| crate::model::KmsKeyRef::Existing(k.to_owned())),
            deletion_protection: false,
            backup_retention_days: 7,
        }
    }

    #[test]
    fn a_replica_finds_its_source_in_the_other_state() {
        let found = replica_source(&primary_state(true), &replica("users", None), "eu-central-1").unwrap();
        assert_eq!(found.arn, "arn:aws:rds:eu-west-1:1:db:user-service-users");
        assert_eq!((found.region.as_str(), found.storage_encrypted, found.port), ("eu-west-1", true, 5432));
        assert_eq!(found.password_secret_arn, "arn:aws:secretsmanager:eu-west-1:1:secret:pw");
    }

    #[test]
    fn what_cannot_be_replicated_is_refused_with_a_hint() {
        let state = primary_state(false);
        let unknown = replica_source(&state, &replica("orders", None), "eu-central-1").unwrap_err();
        assert!(
            unknown.contains("no applied `postgres.orders`") && unknown.contains("its instances: users"),
            "{unknown}"
        );
        let kms = replica_source(&state, &replica("users", Some("alias/dr")), "eu-central-1").unwrap_err();
        assert!(kms.contains("is not encrypted") && kms.contains("hint: remove `kms_key`"), "{kms}");
        let mut gov = primary_state(true);
        gov.region = "us-gov-west-1".into();
        let presigned = replica_source(&gov, &replica("users", None), "us-gov-east-1").unwrap_err();
        assert!(presigned.contains("GovCloud"), "{presigned}");
    }
}
