//! Every kind of AWS resource platformctl manages, one module each: the module declares the
//! kind's attributes (typed constants), its outputs and its `DEF` (see `resource::schema`).
//!
//! The table below is the one place a kind is registered in this crate: it makes the `Kind`
//! enum, `Kind::ALL` and `Kind::def`. (platformctl-aws registers the kind's provider in its own
//! table; its match over `Kind` is exhaustive, so the compiler asks for that line.)
//!
//! State files and plans name a kind by its variant in snake_case (`vpc_peering` for
//! `VpcPeering`); people see `DEF.name` (`vpc_peering_connection`). Both are kept as they are
//! for compatibility with existing states, plans and `--wait-timeout` arguments.

pub mod cache_subnet_group;
pub mod certificate;
pub mod database;
pub mod db_cluster;
pub mod db_cluster_instance;
pub mod db_cluster_parameter_group;
pub mod db_instance;
pub mod db_parameter_group;
pub mod db_read_replica;
pub mod db_subnet_group;
pub mod default_security_group;
pub mod dns_record;
pub mod ecr_repository;
pub mod eks_access_entry;
pub mod eks_addon;
pub mod eks_cluster;
pub mod eks_pod_identity_association;
pub mod elastic_ip;
pub mod flow_log;
pub mod health_check;
pub mod hosted_zone;
pub mod iam_role;
pub mod internet_gateway;
pub mod internet_gateway_attachment;
pub mod kms_alias;
pub mod kms_key;
pub mod launch_template;
pub mod log_group;
pub mod metric_alarm;
pub mod nat_gateway;
pub mod network_acl;
pub mod network_acl_association;
pub mod network_acl_entry;
pub mod node_group;
pub mod oidc_provider;
pub mod parameter_group;
pub mod reader_scaling;
pub mod replication_group;
pub mod route;
pub mod route_table;
pub mod route_table_association;
pub mod secret;
pub mod secret_fields;
pub mod security_group;
pub mod security_group_rule;
pub mod sns_topic;
pub mod ssm_parameter;
pub mod subnet;
pub mod vpc;
pub mod vpc_peering;
pub mod zone_vpc_association;

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::resource::schema::KindDef;

macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident => $module:ident,)*) => {
        /// Every kind of AWS resource platformctl manages.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $($(#[$doc])* $variant,)*
        }

        impl Kind {
            pub const ALL: &[Kind] = &[$(Kind::$variant,)*];

            /// The kind's declaration.
            pub fn def(self) -> &'static KindDef {
                match self {
                    $(Kind::$variant => &$module::DEF,)*
                }
            }
        }
    };
}

kinds! {
    Vpc => vpc,
    Subnet => subnet,
    InternetGateway => internet_gateway,
    InternetGatewayAttachment => internet_gateway_attachment,
    ElasticIp => elastic_ip,
    NatGateway => nat_gateway,
    RouteTable => route_table,
    Route => route,
    RouteTableAssociation => route_table_association,
    SecurityGroup => security_group,
    SecurityGroupRule => security_group_rule,
    Secret => secret,
    SecretFields => secret_fields,
    DbSubnetGroup => db_subnet_group,
    DbInstance => db_instance,
    DbReadReplica => db_read_replica,
    DbCluster => db_cluster,
    DbClusterInstance => db_cluster_instance,
    ReaderScaling => reader_scaling,
    CacheSubnetGroup => cache_subnet_group,
    ReplicationGroup => replication_group,
    SsmParameter => ssm_parameter,
    IamRole => iam_role,
    OidcProvider => oidc_provider,
    EksCluster => eks_cluster,
    NodeGroup => node_group,
    EksAddon => eks_addon,
    EcrRepository => ecr_repository,
    LogGroup => log_group,
    VpcPeering => vpc_peering,
    DefaultSecurityGroup => default_security_group,
    FlowLog => flow_log,
    KmsKey => kms_key,
    KmsAlias => kms_alias,
    NetworkAcl => network_acl,
    NetworkAclEntry => network_acl_entry,
    NetworkAclAssociation => network_acl_association,
    SnsTopic => sns_topic,
    MetricAlarm => metric_alarm,
    DbParameterGroup => db_parameter_group,
    DbClusterParameterGroup => db_cluster_parameter_group,
    EksAccessEntry => eks_access_entry,
    EksPodIdentityAssociation => eks_pod_identity_association,
    LaunchTemplate => launch_template,
    HostedZone => hosted_zone,
    DnsRecord => dns_record,
    HealthCheck => health_check,
    Certificate => certificate,
    ZoneVpcAssociation => zone_vpc_association,
}

/// How long waits take when the user does not say, for kinds that declare no wait of their own
/// (a promotion's, say).
const DEFAULT_WAIT: Duration = Duration::from_secs(20 * 60);

impl Kind {
    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// The kind whose `name` (as users write it, e.g. in `--wait-timeout`) is `name`.
    pub fn named(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == name)
    }

    pub fn create_before_destroy(self) -> bool {
        self.def().lifecycle.create_before_destroy
    }

    pub fn holds_data(self) -> bool {
        self.def().lifecycle.holds_data
    }

    /// Whether apply waits for it after a create, an update or a delete.
    pub fn needs_wait(self) -> bool {
        self.def().wait.is_some()
    }

    /// How long a wait may take unless the user says otherwise.
    pub fn default_wait_timeout(self) -> Duration {
        self.def().wait.unwrap_or(DEFAULT_WAIT)
    }

    /// Whether it has outputs worth reading after a create or update.
    pub fn has_outputs(self) -> bool {
        !self.def().outputs.is_empty()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::resource::schema::{Adoption, Change};

    #[test]
    fn every_kind_declares_unique_attribute_names_and_a_name_of_its_own() {
        let names: BTreeSet<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), Kind::ALL.len());
        for kind in Kind::ALL {
            let def = kind.def();
            assert!(def.compared().next().is_some(), "{kind} compares nothing");
            let attrs: BTreeSet<&str> = def.attributes.iter().map(|a| a.name).collect();
            assert_eq!(attrs.len(), def.attributes.len(), "{kind} declares an attribute twice");
            let outputs: BTreeSet<&str> = def.outputs.iter().map(|o| o.name).collect();
            assert_eq!(outputs.len(), def.outputs.len(), "{kind} declares an output twice");
            let keyed = match def.adoption {
                Adoption::Tag => vec![crate::resource::schema::TAGS],
                Adoption::Id(a) | Adoption::Lookup(a) => vec![a],
                Adoption::NaturalKey(key) => key.to_vec(),
            };
            for a in keyed {
                assert!(def.attributes.contains(&a), "{kind} is adopted by `{}`, which it does not declare", a.name);
            }
        }
    }

    #[test]
    fn local_settings_are_never_read_from_aws() {
        for kind in Kind::ALL {
            for a in kind.def().attributes.iter().filter(|a| a.change == Change::Local) {
                assert!(!a.reported, "{kind}.{}", a.name);
            }
        }
    }

    #[test]
    fn names_users_write_find_their_kind() {
        assert_eq!(Kind::named("vpc_peering_connection"), Some(Kind::VpcPeering));
        assert_eq!(Kind::named("db_instance"), Some(Kind::DbInstance));
        assert_eq!(Kind::named("nope"), None);
        assert_eq!(serde_json::to_string(&Kind::VpcPeering).unwrap(), "\"vpc_peering\"");
        assert_eq!(Kind::DbInstance.default_wait_timeout(), Duration::from_secs(90 * 60));
        assert_eq!(Kind::Vpc.default_wait_timeout(), Duration::from_secs(20 * 60));
    }

    /// An ARN once recorded is taken from the state by the steps that refer to it; an endpoint,
    /// or an ARN not recorded yet, is read again.
    #[test]
    fn only_recorded_outputs_aws_never_changes_are_settled() {
        use crate::resource::{Attrs, Value};
        let recorded = Attrs::from([
            ("arn".to_owned(), Value::str("arn:aws:rds:eu-west-1:1:cluster:db")),
            ("endpoint".to_owned(), Value::str("db.cluster-x.eu-west-1.rds.amazonaws.com")),
        ]);
        let cluster = Kind::DbCluster.def();
        assert!(cluster.output_is_settled("arn", &recorded));
        assert!(!cluster.output_is_settled("endpoint", &recorded), "an Aurora endpoint moves");
        assert!(!cluster.output_is_settled("arn", &Attrs::new()), "not recorded yet");
        assert!(!cluster.output_is_settled("reader_endpoint", &recorded));
        assert!(!Kind::Vpc.def().output_is_settled("arn", &recorded), "an output the kind does not declare");
    }
}
