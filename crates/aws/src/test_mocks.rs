//! What the aws-smithy-mocks tests share: raw HTTP answers (an emulator's HTML page, an
//! unreadable body, an AWS error document) and SDK clients answering from a list of rules.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// An HTTP answer with `status` and `body`.
pub(crate) fn answer(status: u16, body: &'static str) -> HttpResponse {
    HttpResponse::new(StatusCode::try_from(status).expect("a valid status"), SdkBody::from(body))
}

/// A client of `$sdk` answering from `$rules` in order. Built by hand rather than with
/// `mock_client!`, which needs the SDK crate's `test-util` feature (another build of the crate).
macro_rules! client {
    ($sdk:ident, $rules:expr) => {{
        let rules: &[&aws_smithy_mocks::Rule] = $rules;
        let interceptor = rules.iter().fold(
            aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(aws_smithy_mocks::RuleMode::Sequential),
            |i, r| i.with_rule(r),
        );
        let config = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .region($sdk::config::Region::new("eu-west-1"))
            .credentials_provider($sdk::config::Credentials::new("test", "test", None, None, "test"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build();
        $sdk::Client::from_conf(config)
    }};
}
pub(crate) use client;
