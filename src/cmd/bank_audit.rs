//! `certexam bank audit`: the item-writing flaws and test-wise cues of a
//! bank, and with a blueprint the simulated test-wise candidates, for the
//! trainer who must be able to say the certificate measures knowledge.

use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use crate::Status;
use crate::audit::simulate::{Row, Simulation, simulate};
use crate::audit::{self, BankAudit, Figures};
use crate::bank::{self, Bank};
use crate::blueprint::{self, Blueprint};
use crate::fairness::{self, Calibration, Spread};
use crate::table::Table;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bank folder (holding bank.toml).
    #[arg(default_value = "question_bank")]
    pub dir: PathBuf,
    /// Simulate test-wise candidates on papers drawn with this blueprint.
    #[arg(long, value_name = "FILE")]
    pub blueprint: Option<PathBuf>,
    /// How many papers (virtual candidates) to simulate (at most 20,000, which keeps memory bounded).
    #[arg(long, default_value_t = 200, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub papers: u32,
    /// Seed of the simulation (any text); the same seed gives the same table.
    #[arg(long, default_value = "certexam-audit", value_name = "S")]
    pub seed: String,
    /// Item statistics of earlier sittings (the items.csv `certexam analyze`
    /// writes): the paper-difficulty spread uses each question's observed
    /// facility where it has at least 30 answers (default: the blueprint's
    /// own `calibration`, if any).
    #[arg(long, value_name = "ITEMS_CSV", requires = "blueprint")]
    pub calibration: Option<PathBuf>,
    /// Print everything as JSON on stdout, for scripts.
    #[arg(long)]
    pub json: bool,
    /// Exit 1 on any finding not accepted in `audit_ok`, a flagged bank figure or a test-wise pass.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    bank: &'a str,
    questions: usize,
    findings: &'a [audit::Finding],
    open: usize,
    silenced: usize,
    figures: &'a Figures,
    simulation: Option<JsonSimulation<'a>>,
    strict_ok: bool,
}

#[derive(Serialize)]
struct JsonSimulation<'a> {
    blueprint: String,
    exam: &'a str,
    papers: usize,
    seed: &'a str,
    pass_percent: f64,
    rows: &'a [Row],
    testwise_pass: bool,
    reasons: &'a [String],
    /// How equally hard the simulated papers are.
    paper_difficulty: &'a Spread,
}

pub fn run(args: &Args) -> Result<Status> {
    let loaded = bank::load(&args.dir);
    let bank = match loaded.bank {
        Some(bank) if !loaded.has_errors() => bank,
        _ => {
            for d in &loaded.diagnostics {
                eprintln!("{d}");
            }
            eprintln!(
                "the bank {} has errors; fix them first (`certexam bank check {}`), then audit it",
                args.dir.display(),
                args.dir.display()
            );
            return Ok(Status::Problems);
        }
    };
    let calibration = match &args.calibration {
        Some(path) => match Calibration::read(path) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(Status::Problems);
            }
        },
        None => None,
    };
    let simulation = match &args.blueprint {
        Some(path) => match simulated(&bank, path, args) {
            Some((bp, sim)) => {
                let calibration = calibration.as_ref().or(bp.calibration.as_ref());
                let spread = fairness::spread(&sim.papers, &bank, calibration);
                Some((bp, sim, spread))
            }
            None => return Ok(Status::Problems),
        },
        None => None,
    };
    let report = audit::audit(&bank);
    let open = report.open().count();
    let sim_flagged = simulation
        .as_ref()
        .is_some_and(|(_, s, _)| !s.flags.is_empty());
    let strict_ok = open == 0 && !report.figures.flagged() && !sim_flagged;

    if args.json {
        let json = JsonReport {
            bank: &bank.name,
            questions: report.questions,
            findings: &report.findings,
            open,
            silenced: report.silenced(),
            figures: &report.figures,
            simulation: simulation.as_ref().map(|(bp, s, spread)| JsonSimulation {
                blueprint: bp.path.display().to_string(),
                exam: &bp.id,
                papers: s.papers.len(),
                seed: &s.seed,
                pass_percent: bp.pass_percent,
                rows: &s.table,
                testwise_pass: !s.flags.is_empty(),
                reasons: &s.flags,
                paper_difficulty: spread,
            }),
            strict_ok,
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        if let Some((bp, s, spread)) = &simulation {
            print!("{}", simulation_text(bp, s));
            println!();
            println!("{spread}");
            if let Some(c) = &spread.calibration {
                println!("{}", calibration_text(c));
            }
            println!();
        }
        print!("{}", figures_text(&args.dir, &report));
        println!();
        print!("{}", findings_text(&report));
        println!("{}", summary_line(&report, strict_ok, args.strict));
    }
    Ok(Status::from_problems(args.strict && !strict_ok))
}

fn simulated(bank: &Bank, path: &std::path::Path, args: &Args) -> Option<(Blueprint, Simulation)> {
    let (blueprint, diags) = blueprint::load(path, &bank.categories);
    for d in &diags {
        eprintln!("{d}");
    }
    let Some(blueprint) = blueprint else {
        eprintln!(
            "the blueprint {} has problems; fix them to run the simulation",
            path.display()
        );
        return None;
    };
    match simulate(bank, &blueprint, args.papers as usize, &args.seed) {
        Ok(s) => Some((blueprint, s)),
        Err(shortages) => {
            for s in &shortages {
                eprintln!("error: {s}");
            }
            eprintln!(
                "the bank cannot fill the papers {} asks for; add questions or lower the counts",
                path.display()
            );
            None
        }
    }
}

fn pct(x: f64) -> String {
    format!("{x:.1} %")
}

fn simulation_text(bp: &Blueprint, s: &Simulation) -> String {
    let gates = if bp.gates.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = bp
            .gates
            .iter()
            .map(|(c, p)| format!("{c} ≥ {p} %"))
            .collect();
        format!(" and gates {}", list.join(", "))
    };
    let mut out = format!(
        "Test-wise simulation: {} papers of {} ({}), seed \"{}\"; pass mark {} %{gates}\n\n",
        s.papers.len(),
        bp.id,
        bp.path.display(),
        s.seed,
        bp.pass_percent
    );
    let mut table = Table::new(["virtual candidate", "mean", "max", "papers passed"]);
    for row in &s.table {
        table.row([
            row.label.to_string(),
            pct(row.mean_percent),
            pct(row.max_percent),
            pct(row.pass_share * 100.0),
        ]);
    }
    out.push_str(&table.render());
    let (a, b, c, d) = (&s.table[0], &s.table[1], &s.table[2], &s.table[3]);
    out.push_str(&format!(
        "\ncues add {:+.1} points to knowing nothing ((b) − (a)) and {:+.1} points to knowing half ((c) − (d)); \
         the half-knower passes {} of the papers with cues, {} without\n",
        b.mean_percent - a.mean_percent,
        c.mean_percent - d.mean_percent,
        pct(c.pass_share * 100.0),
        pct(d.pass_share * 100.0)
    ));
    if s.flags.is_empty() {
        out.push_str("testwise-pass: ok — passing takes knowledge, not cues\n");
    } else {
        for f in &s.flags {
            out.push_str(&format!("testwise-pass: FLAGGED — {f}\n"));
        }
    }
    out
}

fn verdict(flagged: bool) -> &'static str {
    if flagged { "FLAGGED" } else { "ok" }
}

fn figures_text(dir: &std::path::Path, report: &BankAudit) -> String {
    let f = &report.figures;
    let mut table = Table::new(["bank figure", "verdict", "figures"]);
    let lc = &f.length_cue;
    table.row([
        "length-cue".to_string(),
        verdict(lc.flagged).to_string(),
        format!(
            "the key is the strictly longest option in {} of {} single-choice questions ({}); always picking the longest scores {} (chance with 4 options: 25 %)",
            lc.key_strictly_longest,
            lc.single_questions,
            pct(lc.share * 100.0),
            pct(lc.expected_score_longest * 100.0)
        ),
    ]);
    let kp = &f.key_position;
    let letters: Vec<String> = kp
        .observed
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    table.row([
        "key-position".to_string(),
        verdict(kp.flagged).to_string(),
        format!(
            "single-choice keys as written: {} (chi² {:.1}, df {}, p {:.3})",
            letters.join(", "),
            kp.chi_square,
            kp.degrees_of_freedom,
            kp.p_value
        ),
    ]);
    let tb = &f.tf_balance;
    table.row([
        "tf-balance".to_string(),
        verdict(tb.flagged).to_string(),
        format!(
            "{} of {} true/false statements are true ({}; keep 40–60 %)",
            tb.true_statements,
            tb.statements,
            pct(tb.share_true * 100.0)
        ),
    ]);
    let cw = &f.tf_cue_word;
    let words = if cw.words.is_empty() {
        "no word tells true from false (a word in 5+ statements, 80 %+ one way)".to_string()
    } else {
        let list: Vec<String> = cw
            .words
            .iter()
            .take(12)
            .map(|w| {
                format!(
                    "{} ({} statements, {:.0} % {})",
                    w.word,
                    w.statements,
                    w.share * 100.0,
                    if w.direction { "true" } else { "false" }
                )
            })
            .collect();
        let more = cw.words.len().saturating_sub(12);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("{}{more}", list.join(", "))
    };
    table.row([
        "tf-cue-word".to_string(),
        verdict(cw.flagged).to_string(),
        words,
    ]);
    let mc = &f.multiple_count;
    let counts: Vec<String> = mc
        .counts
        .iter()
        .map(|(k, n)| format!("{k} keys: {n}"))
        .collect();
    table.row([
        "multiple-count".to_string(),
        verdict(mc.flagged).to_string(),
        format!(
            "{} multiple-choice questions — {} (largest share {}; keep under 60 %)",
            mc.questions,
            counts.join(", "),
            pct(mc.largest_share * 100.0)
        ),
    ]);
    format!(
        "Bank figures: {} ({} questions)\n\n{}",
        dir.display(),
        report.questions,
        table.render()
    )
}

fn findings_text(report: &BankAudit) -> String {
    let mut out = String::new();
    for f in report.open() {
        let text = f.diagnostic.to_string();
        let text = text.replacen("warning: ", &format!("warning[{}]: ", f.code), 1);
        out.push_str(&text);
        out.push('\n');
    }
    out
}

fn summary_line(report: &BankAudit, strict_ok: bool, strict: bool) -> String {
    let open: Vec<&audit::Finding> = report.open().collect();
    let questions: std::collections::BTreeSet<&str> =
        open.iter().map(|f| f.question.as_str()).collect();
    let mut by_code: std::collections::BTreeMap<&str, usize> = Default::default();
    for f in &open {
        *by_code.entry(f.code.as_str()).or_default() += 1;
    }
    let codes: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
    let mut line = if open.is_empty() {
        format!(
            "no open findings in {} questions ({} silenced by audit_ok)",
            report.questions,
            report.silenced()
        )
    } else {
        format!(
            "{} finding(s) in {} of {} questions, worst first above ({}); {} silenced by audit_ok",
            open.len(),
            questions.len(),
            report.questions,
            codes.join(", "),
            report.silenced()
        )
    };
    if strict {
        line.push_str(if strict_ok {
            "; --strict: passed"
        } else {
            "; --strict: failed"
        });
    }
    line
}

fn calibration_text(c: &fairness::CalibrationUse) -> String {
    let list = |ids: &[String]| -> String {
        let shown: Vec<&str> = ids.iter().take(20).map(String::as_str).collect();
        let more = ids.len().saturating_sub(20);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else if shown.is_empty() {
            "none".to_string()
        } else {
            shown.join(", ")
        }
    };
    format!(
        "  calibrated from {} (at least {} answers): {}\n  too few answers, difficulty level used: {}\n  in the file but not in the bank: {}",
        c.path.display(),
        c.min_answers,
        list(&c.calibrated),
        list(&c.too_few_answers),
        list(&c.not_in_bank)
    )
}
