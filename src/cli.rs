//! The command line: one clap `Args` struct per subcommand, whose doc
//! comments are the `--help` text. Nothing here does any work.

use clap::{Parser, Subcommand};

use crate::cmd;

/// Certification exams for e-commerce customer-service staff (网店客服上岗认证).
///
/// Trainers keep a question bank and draw seeded papers; typst renders them;
/// proctors grade answer sheets into signed score files; HR archives them.
#[derive(Debug, Parser)]
#[command(name = "certexam", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the question bank, count it, import and export it.
    Bank(BankArgs),
    /// Draw one seeded paper per candidate (or per form) from the bank.
    ///
    /// The same bank, blueprint, roster and seed always give byte-identical
    /// papers; adding a candidate changes no one else's paper.
    ///
    /// Example: certexam draw --blueprint examples/blueprint.toml --roster examples/roster.csv --seed 2026-12-01 --out exam
    Draw(cmd::draw::Args),
    /// Make the proctor's signing key pair: NAME.pub (for HR) and NAME.key (secret, mode 0600).
    ///
    /// The secret key is protected by a password (asked twice, or CERTEXAM_KEY_PASSWORD)
    /// unless --unencrypted. Existing key files are never overwritten.
    ///
    /// Example: certexam keygen --out proctor
    Keygen(cmd::keygen::Args),
    /// Grade answer sheets into signed score files, one per candidate.
    ///
    /// Writes OUT/<exam-id>/<candidate>.score.toml + .minisig, OUT/results.csv,
    /// OUT/items.csv and OUT/rejects.csv (every sheet that could not be graded, with
    /// the reason; exit status 1 if there is any). Grading again never overwrites a
    /// signed score file: the same result writes nothing, a changed one (--void,
    /// --key-fix, corrected sheets) becomes <candidate>.score.v2.toml, listed in
    /// OUT/regrade.csv.
    ///
    /// Example: certexam grade --papers exam --sheets examples/sheets.csv --key proctor.key --out scores
    Grade(cmd::grade::Args),
    /// Check score files against the proctor's public key: each OK or FAILED with the reason.
    ///
    /// Exit status 1 if any file fails (missing or bad signature, wrong key, malformed file).
    /// The standard tool gives the same answer: minisign -Vm FILE -p NAME.pub
    ///
    /// Example: certexam verify --pubkey proctor.pub scores
    Verify(cmd::verify::Args),
    /// Render drawn papers to PDF with typst: print.pdf (every paper with its
    /// answer sheet, each starting on an odd page for duplex printing) and
    /// keys.pdf (answer keys with explanations, for proctors).
    ///
    /// The same manifests and typst version give the same PDF bytes. Exit
    /// status 1 when some PDF or paper failed (the others are still written).
    ///
    /// Example: certexam render --papers exam --out exam/print --per-paper
    Render(cmd::render::Args),
    /// Read scanned answer sheets (PDF, JPEG, PNG, TIFF) into the sheets.csv that grade reads.
    ///
    /// Finds the corner marks and QR code of every page (upside-down pages too), reads each
    /// bubble, and writes OUT/sheets.csv, OUT/review.csv (everything uncertain, with a picture
    /// in OUT/review/; never guessed: such answers are `?` in sheets.csv) and OUT/scan-log.csv.
    /// Write decisions into review.csv's `decision` column and run again with --fix.
    /// Exit status 1 while anything is left to decide.
    ///
    /// Example: certexam scan --papers exam --out scanned scans/*.pdf
    Scan(cmd::scan::Args),
    /// Item analysis after an exam session, for trainers: items.csv, exam.csv and report.pdf.
    ///
    /// Per bank question (over every paper it was drawn on): facility, point-biserial
    /// correlation with the rest-score, upper–lower 27 % index, how often each option
    /// was chosen by its BANK letter, blank rate. Per exam: mean, standard deviation,
    /// pass rate, KR-20, category means and a score histogram. Questions that are too
    /// easy (facility > 0.95), too hard (< 0.20), discriminate negatively or have a
    /// distractor nobody chose are flagged, with their stems, in the report.
    /// Exit status 1 when some score file or paper could not be used (the rest is analysed).
    ///
    /// Example: certexam analyze scores --papers exam --out analysis
    Analyze(cmd::analyze::Args),
    /// One feedback PDF per candidate (成绩反馈): total, pass/fail, failed gates,
    /// points per category, and every question answered wrong, left blank or only
    /// partly right, with the candidate's answer, the correct answer and the explanation.
    ///
    /// Writes OUT/<exam-id>/<candidate>.pdf, rendered in parallel with typst. Exit
    /// status 1 when some report could not be made (the others are written).
    ///
    /// Example: certexam feedback scores --papers exam --out feedback
    Feedback(cmd::feedback::Args),
    /// Check the machine for rendering: the typst program and its version,
    /// and the Chinese fonts typst can see, with what to do about anything missing.
    ///
    /// Example: certexam doctor --font-path ~/fonts
    Doctor(cmd::doctor::Args),
    /// Draw and render in one go: one paper per candidate, then print.pdf and keys.pdf.
    ///
    /// The same as `certexam draw` followed by `certexam render` on its
    /// papers: OUT/papers/ and OUT/draw.toml, then OUT/print.pdf (every paper
    /// with its answer sheet, for duplex printing), OUT/keys.pdf and
    /// OUT/render.toml. Running it again with the same inputs changes nothing.
    ///
    /// Example: certexam make --blueprint examples/blueprint.toml --roster examples/roster.csv --seed 2026-12-01 --out exam
    Make(cmd::make::Args),
    /// HR's archive of signed score files: add, verify, query, export, verify-certificate.
    ///
    /// Records are copied into DIR/records/ and listed in the hash-chained
    /// DIR/ledger.jsonl, so that no record can be edited, removed or slipped
    /// in afterwards without `archive verify` naming it.
    ///
    /// Example: certexam archive add --archive hr-archive --pubkey proctor.pub scores
    Archive(cmd::archive::Args),
    /// PDF/A certificates (证书) for certified candidates of the archive: name,
    /// exam, score, date, valid until, and the record's fingerprint as text and QR code.
    ///
    /// Writes OUT/<exam-id>/<candidate>.pdf through typst. Exit status 1 when the
    /// candidate is not certified or some certificate could not be made.
    ///
    /// Example: certexam certificate --archive hr-archive --candidate E001 --exam CS-CERT-2026Q4 --out certificates
    Certificate(cmd::certificate::Args),
}

#[derive(Debug, clap::Args)]
pub struct BankArgs {
    #[command(subcommand)]
    pub command: BankCommand,
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Report every problem in a question bank, each at its file:line:column.
    ///
    /// Exit status 0 when there is no error (warnings are allowed), 1 otherwise.
    ///
    /// Example: certexam bank check question_bank
    Check(cmd::bank_check::Args),
    /// Find what lets a test-wise candidate pass without the knowledge.
    ///
    /// Per question: the key is clearly the longest option, a wrong option is
    /// too short to be believed, "all/none of the above", absolute qualifiers
    /// (一定, 只要 …), negative stems, the stem's word echoed in the key,
    /// overlapping options, every option correct, two questions on the same
    /// fact outside a group. Over the bank: the length cue, key letters,
    /// true/false balance and cue words, key counts of multiple-choice
    /// questions. With --blueprint: four virtual candidates (random, test-wise,
    /// half-knowers with and without cues) sit simulated papers under the
    /// exam's real scoring — the table shows how far cues alone carry.
    ///
    /// Findings are warnings (exit 0); with --strict, exit 1 on any finding not
    /// accepted in a question's `audit_ok`, a flagged bank figure or a
    /// test-wise pass.
    ///
    /// Example: certexam bank audit question_bank --blueprint examples/blueprint.toml
    Audit(cmd::bank_audit::Args),
    /// Count the questions by category, type and difficulty, with the bank digest.
    ///
    /// Example: certexam bank stats question_bank --json
    Stats(cmd::bank_stats::Args),
    /// Import questions from an Excel (.xlsx) or CSV sheet into a bank folder.
    ///
    /// Reads the layout exam services use for bulk upload (题型, 题干,
    /// 选项A…H, 答案, 解析, 难度, 分类); CSV may be UTF-8 or GB18030. Bad rows
    /// are listed with row, column and reason (exit status 1) and the good
    /// ones are still imported; questions already in the bank are only
    /// rewritten with --update. The README lists the column names it recognises.
    ///
    /// Example: certexam bank import 客服题库.xlsx --out question_bank --category-map 物流=logistics
    Import(cmd::bank_import::Args),
    /// Export a bank to Moodle XML, GIFT, or the CSV sheet that import reads.
    ///
    /// Example: certexam bank export question_bank --format moodle-xml --out bank.xml
    Export(cmd::bank_export::Args),
}
