//! Rendering to PDF with typst: drawn papers (print bundles with answer
//! sheets, keys, the explanations booklet, per-paper PDFs), documents (the
//! item-analysis report, candidates' feedback) and certificates — all
//! through one [`build::BuildFolder`] that typst sees as its whole world
//! (`--root`), one worker pool ([`crate::parallel::pool`]) and one
//! [`engine::Engine`] (typst, or a stand-in in tests).
//!
//! Failures are contained: every PDF is written under a temporary name and
//! renamed only when typst succeeded, a failing paper is reported with
//! typst's own message while the others still finish, and the build folder
//! is removed at the end.

pub mod build;
pub mod bundle;
pub mod certificate;
pub mod data;
pub mod document;
pub mod engine;
pub mod explanations;
pub mod fonts;
mod papers;
pub mod qr;
pub mod typst;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::shard::Shard;
use typst::TypstError;

pub use build::{TEMPLATES, font_families};
pub use papers::render_papers;

/// How to render.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Where `print.pdf`, `keys.pdf` and `pdf/` go.
    pub out: PathBuf,
    /// A folder of templates laid over the shipped ones.
    pub templates: Option<PathBuf>,
    pub font_paths: Vec<PathBuf>,
    /// Also one PDF and one key per paper under `out/pdf/`.
    pub per_paper: bool,
    /// typst processes running at once.
    pub jobs: usize,
    /// Most papers in one print bundle without rooms (see [`bundle::plan`]).
    pub bundle_size: usize,
    /// Keys with every question's explanation per paper (`key.typ`), as
    /// before compact keys; otherwise quick-key tables and one
    /// `explanations.pdf`.
    pub full_keys: bool,
    /// Make only this part's PDFs (see [`crate::shard`]): print bundles
    /// (rooms) and per-paper PDFs round-robin, `explanations.pdf` in part 1.
    pub shard: Option<Shard>,
    /// Build in this folder and keep it (for benchmarks and template work).
    pub keep_build: Option<PathBuf>,
}

/// What is happening, for a progress bar.
#[derive(Clone, Debug)]
pub enum Progress {
    /// This many PDFs will be made.
    Planned { total: usize },
    /// One PDF is done (or failed).
    Finished { output: PathBuf, ok: bool },
}

/// Which kind of PDF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// All papers with answer sheets.
    Print,
    /// The keys of a print bundle: quick-key tables, or full keys.
    Keys,
    /// Every question of the session once, with its explanation.
    Explanations,
    /// One paper with its answer sheet.
    Paper,
    /// One paper's key.
    Key,
}

impl Kind {
    fn template(self, full_keys: bool) -> &'static str {
        match self {
            Kind::Print | Kind::Paper => "paper.typ",
            Kind::Keys if !full_keys => "quickkey.typ",
            Kind::Keys | Kind::Key => "key.typ",
            Kind::Explanations => "explanations.typ",
        }
    }
}

/// A PDF that was written.
#[derive(Clone, Debug, Serialize)]
pub struct Output {
    pub kind: Kind,
    pub path: PathBuf,
    /// The papers it holds (candidate ids or form letters).
    pub papers: Vec<String>,
}

/// A PDF (or a paper inside one) that could not be made.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub kind: Kind,
    /// The PDF that was not written (or was written without these papers).
    pub path: PathBuf,
    /// The papers concerned; all of the PDF's papers when the template itself fails.
    pub papers: Vec<String>,
    /// typst's message.
    pub message: String,
}

/// What a render did.
#[derive(Clone, Debug, Serialize)]
pub struct RenderReport {
    pub typst: PathBuf,
    pub typst_version: String,
    pub papers: usize,
    pub outputs: Vec<Output>,
    pub failures: Vec<Failure>,
    /// The build folder, when it was kept.
    pub build: Option<PathBuf>,
}

/// What stops a render before any PDF is made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Typst(#[from] TypstError),
    #[error(
        "the {documents} contain Chinese, but typst sees none of the template's CJK fonts ({wanted}); it would print empty boxes. Nothing was rendered. To fix: {advice}. `certexam doctor` shows what typst sees.",
        wanted = wanted.join(", "),
        advice = fonts::install_advice()
    )]
    NoCjkFont {
        /// What was to be printed: "papers", "certificates".
        documents: &'static str,
        wanted: Vec<String>,
    },
    #[error("{}/fonts.json is not valid: {error}; fix it or delete it to use the shipped font list", dir.display())]
    FontList {
        dir: PathBuf,
        error: serde_json::Error,
    },
    #[error("cannot read the templates folder {}: {error}", dir.display())]
    Templates { dir: PathBuf, error: std::io::Error },
    #[error("the build folder {} must be new or empty", dir.display())]
    BuildNotEmpty { dir: PathBuf },
    #[error("cannot {what} {}: {error}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> RenderError {
    let path = path.to_path_buf();
    move |error| RenderError::Io { what, path, error }
}
