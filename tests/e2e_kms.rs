//! Customer-managed KMS keys (`kms_keys`) through the real binary, on moto and ministack: the
//! key, its alias, rotation and tags as KMS reports them; a secret, an ECR repository and a
//! log group encrypted with it by name (the key policy then lets CloudWatch Logs use it);
//! description and rotation changed in place; a description changed behind platformctl's back
//! shown and repaired; destroy schedules the deletion with the key's window, and applying again
//! within it brings the same key back (never a second one) with its alias. And an S3 state
//! written with SSE-KMS under an existing key.

mod support;

use support::{Emulator, Kind, edit_file, plan_changes, workdir_with_text};

const STACK: &str = "\
stack: kms-test
region: eu-west-1
kms_keys:
  data:
    description: platform data
    deletion_window_days: 7
    aliases: [alias/kms-test-data]
secrets:
  api-token:
    external: true
    kms_key: data
    checks: { skip: { CKV2_AWS_57: \"a test secret\" } }
ecr:
  kms-test-app: { kms_key: data, force_delete: true }
log_groups:
  /kms-test/app: { kms_key: data }
";

async fn lifecycle(kind: Kind) {
    let emu = Emulator::start(kind);
    let (dir, file) = workdir_with_text(STACK);
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged");

    let config = emu.sdk_config().await;
    let kms = aws_sdk_kms::Client::new(&config);
    let key = kms.describe_key().key_id("alias/kms-test-data").send().await.unwrap();
    let key = key.key_metadata().unwrap().clone();
    let (key_id, key_arn) = (key.key_id().to_owned(), key.arn().unwrap().to_owned());
    assert_eq!(key.description(), Some("platform data"));
    assert_eq!(key.key_state(), Some(&aws_sdk_kms::types::KeyState::Enabled));
    let rotation =
        async |id: &str| kms.get_key_rotation_status().key_id(id).send().await.unwrap().key_rotation_enabled();
    assert!(rotation(&key_id).await, "rotation is on by default");
    let tags = kms.list_resource_tags().key_id(&key_id).send().await.unwrap();
    assert!(tags.tags().iter().any(|t| t.tag_key() == "platformctl:stack" && t.tag_value() == "kms-test"), "{tags:?}");

    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let secret = secrets.describe_secret().secret_id("kms-test/api-token").send().await.unwrap();
    assert_eq!(secret.kms_key_id(), Some(key_arn.as_str()), "the secret is encrypted with the stack's key");
    let ecr = aws_sdk_ecr::Client::new(&config);
    let repos = ecr.describe_repositories().repository_names("kms-test-app").send().await.unwrap();
    let encryption = repos.repositories()[0].encryption_configuration().unwrap();
    assert_eq!((encryption.encryption_type().as_str(), encryption.kms_key()), ("KMS", Some(key_arn.as_str())));

    // The log group is encrypted with the key, whose policy lets CloudWatch Logs use it.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
    let groups = logs.describe_log_groups().log_group_name_prefix("/kms-test/app").send().await.unwrap();
    assert_eq!(groups.log_groups()[0].kms_key_id(), Some(key_arn.as_str()));
    let policy = kms.get_key_policy().key_id(&key_id).policy_name("default").send().await.unwrap();
    let policy: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    let services: Vec<&serde_json::Value> =
        policy["Statement"].as_array().unwrap().iter().map(|s| &s["Principal"]["Service"]).collect();
    assert!(services.contains(&&serde_json::json!("logs.eu-west-1.amazonaws.com")), "{policy:#}");

    // In place: a new description and no rotation.
    edit_file(&file, "    description: platform data\n", "    description: platform data (eu)\n    rotation: false\n");
    let plan = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "changes");
    let mut changes = plan_changes(&plan);
    changes.iter_mut().for_each(|c| c.2.sort());
    assert_eq!(
        changes,
        [("kms_keys.data".to_owned(), "update".to_owned(), vec!["description".to_owned(), "rotation".to_owned()])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply the change");
    assert!(!rotation(&key_id).await, "rotation turned off");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged again");

    // Drift: the description changed by hand is named and put back.
    kms.update_key_description().key_id(&key_id).description("changed by hand").send().await.unwrap();
    let drift = emu.platformctl(d, &["plan", "stack.yaml", "--json", "--detailed-exitcode"]).expect(2, "drift");
    assert_eq!(
        plan_changes(&drift),
        [("kms_keys.data".to_owned(), "update".to_owned(), vec!["description".to_owned()])]
    );
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "repair");
    let key = kms.describe_key().key_id(&key_id).send().await.unwrap();
    assert_eq!(key.key_metadata().unwrap().description(), Some("platform data (eu)"));

    // Destroy schedules the deletion; applying again within the window keeps the same key.
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
    let state = async || {
        let key = kms.describe_key().key_id(&key_id).send().await.unwrap();
        key.key_metadata().unwrap().key_state().cloned()
    };
    assert_eq!(state().await, Some(aws_sdk_kms::types::KeyState::PendingDeletion));
    let aliases = async || {
        let all = kms.list_aliases().send().await.unwrap();
        all.aliases().iter().filter(|a| a.alias_name() == Some("alias/kms-test-data")).count()
    };
    assert_eq!(aliases().await, 0, "the alias is deleted with the stack");

    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply again");
    assert_eq!(state().await, Some(aws_sdk_kms::types::KeyState::Enabled), "the deletion was cancelled");
    let again = kms.describe_key().key_id("alias/kms-test-data").send().await.unwrap();
    assert_eq!(again.key_metadata().unwrap().key_id(), key_id, "the alias points at the same key");
    let ours = kms.list_keys().send().await.unwrap();
    let mut tagged = 0;
    for k in ours.keys() {
        let tags = kms.list_resource_tags().key_id(k.key_id().unwrap()).send().await.unwrap();
        tagged += usize::from(tags.tags().iter().any(|t| t.tag_value() == "kms-test"));
    }
    assert_eq!(tagged, 1, "one key of the stack, not two");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "converged after coming back");

    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy again");
    assert_eq!(state().await, Some(aws_sdk_kms::types::KeyState::PendingDeletion));
    assert_eq!(aliases().await, 0);
    let repos = ecr.describe_repositories().send().await.unwrap();
    assert!(repos.repositories().iter().all(|r| r.repository_name() != Some("kms-test-app")));
    let secret = secrets.describe_secret().secret_id("kms-test/api-token").send().await.unwrap();
    assert!(secret.deleted_date().is_some(), "the secret waits in its recovery window");
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_keys_on_moto() {
    lifecycle(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kms_keys_on_ministack() {
    lifecycle(Kind::Ministack).await;
}

/// `state: { backend: s3, kms_key }`: the state object is written with SSE-KMS under an
/// existing key (made here, as a bootstrap stack or an administrator would).
async fn state_encrypted(kind: Kind) {
    let emu = Emulator::start(kind);
    let config = emu.sdk_config().await;
    let kms = aws_sdk_kms::Client::new(&config);
    let key = kms.create_key().description("platformctl states").send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_owned();
    kms.create_alias().alias_name("alias/platform-states").target_key_id(&key_id).send().await.unwrap();
    let s3 = aws_sdk_s3::Client::new(&config);
    let location = aws_sdk_s3::types::CreateBucketConfiguration::builder()
        .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
        .build();
    s3.create_bucket().bucket("kms-test-states").create_bucket_configuration(location).send().await.unwrap();
    let (dir, _) = workdir_with_text(
        "stack: kms-state\nregion: eu-west-1\nstate: { backend: s3, bucket: kms-test-states, key: kms-state.json, kms_key: alias/platform-states }\nlog_groups:\n  /kms-state/app: {}\n",
    );
    let d = dir.path();
    emu.platformctl(d, &["apply", "stack.yaml", "--auto-approve"]).expect(0, "apply");
    let head = s3.head_object().bucket("kms-test-states").key("kms-state.json").send().await.unwrap();
    assert_eq!(head.server_side_encryption(), Some(&aws_sdk_s3::types::ServerSideEncryption::AwsKms), "{head:?}");
    let used = head.ssekms_key_id().unwrap_or_default();
    assert!(used.contains(&key_id) || used == "alias/platform-states", "the state's key: {used}");
    emu.platformctl(d, &["plan", "stack.yaml", "--detailed-exitcode"]).expect(0, "the encrypted state reads back");
    emu.platformctl(d, &["destroy", "stack.yaml", "--auto-approve"]).expect(0, "destroy");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_encrypted_with_a_key_on_moto() {
    state_encrypted(Kind::Moto).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn state_encrypted_with_a_key_on_ministack() {
    state_encrypted(Kind::Ministack).await;
}
