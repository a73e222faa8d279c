//! Lambda entry point: builds the state once, then ends due connections on each scheduled event.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    upstream_session::edge::run_events(media_reaper::State::from_env(), media_reaper::handler).await
}
