//! Lambda entry point: builds the state once, then serves requests with the thin handler.

use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    upstream_session::api::init_logging();
    let state = match admin::State::from_env().await {
        Ok(state) => state,
        Err(err) => {
            tracing::error!(error = %err, "configuration is invalid; refusing to start");
            return Err(err.into());
        }
    };
    let state: &'static admin::State = Box::leak(Box::new(state));
    lambda_http::run(service_fn(move |req| async move {
        Ok::<_, std::convert::Infallible>(admin::handler(state, req).await)
    }))
    .await
}
