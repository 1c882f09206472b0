//! An SNS topic (`notifications.<name>`) with its subscriptions. Its id is its ARN; a pending
//! create is found by its name (CreateTopic of an existing name returns that topic). The
//! subscriptions change in place: new ones subscribed, removed ones unsubscribed.

pub use crate::resource::schema::TAGS;
use crate::resource::schema::*;

pub const NAME: Attr = Attr::replace("name");
/// `<protocol>:<endpoint>` (`email:oncall@example.com`, `https:https://hooks...`), as a set. An
/// email subscription still waiting for its confirmation counts as there: it is not drift.
pub const SUBSCRIPTIONS: Attr = Attr::in_place("subscriptions").set();

pub mod out {
    pub use crate::resource::schema::out::ARN;
}

pub const DEF: KindDef =
    KindDef::new("sns_topic", Service::Sns, &[NAME, SUBSCRIPTIONS, TAGS], Adoption::Lookup(NAME)).outputs(&[out::ARN]);
