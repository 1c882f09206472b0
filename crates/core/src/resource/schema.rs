//! What a resource kind is, declared once (after terraform-plugin-framework's schema
//! attributes, which carry their own plan behaviour): its attributes and how each may change and
//! is compared, its lifecycle, whether and how long apply waits for it, the outputs AWS
//! computes for it, and how an interrupted create is found again. The planner, the apply
//! engine, the live read and the providers all read a kind's behaviour from its `KindDef`;
//! nothing about a kind is repeated in a match elsewhere.
//!
//! Attribute names are constants (`kinds::vpc::CIDR_BLOCK`): expansion writes attributes
//! through them and providers read them through them, so the two cannot disagree on a name.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Address, Attrs, Value, attr};

/// How a change of an attribute is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The provider's update call changes it on the existing resource.
    InPlace,
    /// AWS cannot change it: the resource is replaced.
    Replace,
    /// AWS can add it to a resource that has none (EKS's AssociateEncryptionConfig) but never
    /// change or remove it: in place from nothing to a value, a replacement otherwise.
    Added,
    /// A setting only platformctl acts on (a final snapshot, a recovery window, when to apply
    /// a modification): compared with what was applied, recorded on change, sent nowhere then.
    Local,
    /// Tells the provider how to make its calls and is never compared: how to generate a
    /// password, the initial size of a node group, where a replica's source lives, whether a
    /// modification waits for the maintenance window. Most act on create only; a change of one
    /// alone changes nothing in AWS.
    Instruction,
    /// Reported by the live read for the provider's own use (the ARN an update addresses),
    /// never compared.
    ReadOnly,
}

/// How the stack's value and AWS's are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// As values.
    Exact,
    /// A list whose order means nothing (subnets, security groups, policy ARNs).
    Set,
    /// A JSON document AWS may report as text: text is parsed before comparing, so key order
    /// and white space never show as a change.
    Json,
}

/// One attribute of a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attr {
    pub name: &'static str,
    pub change: Change,
    pub compare: Compare,
    /// AWS reports it on a read. When not, the live read carries the state's value over, so it
    /// is compared with what was applied rather than with nothing.
    pub reported: bool,
}

impl Attr {
    const fn new(name: &'static str, change: Change) -> Attr {
        let reported = !matches!(change, Change::Local);
        Attr { name, change, compare: Compare::Exact, reported }
    }
    pub const fn in_place(name: &'static str) -> Attr {
        Attr::new(name, Change::InPlace)
    }
    pub const fn replace(name: &'static str) -> Attr {
        Attr::new(name, Change::Replace)
    }
    pub const fn added_in_place(name: &'static str) -> Attr {
        Attr::new(name, Change::Added)
    }
    pub const fn local(name: &'static str) -> Attr {
        Attr::new(name, Change::Local)
    }
    pub const fn instruction(name: &'static str) -> Attr {
        Attr::new(name, Change::Instruction)
    }
    pub const fn read_only(name: &'static str) -> Attr {
        Attr::new(name, Change::ReadOnly)
    }
    /// Compared as a set.
    pub const fn set(self) -> Attr {
        Attr { compare: Compare::Set, ..self }
    }
    /// Compared as a JSON document.
    pub const fn json(self) -> Attr {
        Attr { compare: Compare::Json, ..self }
    }
    /// AWS does not report it back: compared with what was applied.
    pub const fn unreported(self) -> Attr {
        Attr { reported: false, ..self }
    }

    /// Whether plans compare it (and so drift can show on it).
    pub fn compared(&self) -> bool {
        matches!(self.change, Change::InPlace | Change::Replace | Change::Added | Change::Local)
    }

    /// Whether changing it needs an AWS call: the provider's update handles exactly these.
    pub fn modifiable(&self) -> bool {
        matches!(self.change, Change::InPlace | Change::Added)
    }

    /// Whether a change from `before` (AWS's value now) forces a replacement.
    pub fn forces_replacement(&self, before: &Value) -> bool {
        match self.change {
            Change::Replace => true,
            Change::Added => *before != Value::Null,
            _ => false,
        }
    }

    /// `(name, value)` for building attribute maps: `vpc::CIDR_BLOCK.to("10.0.0.0/16")`.
    pub fn to(&self, value: impl Into<Value>) -> (String, Value) {
        (self.name.to_owned(), value.into())
    }

    /// The value in `attrs` (`Null` when absent).
    pub fn get<'a>(&self, attrs: &'a Attrs) -> &'a Value {
        attr(attrs, self.name)
    }

    pub fn str<'a>(&self, attrs: &'a Attrs) -> Option<&'a str> {
        self.get(attrs).as_str()
    }

    pub fn int(&self, attrs: &Attrs) -> Option<i64> {
        self.get(attrs).as_int()
    }

    /// As the 32-bit integer the SDKs take.
    pub fn i32(&self, attrs: &Attrs) -> Option<i32> {
        self.int(attrs).and_then(|i| i32::try_from(i).ok())
    }

    pub fn bool(&self, attrs: &Attrs) -> Option<bool> {
        self.get(attrs).as_bool()
    }

    /// True only when set to true.
    pub fn is_true(&self, attrs: &Attrs) -> bool {
        self.bool(attrs) == Some(true)
    }

    /// A list of strings (ids, ARNs, CIDRs); empty when absent.
    pub fn strings(&self, attrs: &Attrs) -> Vec<String> {
        match self.get(attrs) {
            Value::List(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    }

    pub fn map<'a>(&self, attrs: &'a Attrs) -> Option<&'a BTreeMap<String, Value>> {
        self.get(attrs).as_map()
    }

    /// Whether it differs between `before` and `after` as this attribute compares.
    pub fn changed(&self, before: &Attrs, after: &Attrs) -> bool {
        !self.same(self.get(before), self.get(after))
    }

    /// Whether two values of this attribute are the same as it compares them.
    pub fn same(&self, a: &Value, b: &Value) -> bool {
        match self.compare {
            Compare::Exact => a == b,
            Compare::Set => sorted(a) == sorted(b),
            Compare::Json => parsed(a) == parsed(b),
        }
    }

    /// The value as comparisons see it: a set sorted, a JSON text parsed.
    pub fn normalised(&self, value: &Value) -> Value {
        match self.compare {
            Compare::Exact => value.clone(),
            Compare::Set => sorted(value),
            Compare::Json => parsed(value),
        }
    }
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::List(items) => {
            let mut items = items.clone();
            items.sort_by_cached_key(|v| v.to_string());
            Value::List(items)
        }
        other => other.clone(),
    }
}

fn parsed(value: &Value) -> Value {
    match value {
        Value::Str(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(json @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => Value::from_json(json),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

/// The tags every taggable kind has: the stack's, `Name` and platformctl's ownership tags.
pub const TAGS: Attr = Attr::in_place("tags");
/// The ARN a read reports for updates that address the resource by it (tags, modifications).
pub const ARN: Attr = Attr::read_only("arn");

/// Something AWS computes for a resource that other resources or users refer to: an endpoint,
/// a port, an ARN. Recorded in the state after every create and update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    pub name: &'static str,
    /// AWS sets it when it makes the resource and never changes it (an ARN, a name): once
    /// recorded, apply does not read it again before each step that refers to it.
    pub fixed: bool,
}

impl Output {
    /// An output AWS may change during the resource's life (an endpoint, a version): read again
    /// before each step that refers to it.
    pub const fn new(name: &'static str) -> Output {
        Output { name, fixed: false }
    }

    /// An output AWS sets once, when it makes the resource (an ARN, a name, a URI).
    pub const fn fixed(name: &'static str) -> Output {
        Output { name, fixed: true }
    }

    /// A reference to this output of the resource at `address`.
    pub fn of(&self, address: &Address) -> Value {
        Value::Output(address.clone(), self.name.to_owned())
    }

    /// `(name, value)` for building output maps.
    pub fn to(&self, value: impl Into<Value>) -> (String, Value) {
        (self.name.to_owned(), value.into())
    }

    pub fn get<'a>(&self, outputs: &'a Attrs) -> Option<&'a Value> {
        outputs.get(self.name).filter(|v| **v != Value::Null)
    }
}

/// Outputs many kinds share.
pub mod out {
    use super::Output;

    /// The resource's ARN.
    pub const ARN: Output = Output::fixed("arn");
}

/// A value `platformctl output` shows: an output AWS computed, or an attribute as applied
/// (the ARN of the secret holding a database's password).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Output(Output),
    Attr(Attr),
}

/// The AWS service whose API manages a kind: which SDK client the provider uses, and the
/// service's own eventual-consistency habits (see platformctl-aws's registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Ec2,
    Rds,
    ElastiCache,
    SecretsManager,
    Ssm,
    ApplicationAutoScaling,
    Iam,
    Eks,
    Ecr,
    CloudWatchLogs,
    Kms,
    Sns,
    CloudWatch,
    Route53,
    Acm,
}

/// How a resource whose create was interrupted (recorded as pending, no id yet) is found again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adoption {
    /// Tagged at creation: found by its `platformctl:stack` and `platformctl:address` tags.
    Tag,
    /// Its AWS id is this attribute's value (a name or identifier the stack fixes): read by it.
    Id(Attr),
    /// Found by this attribute's value where the id is something else (a secret by its name,
    /// an OIDC provider by its issuer URL).
    Lookup(Attr),
    /// AWS cannot tag it: found by what it connects (a route by table and destination).
    NaturalKey(&'static [Attr]),
}

/// What a kind needs of the engine besides create, update and delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifecycle {
    /// A replacement is created before the old one is deleted, so capacity never drops (node
    /// groups); the AWS names of the two generations differ.
    pub create_before_destroy: bool,
    /// A replacement or deletion loses data: plans flag it, apply refuses it without
    /// `--allow-data-loss`.
    pub holds_data: bool,
}

impl Lifecycle {
    pub const PLAIN: Lifecycle = Lifecycle { create_before_destroy: false, holds_data: false };
    pub const DATA: Lifecycle = Lifecycle { create_before_destroy: false, holds_data: true };
    pub const CREATE_BEFORE_DESTROY: Lifecycle = Lifecycle { create_before_destroy: true, holds_data: false };
}

/// A kind's declaration.
#[derive(Debug)]
pub struct KindDef {
    /// The name users see (plans, `--wait-timeout KIND=...`).
    pub name: &'static str,
    pub service: Service,
    /// Every attribute expansion may set and a read may report.
    pub attributes: &'static [Attr],
    /// What AWS computes that others refer to.
    pub outputs: &'static [Output],
    /// What `platformctl output` shows of it, under which names: what applications and
    /// Kubernetes manifests need (endpoints, ports, ARNs), never a secret value.
    pub shown: &'static [(&'static str, Shown)],
    pub lifecycle: Lifecycle,
    /// How long apply waits, by default, for it to become ready after a create or update, or
    /// gone after a delete; `None`: ready when the call returns.
    pub wait: Option<Duration>,
    /// What to check when that wait runs out, beyond raising it (a certificate's validation
    /// records, say).
    pub wait_hint: Option<&'static str>,
    pub adoption: Adoption,
    /// The address of a resource the expansion names after this one's (a node group's launch
    /// template): `moved:` and `state mv` of this address move it too.
    pub moves_with: Option<fn(&str) -> Option<String>>,
}

impl KindDef {
    /// A kind with no outputs, no lifecycle needs and no wait; the builders below add them.
    pub const fn new(name: &'static str, service: Service, attributes: &'static [Attr], adoption: Adoption) -> KindDef {
        KindDef {
            name,
            service,
            attributes,
            outputs: &[],
            shown: &[],
            lifecycle: Lifecycle::PLAIN,
            wait: None,
            wait_hint: None,
            adoption,
            moves_with: None,
        }
    }

    pub const fn moves_with(self, companion: fn(&str) -> Option<String>) -> KindDef {
        KindDef { moves_with: Some(companion), ..self }
    }

    pub const fn outputs(self, outputs: &'static [Output]) -> KindDef {
        KindDef { outputs, ..self }
    }

    pub const fn shown(self, shown: &'static [(&'static str, Shown)]) -> KindDef {
        KindDef { shown, ..self }
    }

    pub const fn lifecycle(self, lifecycle: Lifecycle) -> KindDef {
        KindDef { lifecycle, ..self }
    }

    /// Apply waits for it, by default up to `minutes`.
    pub const fn waits(self, minutes: u64) -> KindDef {
        KindDef { wait: Some(Duration::from_secs(minutes * 60)), ..self }
    }

    pub const fn wait_hint(self, hint: &'static str) -> KindDef {
        KindDef { wait_hint: Some(hint), ..self }
    }

    pub fn attribute(&self, name: &str) -> Option<&Attr> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Whether `outputs` (the resource's recorded ones) hold `name`, and AWS never changes it:
    /// a step that refers to it can take the recorded value without reading the resource again.
    pub fn output_is_settled(&self, name: &str, outputs: &Attrs) -> bool {
        self.outputs.iter().any(|o| o.name == name && o.fixed && o.get(outputs).is_some())
    }

    /// The attributes plans compare, in declaration order.
    pub fn compared(&self) -> impl Iterator<Item = &Attr> {
        self.attributes.iter().filter(|a| a.compared())
    }

    /// Whether the kind's main modify call has something to send: an in-place attribute other
    /// than `tags` and those in `elsewhere` (which calls of their own change) differs.
    pub fn needs_modification(&self, before: &Attrs, after: &Attrs, elsewhere: &[Attr]) -> bool {
        self.attributes
            .iter()
            .filter(|a| a.modifiable() && **a != TAGS && !elsewhere.contains(a))
            .any(|a| a.changed(before, after))
    }

    pub fn has_tags(&self) -> bool {
        self.attribute(TAGS.name).is_some()
    }
}
