//! IAM for DynamoDB, enforced locally: each function's calls pass through a loopback proxy
//! ([`IamProxy`]) in front of DynamoDB Local that checks them against the function's policy from
//! `template.yaml` ([`Policy`], read by `crate::template`) the way IAM does ([`checks`]), and answers
//! a refused call exactly as DynamoDB does: HTTP 400 `AccessDeniedException`. DynamoDB Local checks
//! no IAM at all; without this a policy mistake only shows on AWS.

mod http;
mod policy;
mod proxy;
mod request;
#[cfg(test)]
mod tests;

pub use policy::{Check, Decision, Denial, Effect, Patterns, Policy, Statement, glob};
pub use proxy::IamProxy;
pub use request::checks;

/// The account id of every local ARN (moto's and the AWS documentation's example account).
pub const LOCAL_ACCOUNT: &str = "123456789012";

/// Who makes the calls and where: a function's execution role, assumed by the function (Lambda's
/// session name is the function name), in one account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    pub region: String,
    /// The role name (SAM names a function's role `<LogicalId>Role`, prefixed by the stack).
    pub role: String,
    /// The session name: the function name.
    pub session: String,
}

impl Identity {
    /// A SAM function's role in the local account: `<stack>-<LogicalId>Role`, session `function`.
    pub fn lambda(stack: &str, logical_id: &str, function: &str, region: &str) -> Self {
        Self {
            account: LOCAL_ACCOUNT.to_owned(),
            region: region.to_owned(),
            role: format!("{stack}-{logical_id}Role"),
            session: function.to_owned(),
        }
    }

    /// The principal IAM names in a denial (`arn:aws:sts::…:assumed-role/<role>/<session>`).
    pub fn principal(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account, self.role, self.session
        )
    }

    /// The ARN of the table `name` (a name that is already an ARN is kept).
    pub fn table_arn(&self, name: &str) -> String {
        table_arn(&self.region, &self.account, name)
    }
}

/// `arn:aws:dynamodb:<region>:<account>:table/<name>` (a `name` that is already an ARN is kept).
pub fn table_arn(region: &str, account: &str, name: &str) -> String {
    if name.starts_with("arn:") {
        name.to_owned()
    } else {
        format!("arn:aws:dynamodb:{region}:{account}:table/{name}")
    }
}
