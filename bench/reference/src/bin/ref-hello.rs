//! Reference: a hello-world `lambda_http` function (the floor of any HTTP function).

use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_req: Request| async {
        Ok::<_, Error>(bench_reference::json(
            200,
            serde_json::json!({"success": true, "data": {"hello": "world"}}),
        ))
    }))
    .await
}
