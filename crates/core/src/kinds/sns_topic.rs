//! An SNS topic (`notifications.<name>`) with its subscriptions. Its id is its ARN; a pending
//! create is found by its name (CreateTopic of an existing name returns that topic). The
//! subscriptions change in place: new ones subscribed, removed ones unsubscribed; so does its
//! encryption key.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
/// `<protocol>:<endpoint>` (`email:oncall@example.com`, `https:https://hooks...`), as a set. An
/// email subscription still waiting for its confirmation counts as there: it is not drift.
pub const SUBSCRIPTIONS: Attr = Attr::in_place("subscriptions").set();
/// The KMS key encrypting the messages at rest (SNS server-side encryption), as the stack gives
/// it (SNS keeps it as written: an ARN or an alias); absent: not encrypted. In place.
pub const KMS_KEY: Attr = Attr::in_place("kms_key");

pub mod out {
    pub use crate::resource::schema::out::ARN;
}

pub const DEF: KindDef =
    KindDef::new("sns_topic", Service::Sns, &[NAME, SUBSCRIPTIONS, KMS_KEY, TAGS], Adoption::Lookup(NAME))
        .outputs(&[out::ARN]);
