//! What several commands share and no domain module should hold: the typst
//! arguments and document options, progress bars, reading score files for
//! `analyze` and `feedback`, printing an archive's problems, asking for a
//! key's password. Commands use this module, never each other (except
//! `make`, which is `draw` then `render`, and `archive`, which dispatches).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::analysis::{self, LoadResult, Papers};
use crate::archive::record::Opened;
use crate::paper;
use crate::render::Progress;
use crate::render::document::DocumentOptions;
use crate::render::typst::{self, Typst};
use crate::score_file::ScoreFile;
use crate::sign::PublicKey;

/// Where typst is and which fonts it may use; shared by `render`, `make` and `doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct TypstArgs {
    /// The typst program [default: $CERTEXAM_TYPST, else `typst` on PATH].
    #[arg(long, value_name = "PATH")]
    pub typst: Option<PathBuf>,
    /// An extra folder of fonts for typst (repeatable), e.g. one holding a Chinese font.
    #[arg(long = "font-path", value_name = "DIR")]
    pub font_path: Vec<PathBuf>,
    /// Use the templates in DIR (your copies of templates/); files it lacks come from the shipped set.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// Finds typst (warning when it is not the pinned version) and makes the
/// options for [`crate::render::document::render_documents`]; for
/// `analyze` and `feedback`.
pub fn document_options(args: &TypstArgs, jobs: Option<u32>) -> Result<(Typst, DocumentOptions)> {
    let found = Typst::locate(args.typst.as_deref())?;
    if found.version != typst::PINNED {
        eprintln!(
            "warning: {} is typst {}; PDFs are byte-identical across machines only with typst {} (`cargo install --locked typst-cli@{}`)",
            found.program.display(),
            found.version,
            typst::PINNED,
            typst::PINNED
        );
    }
    let opts = DocumentOptions {
        templates: args.templates.clone(),
        font_paths: args.font_path.clone(),
        jobs: jobs.map_or_else(|| crate::parallel::workers(256), |j| j as usize),
    };
    Ok((found, opts))
}

/// Reads the score files (verifying them with `--pubkey`), printing every
/// file left out; an error when nothing usable is left.
pub fn load_scores(scores: &[PathBuf], pubkey: Option<&Path>) -> Result<LoadResult> {
    let key = pubkey
        .map(|p| {
            PublicKey::read(p).with_context(|| format!("cannot use the public key {}", p.display()))
        })
        .transpose()?;
    let loaded = analysis::load_latest(scores, key.as_ref());
    for p in &loaded.problems {
        eprintln!("error: {p}");
    }
    if loaded.scores.is_empty() {
        let places: Vec<String> = scores.iter().map(|p| p.display().to_string()).collect();
        if !loaded.problems.is_empty() {
            bail!(
                "none of the score files in {} could be used (the reasons are above)",
                places.join(", ")
            );
        }
        bail!(
            "no usable score files in {}; give the folder that `certexam grade --out` wrote",
            places.join(", ")
        );
    }
    Ok(loaded)
}

/// Reads the paper manifests and reports results whose paper is not among them.
pub fn papers_for(dir: &Path, scores: &[&ScoreFile]) -> Result<(Papers, Vec<String>)> {
    let papers = Papers::new(paper::read_dir(dir)?);
    let missing: Vec<String> = scores
        .iter()
        .filter(|s| papers.of(s).is_none())
        .map(|s| {
            format!(
                "{}'s paper {} (exam {}) is not in {}; its questions' stems and options are not available",
                s.candidate.id,
                s.paper.id,
                s.exam.id,
                dir.display()
            )
        })
        .collect();
    for m in &missing {
        eprintln!("error: {m}");
    }
    Ok((papers, missing))
}

/// An `indicatif` bar counting `len` `unit`s (pages, sheets) on a terminal;
/// nothing when stderr is no terminal (a log file gets no bar).
pub fn counting_bar(len: u64, action: &str, unit: &str) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {action} {{bar:30}} {{pos}}/{{len}} {unit} {{elapsed}} {{wide_msg}}"
        ))
        .expect("the template is valid"),
    );
    Some(bar)
}

/// An `indicatif` bar over PDFs being made, on a terminal; nothing otherwise
/// (for `render`, `feedback` and `certificate`).
#[derive(Debug)]
pub struct ProgressBar(Option<indicatif::ProgressBar>);

impl ProgressBar {
    /// `action` names what is going on, e.g. "rendering".
    pub fn new(action: &str) -> Self {
        let bar = counting_bar(0, action, "PDFs");
        if let Some(bar) = &bar {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        Self(bar)
    }

    pub fn update(&self, p: &Progress) {
        let Some(bar) = &self.0 else { return };
        match p {
            Progress::Planned { total } => bar.set_length(*total as u64),
            Progress::Finished { output, ok } => {
                bar.inc(1);
                let name = output
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                bar.set_message(if *ok { name } else { format!("{name} failed") });
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// Prints the problems found while opening an archive's records to stderr
/// (the first screenful, then a count); returns whether there were any.
pub fn print_archive_problems(archive: &Path, opened: &Opened) -> bool {
    const SHOWN: usize = 20;
    let problems: Vec<_> = opened.problems().collect();
    for p in problems.iter().take(SHOWN) {
        eprintln!("problem: {p}");
    }
    if problems.len() > SHOWN {
        eprintln!("… and {} more problem(s)", problems.len() - SHOWN);
    }
    if !problems.is_empty() {
        eprintln!(
            "{}: {} problem(s); results are taken only from signed records that verify, the others are `unverified` — run `certexam archive verify`",
            archive.display(),
            problems.len()
        );
    }
    !problems.is_empty()
}

/// The environment variable that holds a key's password (for scripts).
pub const PASSWORD_VAR: &str = "CERTEXAM_KEY_PASSWORD";

/// The password of an existing key: `CERTEXAM_KEY_PASSWORD`, or typed on the terminal.
pub fn password_for(key: &Path) -> Result<String> {
    if let Ok(p) = std::env::var(PASSWORD_VAR) {
        return Ok(p);
    }
    rpassword::prompt_password(format!("Password of {}: ", key.display())).with_context(|| {
        format!(
            "{} is password-protected and there is no terminal to ask for it; set {}",
            key.display(),
            PASSWORD_VAR
        )
    })
}
