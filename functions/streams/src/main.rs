//! Lambda entry point: builds the state once, then serves requests with the thin handler.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    upstream_session::edge::run_lambda(streams::State::from_env(), streams::handler).await
}
