//! `certexam draw`: one seeded paper manifest per candidate (or per form),
//! written so that re-running with the same inputs changes nothing and
//! papers that may already be printed are never silently replaced.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Status;
use crate::bank::{self, Bank};
use crate::blueprint::{self, Blueprint};
use crate::diag::Diagnostic;
use crate::draw::{self, DrawRequest, Drawn, Holder};
use crate::fairness::{self, Spread};
use crate::fsutil;
use crate::paper::{self, Paper};
use crate::rng::Algorithm;
use crate::rooms;
use crate::roster;

/// What to draw, shared by `draw` and `make`.
#[derive(Clone, Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["roster", "forms"])))]
pub struct DrawInputs {
    /// The question bank folder.
    #[arg(long, default_value = "question_bank")]
    pub bank: PathBuf,
    /// The exam blueprint (TOML).
    #[arg(long)]
    pub blueprint: PathBuf,
    /// The roster, .xlsx or CSV as Excel saves it (columns id/考号, name/姓名, any
    /// others): one paper per candidate.
    #[arg(long)]
    pub roster: Option<PathBuf>,
    /// Instead of a roster: this many anonymous forms A, B, C, …
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=702))]
    pub forms: Option<u32>,
    /// The master seed (any text, e.g. the exam date). Keep it: it re-draws every paper.
    #[arg(long)]
    pub seed: String,
    /// Earlier paper manifests (folders): candidates get questions they have not seen yet.
    #[arg(long, value_name = "DIR")]
    pub avoid: Vec<PathBuf>,
    /// Replace papers in OUT that would change (only if they were not printed yet).
    #[arg(long)]
    pub force: bool,
    /// Seat candidates in exam rooms of at most this many (when the roster has
    /// no room column): seeded, each department spread across the rooms.
    #[arg(long, value_name = "CAPACITY", conflicts_with = "forms",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rooms: Option<u32>,
    /// The roster column spread across rooms by --rooms (default: department/部门 if the roster has one).
    #[arg(long, value_name = "COL", requires = "rooms")]
    pub spread_by: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: DrawInputs,
    /// Output folder: papers go to OUT/papers/, the draw record to OUT/draw.toml.
    #[arg(long)]
    pub out: PathBuf,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// The inputs and results of a draw, checked in by the trainer.
#[derive(Serialize)]
struct DrawRecord<'a> {
    format: &'static str,
    tool: String,
    exam: &'a str,
    /// The drawing algorithm; absent for v1, so that v1 records keep their bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    algorithm: Option<&'static str>,
    seed: &'a str,
    inputs: Inputs,
    #[serde(rename = "paper")]
    papers: Vec<PaperLine<'a>>,
}

#[derive(Serialize)]
struct Inputs {
    bank_name: String,
    bank_version: String,
    bank_digest: String,
    blueprint_sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    roster_sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forms: Option<u32>,
    avoid_papers: usize,
    /// How `--rooms` seated the candidates; absent otherwise, so records
    /// without rooms keep their bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    rooms: Option<RoomsInput>,
    /// SHA-256 of the calibration (items.csv) the blueprint names.
    #[serde(skip_serializing_if = "Option::is_none")]
    calibration_sha256: Option<String>,
}

#[derive(Serialize)]
struct RoomsInput {
    algorithm: &'static str,
    capacity: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    spread_by: Option<String>,
    rooms: usize,
}

#[derive(Serialize)]
struct PaperLine<'a> {
    holder: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    room: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seat: Option<u32>,
    paper_id: &'a str,
    digest: &'a str,
    file: String,
}

/// Loaded and checked inputs, or the problems that stop the draw.
pub struct Loaded {
    pub bank: Bank,
    pub blueprint: Blueprint,
    pub holders: Vec<Holder>,
    /// The roster's columns besides id, name, room and seat.
    pub roster_columns: Vec<String>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("blueprint", &self.blueprint.id)
            .field("holders", &self.holders.len())
            .finish_non_exhaustive()
    }
}

fn print_all(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
}

/// Loads bank, blueprint and roster, printing every problem. `None` means
/// the input had problems (already reported).
pub fn load_inputs(
    bank_dir: &Path,
    blueprint_path: &Path,
    roster: Option<&Path>,
    forms: Option<u32>,
) -> Option<Loaded> {
    let loaded = bank::load(bank_dir);
    if loaded.has_errors() || loaded.bank.is_none() {
        print_all(&loaded.diagnostics);
        if bank_dir.join("bank.toml").is_file() {
            eprintln!(
                "the bank {} has errors; fix them first (`certexam bank check {}`)",
                bank_dir.display(),
                bank_dir.display()
            );
        } else {
            eprintln!(
                "no bank.toml in {}; run from the folder that holds the bank, or give it with --bank",
                bank_dir.display()
            );
        }
        return None;
    }
    let bank = loaded.bank?;
    let (blueprint, diags) = blueprint::load(blueprint_path, &bank.categories);
    print_all(&diags);
    let mut roster_columns = Vec::new();
    let holders = match (roster, forms) {
        (Some(path), _) => match roster::load(path) {
            Ok(r) => {
                roster_columns = r.extra_columns;
                Some(r.candidates.into_iter().map(Holder::Candidate).collect())
            }
            Err(diags) => {
                print_all(&diags);
                eprintln!(
                    "the roster {} has problems; nothing was drawn",
                    path.display()
                );
                None
            }
        },
        (None, Some(n)) => Some(
            draw::form_letters(n as usize)
                .into_iter()
                .map(Holder::Form)
                .collect(),
        ),
        (None, None) => None,
    };
    let Some(blueprint) = blueprint else {
        eprintln!(
            "the blueprint {} has problems; nothing was drawn",
            blueprint_path.display()
        );
        return None;
    };
    Some(Loaded {
        bank,
        blueprint,
        holders: holders?,
        roster_columns,
    })
}

/// What a draw wrote.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub exam: String,
    pub papers_dir: PathBuf,
    pub papers: usize,
    pub created: usize,
    pub unchanged: usize,
    pub replaced: usize,
    pub repeats: Vec<String>,
    /// `certexam-draw-v1` or `certexam-draw-v2`.
    pub algorithm: &'static str,
    /// How much the papers' difficulty varies (see `fairness`).
    pub spread: Spread,
    /// v2: the difficulty profile every paper has, and the middle-ability
    /// expected percent every paper is held to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<draw::Profile>,
}

pub fn run(args: &Args) -> Result<Status> {
    match draw_to(&args.inputs, &args.out)? {
        Some(summary) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            }
            Ok(Status::Ok)
        }
        None => Ok(Status::Problems),
    }
}

/// Draws into `out`; `None` when the input had (reported) problems.
pub fn draw_to(args: &DrawInputs, out: &Path) -> Result<Option<Summary>> {
    let Some(mut inputs) = load_inputs(
        &args.bank,
        &args.blueprint,
        args.roster.as_deref(),
        args.forms,
    ) else {
        return Ok(None);
    };
    let seated = match args.rooms {
        Some(capacity) => match seat(args, &mut inputs, capacity) {
            Some(a) => Some(a),
            None => return Ok(None),
        },
        None => None,
    };
    let mut avoided = Vec::new();
    for dir in &args.avoid {
        avoided.extend(paper::read_dir(dir)?.into_iter().map(|(_, p)| p));
    }
    let seen: HashMap<String, HashSet<String>> = draw::seen_by_candidate(&avoided);
    let request = DrawRequest {
        bank: &inputs.bank,
        blueprint: &inputs.blueprint,
        holders: &inputs.holders,
        master_seed: &args.seed,
        seen: &seen,
    };
    let Drawn { papers, repeats } = match draw::draw(&request) {
        Ok(d) => d,
        Err(shortages) => {
            for s in &shortages {
                eprintln!("error: {s}");
            }
            if shortages.iter().any(|s| s.stratum.is_some()) {
                eprintln!(
                    "the bank cannot give every paper the same difficulty profile; add questions at the difficulty named, lower the counts, or change the difficulty range in {}. Nothing was written.",
                    args.blueprint.display()
                );
            } else {
                eprintln!(
                    "the bank cannot fill this blueprint; add questions, lower the counts or widen the difficulty range in {}. Nothing was written.",
                    args.blueprint.display()
                );
            }
            return Ok(None);
        }
    };

    let papers_dir = out.join("papers");
    // Serialising and comparing with what is on disk, in parallel.
    let planned = crate::parallel::map(&papers, |p| -> Result<Planned> {
        let path = papers_dir.join(format!("{}{}", p.holder(), paper::EXTENSION));
        let text = p.to_toml();
        let state = match std::fs::read(&path) {
            Ok(old) if old == text.as_bytes() => FileState::Same,
            Ok(_) => FileState::Different,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileState::Missing,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(Planned { path, text, state })
    })
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let record = record_toml(args, &inputs, &papers, avoided.len(), seated.as_ref())?;
    let record_path = out.join("draw.toml");
    let has_rooms = papers.iter().any(|p| {
        p.content
            .candidate
            .as_ref()
            .is_some_and(|c| c.room.is_some())
    });
    let spread_by = seated.as_ref().and_then(|a| a.spread_by.as_deref());

    // Decide everything before writing anything: a refused draw writes nothing.
    let unchanged = planned
        .iter()
        .filter(|p| p.state == FileState::Same)
        .count();
    let changed: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.state == FileState::Different)
        .collect();
    if !changed.is_empty() && !args.force {
        for p in &changed {
            eprintln!(
                "error: {} already exists with a different paper",
                p.path.display()
            );
        }
        eprintln!(
            "{} paper(s) in {} would change (they may be printed already); nothing was written. Use another --out folder, or --force to replace them",
            changed.len(),
            papers_dir.display()
        );
        return Ok(None);
    }
    let to_write: Vec<&Planned> = planned
        .iter()
        .filter(|p| p.state != FileState::Same)
        .collect();
    write_parallel(&to_write)?;
    fsutil::write_atomic(&record_path, record.as_bytes())?;
    if has_rooms {
        fsutil::write_atomic(
            &out.join("rooms.csv"),
            &rooms::rooms_csv(&papers, spread_by),
        )?;
    }

    let repeats: Vec<String> = repeats
        .iter()
        .map(|r| {
            format!(
                "{}: {} question(s) of `{}` in \"{}\" were seen before (the bank has too few unseen ones)",
                r.candidate, r.repeated, r.category, r.section
            )
        })
        .collect();
    for r in &repeats {
        eprintln!("note: {r}");
    }
    let blueprint = &inputs.blueprint;
    let summary = Summary {
        exam: blueprint.id.clone(),
        papers_dir: papers_dir.clone(),
        papers: papers.len(),
        created: planned.len() - unchanged - changed.len(),
        unchanged,
        replaced: changed.len(),
        repeats,
        algorithm: blueprint.draw.name(),
        spread: fairness::spread(&papers, &inputs.bank, blueprint.calibration.as_ref()),
        profile: (blueprint.draw == Algorithm::V2).then(|| draw::profile(&inputs.bank, blueprint)),
    };
    eprintln!(
        "drew {} paper(s) for {} into {} ({} new, {} unchanged, {} replaced); record in {}",
        summary.papers,
        summary.exam,
        papers_dir.display(),
        summary.created,
        summary.unchanged,
        summary.replaced,
        record_path.display()
    );
    if let Some(a) = &seated {
        eprintln!(
            "  seated in {} room(s) of at most {}{}; seating in {}",
            a.rooms,
            a.capacity,
            a.spread_by.as_ref().map_or(String::new(), |c| format!(
                ", each `{c}` spread across them"
            )),
            out.join("rooms.csv").display()
        );
    }
    eprintln!("{}", summary.spread);
    if let Some(profile) = &summary.profile {
        eprintln!(
            "  {}: every paper has the same difficulty profile; middle-ability expected percent held within {} of {:.1}",
            summary.algorithm, profile.tolerance, profile.target_percent
        );
        if !profile.never_drawn.is_empty() {
            eprintln!(
                "  {} question(s) are at a difficulty whose share of their section and category rounds to 0, so no paper gets them (--json lists them)",
                profile.never_drawn.len()
            );
        }
    }
    Ok(Some(summary))
}

/// A paper file to be written, and what is on disk now.
struct Planned {
    path: PathBuf,
    text: String,
    state: FileState,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FileState {
    Missing,
    Same,
    Different,
}

fn write_parallel(files: &[&Planned]) -> Result<()> {
    let batch: Vec<(&Path, &[u8])> = files
        .iter()
        .map(|p| (p.path.as_path(), p.text.as_bytes()))
        .collect();
    Ok(fsutil::write_batch(&batch)?)
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// Seats the roster's candidates for `--rooms`, or reports why not
/// (`None`).
fn seat(args: &DrawInputs, inputs: &mut Loaded, capacity: u32) -> Option<rooms::Assignment> {
    let candidates: Vec<&crate::paper::Candidate> = inputs
        .holders
        .iter()
        .filter_map(|h| match h {
            Holder::Candidate(c) => Some(c),
            Holder::Form(_) => None,
        })
        .collect();
    if candidates.iter().any(|c| c.room.is_some()) {
        eprintln!(
            "error: the roster {} already gives rooms; drop --rooms to keep them, or delete its room column to have them assigned",
            args.roster.as_deref().unwrap_or(Path::new("")).display()
        );
        return None;
    }
    let spread_by = match &args.spread_by {
        Some(col) if !inputs.roster_columns.contains(col) => {
            eprintln!(
                "error: --spread-by `{col}` is not a column of the roster (it has: {})",
                inputs.roster_columns.join(", ")
            );
            return None;
        }
        Some(col) => Some(col.clone()),
        None => rooms::DEFAULT_SPREAD
            .iter()
            .find(|c| inputs.roster_columns.iter().any(|r| r == *c))
            .map(|c| (*c).to_string()),
    };
    let mut people: Vec<crate::paper::Candidate> = candidates.into_iter().cloned().collect();
    let assignment = rooms::assign(
        &mut people,
        capacity,
        spread_by.as_deref(),
        &args.seed,
        &inputs.blueprint.id,
    );
    inputs.holders = people.into_iter().map(Holder::Candidate).collect();
    Some(assignment)
}

fn record_toml(
    args: &DrawInputs,
    inputs: &Loaded,
    papers: &[Paper],
    avoided: usize,
    seated: Option<&rooms::Assignment>,
) -> Result<String> {
    let record = DrawRecord {
        format: "certexam-draw-record-v1",
        tool: format!("certexam {}", env!("CARGO_PKG_VERSION")),
        exam: &inputs.blueprint.id,
        algorithm: (inputs.blueprint.draw != Algorithm::V1).then(|| inputs.blueprint.draw.name()),
        seed: &args.seed,
        inputs: Inputs {
            bank_name: inputs.bank.name.clone(),
            bank_version: inputs.bank.version.clone(),
            bank_digest: inputs.bank.digest(),
            blueprint_sha256: sha256_file(&args.blueprint)?,
            roster_sha256: args.roster.as_deref().map(sha256_file).transpose()?,
            forms: args.forms,
            avoid_papers: avoided,
            rooms: seated.map(|a| RoomsInput {
                algorithm: rooms::ALGORITHM,
                capacity: a.capacity,
                spread_by: a.spread_by.clone(),
                rooms: a.rooms,
            }),
            calibration_sha256: inputs
                .blueprint
                .calibration
                .as_ref()
                .map(|c| c.sha256.clone()),
        },
        papers: papers
            .iter()
            .map(|p| PaperLine {
                holder: p.holder(),
                name: p.content.candidate.as_ref().map(|c| c.name.as_str()),
                room: p.content.candidate.as_ref().and_then(|c| c.room.as_deref()),
                seat: p.content.candidate.as_ref().and_then(|c| c.seat),
                paper_id: &p.paper_id,
                digest: &p.digest,
                file: format!("papers/{}{}", p.holder(), paper::EXTENSION),
            })
            .collect(),
    };
    Ok(toml::to_string(&record)?)
}
