//! The launch templates of EKS node groups. A change is a new template version, made the
//! default (EC2 cannot edit a version); the node group then rolls onto it. The settings a
//! version holds are read the same way for the template and for the node group that runs it
//! (`settings`).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_trait::async_trait;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    Filter, LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateInstanceMetadataEndpointState,
    LaunchTemplateInstanceMetadataOptionsRequest, RequestLaunchTemplateData, ResourceType, ResponseLaunchTemplateData,
    VolumeType,
};
use aws_smithy_types::base64;
use platformctl_core::kinds::launch_template::*;
use platformctl_core::resource::{Attrs, LiveResource, Value};

use super::{Tagged, opt_str, tag_spec, tags_value};
use crate::common::{opt_int, sorted_list};
use crate::error::SdkResultExt;
use crate::registry::NewResource;
use crate::{Aws, AwsError};
use tokio::sync::OnceCell;

pub(crate) struct LaunchTemplate;

#[async_trait]
impl Tagged for LaunchTemplate {
    const ID_FILTER: &'static str = ID_FILTER;

    async fn describe(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<LiveResource>, AwsError> {
        let templates = list(ec2, filters).await?;
        // The template says which version is the default; the version holds the settings.
        // EC2 describes the default versions of many templates only without their ids (which
        // not every endpoint answers): one call per template, all at once.
        let reads = templates.iter().map(|t| async move {
            let id = t.launch_template_id().unwrap_or_default().to_owned();
            let default = t.default_version_number().unwrap_or(1);
            let mut attrs = version_settings(ec2, &id, &default.to_string()).await?;
            attrs.insert(NAME.name.into(), opt_str(t.launch_template_name()));
            attrs.insert(TAGS.name.into(), tags_value(t.tags()));
            let outputs = Attrs::from([out::DEFAULT_VERSION.to(default.to_string())]);
            Ok::<_, AwsError>(LiveResource { id, attrs, ready: true, outputs })
        });
        futures::future::try_join_all(reads).await
    }

    async fn create(aws: &Aws, new: &NewResource<'_>) -> Result<String, AwsError> {
        let out = aws
            .ec2
            .create_launch_template()
            .launch_template_name(NAME.str(new.attrs).unwrap_or_default())
            .launch_template_data(data(new.attrs))
            .tag_specifications(tag_spec(ResourceType::LaunchTemplate, new.attrs))
            .client_token(new.token)
            .send()
            .await
            .aws("CreateLaunchTemplate")?;
        out.launch_template()
            .and_then(|t| t.launch_template_id())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::local("CreateLaunchTemplate", "EC2 returned no launch template id"))
    }

    async fn modify(aws: &Aws, id: &str, before: &Attrs, after: &Attrs) -> Result<(), AwsError> {
        if SETTINGS.iter().all(|a| !a.changed(before, after)) {
            return Ok(());
        }
        let out = aws
            .ec2
            .create_launch_template_version()
            .launch_template_id(id)
            .launch_template_data(data(after))
            .send()
            .await
            .aws("CreateLaunchTemplateVersion")?;
        let version = out
            .launch_template_version()
            .and_then(|v| v.version_number())
            .ok_or_else(|| AwsError::local("CreateLaunchTemplateVersion", "EC2 returned no version number"))?;
        aws.ec2
            .modify_launch_template()
            .launch_template_id(id)
            .default_version(version.to_string())
            .send()
            .await
            .aws("ModifyLaunchTemplate")?;
        Ok(())
    }

    async fn delete(ec2: &Client, id: &str) -> Result<(), AwsError> {
        match ec2.delete_launch_template().launch_template_id(id).send().await.aws("DeleteLaunchTemplate") {
            Err(e) if e.is_not_found() => Ok(()),
            other => other.map(drop),
        }
    }
}

const ID_FILTER: &str = "launch-template-id";

/// The templates the filters select. By id, with `LaunchTemplateIds` (moto has no
/// `launch-template-id` filter: HTTP 500; real AWS answers both the same): all ids in one call,
/// and when one of them is gone (which fails the whole call) one call per id.
async fn list(ec2: &Client, filters: Vec<Filter>) -> Result<Vec<aws_sdk_ec2::types::LaunchTemplate>, AwsError> {
    let by_id = filters.iter().find(|f| f.name() == Some(ID_FILTER)).map(|f| f.values().to_vec());
    let Some(ids) = by_id else {
        return super::all_pages!(
            ec2.describe_launch_templates().set_filters(Some(filters)),
            "DescribeLaunchTemplates"
        );
    };
    match ec2.describe_launch_templates().set_launch_template_ids(Some(ids.clone())).send().await {
        Ok(out) => return Ok(out.launch_templates().to_vec()),
        Err(e) => match crate::error::from_sdk("DescribeLaunchTemplates", e) {
            e if e.is_not_found() => {}
            e => return Err(e),
        },
    }
    super::describe_each(&ids, |id| async move {
        let out =
            ec2.describe_launch_templates().launch_template_ids(id).send().await.aws("DescribeLaunchTemplates")?;
        Ok(out.launch_templates().to_vec())
    })
    .await
}

/// The settings (`SETTINGS`) one version of a template holds; `version` is a number or
/// `$Default`. A numbered version never changes (EC2 cannot edit one), so its settings are
/// read once per process: the template and the node group that runs it ask for the same one
/// in the same plan, at the same moment.
pub(crate) async fn version_settings(ec2: &Client, id: &str, version: &str) -> Result<Attrs, AwsError> {
    if version.parse::<u64>().is_err() {
        return describe_version(ec2, id, version).await;
    }
    let once = {
        let mut read = READ_VERSIONS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        read.entry((id.to_owned(), version.to_owned())).or_default().clone()
    };
    once.get_or_try_init(|| describe_version(ec2, id, version)).await.cloned()
}

/// The numbered versions read so far, by template id and number (see `version_settings`).
static READ_VERSIONS: LazyLock<Mutex<HashMap<VersionKey, Arc<OnceCell<Attrs>>>>> = LazyLock::new(Default::default);

/// A template id and a version number.
type VersionKey = (String, String);

async fn describe_version(ec2: &Client, id: &str, version: &str) -> Result<Attrs, AwsError> {
    let out = ec2
        .describe_launch_template_versions()
        .launch_template_id(id)
        .versions(version)
        .send()
        .await
        .aws("DescribeLaunchTemplateVersions")?;
    let data = out.launch_template_versions().first().and_then(|v| v.launch_template_data());
    Ok(data.map(settings).unwrap_or_default())
}

fn settings(data: &ResponseLaunchTemplateData) -> Attrs {
    let metadata = data.metadata_options();
    let root = data.block_device_mappings().first();
    let ebs = root.and_then(|r| r.ebs());
    let user_data =
        data.user_data().and_then(|u| base64::decode(u).ok()).map(|b| String::from_utf8_lossy(&b).into_owned());
    Attrs::from([
        HTTP_TOKENS.to(opt_str(metadata.and_then(|m| m.http_tokens()).map(|t| t.as_str()))),
        HOP_LIMIT.to(opt_int(metadata.and_then(|m| m.http_put_response_hop_limit()))),
        ROOT_DEVICE.to(opt_str(root.and_then(|r| r.device_name()))),
        ROOT_VOLUME_GB.to(opt_int(ebs.and_then(|e| e.volume_size()))),
        ROOT_VOLUME_TYPE.to(opt_str(ebs.and_then(|e| e.volume_type()).map(|t| t.as_str()))),
        ROOT_VOLUME_ENCRYPTED.to(Value::Bool(ebs.and_then(|e| e.encrypted()).unwrap_or(false))),
        ROOT_VOLUME_KMS_KEY.to(opt_str(ebs.and_then(|e| e.kms_key_id()))),
        USER_DATA.to(user_data.map_or(Value::Null, Value::Str)),
        SECURITY_GROUP_IDS.to(match data.security_group_ids() {
            [] => Value::Null,
            ids => sorted_list(ids.iter().map(String::as_str)),
        }),
    ])
}

/// A version's data from the settings: metadata options, the root volume, the user data, the
/// security groups.
fn data(attrs: &Attrs) -> RequestLaunchTemplateData {
    let metadata = LaunchTemplateInstanceMetadataOptionsRequest::builder()
        .http_endpoint(LaunchTemplateInstanceMetadataEndpointState::Enabled)
        .http_tokens(LaunchTemplateHttpTokensState::from(HTTP_TOKENS.str(attrs).unwrap_or("required")))
        .set_http_put_response_hop_limit(HOP_LIMIT.i32(attrs))
        .build();
    let volume = LaunchTemplateEbsBlockDeviceRequest::builder()
        .set_volume_size(ROOT_VOLUME_GB.i32(attrs))
        .volume_type(VolumeType::from(ROOT_VOLUME_TYPE.str(attrs).unwrap_or("gp3")))
        .encrypted(ROOT_VOLUME_ENCRYPTED.is_true(attrs))
        .set_kms_key_id(ROOT_VOLUME_KMS_KEY.str(attrs).map(str::to_owned))
        .delete_on_termination(true)
        .build();
    let root = LaunchTemplateBlockDeviceMappingRequest::builder()
        .set_device_name(ROOT_DEVICE.str(attrs).map(str::to_owned))
        .ebs(volume)
        .build();
    RequestLaunchTemplateData::builder()
        .metadata_options(metadata)
        .block_device_mappings(root)
        .set_user_data(USER_DATA.str(attrs).map(base64::encode))
        .set_security_group_ids(Some(SECURITY_GROUP_IDS.strings(attrs)).filter(|ids| !ids.is_empty()))
        .build()
}
