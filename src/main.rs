//! The `certexam` binary: parse the command line, run, turn the outcome into
//! an exit status (0 all good, 1 the input had problems, 2 usage or
//! environment errors).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = certexam::cli::Cli::parse();
    certexam::cleanup::install();
    match certexam::run(cli) {
        Ok(status) => status.exit_code(),
        Err(err) => certexam::report_error(&err),
    }
}
