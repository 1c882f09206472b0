//! Route 53: hosted zones (tagged, found by name and tags after an interrupted create), their
//! record sets (found by zone, name, type and set identifier) and health checks (tagged). Route 53 names end with a dot and may escape
//! characters (`\052` for `*`); the stack's names have no final dot and are lowercase, so both
//! sides are compared as [`plain_name`] gives them.

pub(crate) mod batch;
pub(crate) mod health_check;
pub(crate) mod record;
pub(crate) mod zone;
pub(crate) mod zone_vpc;

use std::time::Duration;

use aws_sdk_route53::types::{ChangeStatus, Tag, TagResourceType};
use platformctl_core::resource::Attrs;

use crate::common::TagChanges;
use crate::error::SdkResultExt;
use crate::{Aws, AwsError};

/// A Route 53 name as the stack writes it: lowercase, no final dot, `*` unescaped.
pub(crate) fn plain_name(name: &str) -> String {
    name.trim_end_matches('.').replace("\\052", "*").to_ascii_lowercase()
}

/// A zone id without Route 53's `/hostedzone/` prefix.
pub(crate) fn zone_id(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

/// How long a change may take to reach every Route 53 name server (AWS: usually within 60 s).
const INSYNC_WAIT: Duration = Duration::from_secs(300);

/// Waits until a change has reached all of Route 53's name servers (`INSYNC`), so what the
/// apply reports is what resolvers get.
pub(crate) async fn insync(aws: &Aws, change_id: Option<&str>) -> Result<(), AwsError> {
    let Some(change_id) = change_id else { return Ok(()) };
    let deadline = tokio::time::Instant::now() + INSYNC_WAIT;
    loop {
        let out = aws.route53.get_change().id(change_id).send().await.aws("GetChange")?;
        if out.change_info().map(|c| c.status()) == Some(&ChangeStatus::Insync) {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(AwsError::local(
                "GetChange",
                format!(
                    "change {change_id} has not reached every Route 53 name server after {} s",
                    INSYNC_WAIT.as_secs()
                ),
            ));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// The tags of a zone or a health check.
pub(crate) async fn tags_of(aws: &Aws, kind: TagResourceType, id: &str) -> Result<Vec<(String, String)>, AwsError> {
    let out = aws
        .route53
        .list_tags_for_resource()
        .resource_type(kind.clone())
        .resource_id(id)
        .send()
        .await
        .aws("ListTagsForResource")?;
    let tags = out.resource_tag_set().map(|s| s.tags()).unwrap_or_default();
    Ok(tags.iter().filter_map(|t| Some((t.key()?.to_owned(), t.value().unwrap_or_default().to_owned()))).collect())
}

/// Sets and removes the tags of a zone or a health check, from `before` to `after`.
pub(crate) async fn retag(
    aws: &Aws,
    kind: TagResourceType,
    id: &str,
    before: &Attrs,
    after: &Attrs,
) -> Result<(), AwsError> {
    TagChanges::between(before, after)
        .send(
            async |set| {
                let tags = set.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
                aws.route53
                    .change_tags_for_resource()
                    .resource_type(kind.clone())
                    .resource_id(id)
                    .set_add_tags(Some(tags))
                    .send()
                    .await
                    .aws("ChangeTagsForResource")
                    .map(drop)
            },
            async |keys| {
                aws.route53
                    .change_tags_for_resource()
                    .resource_type(kind.clone())
                    .resource_id(id)
                    .set_remove_tag_keys(Some(keys))
                    .send()
                    .await
                    .aws("ChangeTagsForResource")
                    .map(drop)
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_as_the_stack_writes_them() {
        assert_eq!(plain_name("API.Example.com."), "api.example.com");
        assert_eq!(plain_name("\\052.apps.example.com."), "*.apps.example.com");
        assert_eq!(zone_id("/hostedzone/Z0123"), "Z0123");
    }
}
