//! `certexam archive …`: HR's archive of signed score files — add, verify,
//! query, export, and check a certificate against it. Each subcommand has
//! its own file; this one only dispatches.

use anyhow::Result;
use clap::Subcommand;

use crate::Status;
use crate::cmd::{
    archive_add, archive_export, archive_query, archive_verify, archive_verify_certificate,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ArchiveCommand,
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Add signed score files (files or folders) to the archive: each is
    /// verified first, copied to DIR/records/<exam>/<candidate>/ and listed in
    /// the hash-chained DIR/ledger.jsonl.
    ///
    /// Bad files are refused and listed (exit status 1); the good ones are
    /// still added. A record already in the archive is left alone. Two adds
    /// at once queue up on the archive's lock.
    ///
    /// Example: certexam archive add --archive hr-archive --pubkey proctor.pub scores
    Add(archive_add::Args),
    /// Check the whole archive: the ledger's chain, every record and
    /// signature, and no unknown files. Exit status 1 on any problem, each
    /// named with its ledger line or file.
    ///
    /// Example: certexam archive verify --archive hr-archive --pubkey proctor.pub
    Verify(archive_verify::Args),
    /// Who is certified, until when: the latest record per candidate and exam,
    /// with its standing (certified, expired, failed) on a date.
    ///
    /// Example: certexam archive query --archive hr-archive --candidate E001
    Query(archive_query::Args),
    /// Export every record (one row per record, all versions) as CSV or Excel.
    ///
    /// Example: certexam archive export --archive hr-archive --format xlsx --lang zh --out 认证档案.xlsx
    Export(archive_export::Args),
    /// Check a certificate PDF against the archive: find its fingerprint,
    /// name the record it belongs to, and say whether it is still valid.
    ///
    /// Exit status 0 when the certificate matches a record that is still
    /// certified; 1 when it matches none, disagrees with it, or is no longer valid.
    ///
    /// Example: certexam archive verify-certificate certificates/CS-CERT-2026Q4/E001.pdf --archive hr-archive
    VerifyCertificate(archive_verify_certificate::Args),
}

pub fn run(args: &Args) -> Result<Status> {
    match &args.command {
        ArchiveCommand::Add(a) => archive_add::run(a),
        ArchiveCommand::Verify(a) => archive_verify::run(a),
        ArchiveCommand::Query(a) => archive_query::run(a),
        ArchiveCommand::Export(a) => archive_export::run(a),
        ArchiveCommand::VerifyCertificate(a) => archive_verify_certificate::run(a),
    }
}
