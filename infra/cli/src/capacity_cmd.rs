//! `upstream capacity`: the partition-heat model of a ticket rush (`upstream_session::capacity`).

use upstream_session::capacity::{MEASURED, Rush, model, render};

/// The rush.
#[derive(clap::Args, Debug)]
pub struct CapacityArgs {
    /// Viewers who each open a QR and pay.
    #[arg(long, default_value_t = 100_000)]
    pub viewers: u64,
    /// Over this many minutes.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub minutes: u64,
    /// Spread over this many streams.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub streams: u64,
}

/// Prints the model; fails (exit 1) when a partition passes its limit.
pub fn run(args: CapacityArgs) -> Result<(), String> {
    let rush = Rush {
        viewers: args.viewers,
        minutes: args.minutes,
        streams: args.streams,
    };
    let report = model(rush, &MEASURED);
    print!("{}", render(rush, &report));
    if report.over_limit() {
        return Err("a partition passes its limit in this rush".into());
    }
    Ok(())
}
