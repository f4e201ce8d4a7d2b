//! `certexam render`: drawn paper manifests to PDFs through typst — the print
//! bundle, the proctors' keys and, on request, one PDF per paper — with a
//! progress bar on a terminal and typst's own message for anything that fails.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Status;
use crate::cmd::common::{ProgressBar, TypstArgs};
use crate::fsutil;
use crate::paper::{self, Paper};
use crate::render::typst::Typst;
use crate::render::{self, Kind, RenderOptions, RenderReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder of paper manifests that `certexam draw` wrote (its --out folder, or the papers/ inside it).
    #[arg(long, value_name = "DIR")]
    pub papers: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Rendering options; shared by `render` and `make`.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Output folder: print.pdf (all papers with answer sheets, for duplex printing) and keys.pdf — or print/<room>.pdf and keys/<room>.pdf per exam room, or print/001.pdf, … of --bundle-size papers — and render.toml; `make` also draws into it (papers/, draw.toml).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub typst: TypstArgs,
    /// Also write pdf/<id>.pdf and pdf/<id>.key.pdf for every paper (to e-mail or reprint one).
    #[arg(long)]
    pub per_paper: bool,
    /// Most papers in one print bundle when the papers have no rooms: more go to
    /// print/001.pdf, print/002.pdf, … (papers with rooms go to print/<room>.pdf).
    #[arg(long, value_name = "N", default_value_t = render::bundle::DEFAULT_SIZE,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub bundle_size: u32,
    /// Keys as before: every paper's key with each question's explanation, instead
    /// of quick-key tables and one explanations.pdf.
    #[arg(long)]
    pub full_keys: bool,
    /// Make only part K of N (1/4 … 4/4): rooms (print bundles) and per-paper PDFs
    /// are dealt out round-robin, explanations.pdf goes with part 1; the parts
    /// together are byte for byte one run. The record is render.shard-K-of-N.toml.
    #[arg(long, value_name = "K/N", value_parser = crate::shard::parse)]
    pub shard: Option<crate::shard::Shard>,
    /// How many typst processes run at once [default: the number of cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Build in DIR (new or empty) and keep it, to run typst on it by hand.
    #[arg(long, value_name = "DIR", hide = true)]
    pub keep_build: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<Status> {
    let papers = paper::read_dir(&args.papers)?;
    let report = render(&papers, &args.output)?;
    if args.output.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(status(&report))
}

/// Exit status 1 when some PDF or paper failed.
pub fn status(report: &RenderReport) -> Status {
    Status::from_problems(!report.failures.is_empty())
}

/// Renders papers already read, reports the outcome on stderr and writes
/// `render.toml`; the entry point for `render` and `make` (which print the
/// JSON summary themselves).
pub fn render(papers: &[(PathBuf, Paper)], args: &OutputArgs) -> Result<RenderReport> {
    let typst = Typst::locate(args.typst.typst.as_deref())?;
    if typst.version != render::typst::PINNED {
        eprintln!(
            "warning: {} is typst {}; PDFs are byte-identical across machines only with typst {} (`cargo install --locked typst-cli@{}`)",
            typst.program.display(),
            typst.version,
            render::typst::PINNED,
            render::typst::PINNED
        );
    }
    let opts = RenderOptions {
        out: args.out.clone(),
        templates: args.typst.templates.clone(),
        font_paths: args.typst.font_path.clone(),
        per_paper: args.per_paper,
        jobs: args
            .jobs
            .map_or_else(|| crate::parallel::workers(256), |j| j as usize),
        bundle_size: args.bundle_size as usize,
        full_keys: args.full_keys,
        shard: args.shard,
        keep_build: args.keep_build.clone(),
    };
    let bar = ProgressBar::new("rendering");
    let report = render::render_papers(&typst, papers, &opts, &|p| bar.update(p))
        .context("nothing was rendered")?;
    bar.finish();

    let record = record_toml(&report)?;
    let record_name = match args.shard {
        Some(s) => format!("render.shard-{}-of-{}.toml", s.index + 1, s.count),
        None => "render.toml".to_string(),
    };
    fsutil::write_atomic(&args.out.join(record_name), record.as_bytes())?;
    print_report(&report, args);
    Ok(report)
}

fn print_report(report: &RenderReport, args: &OutputArgs) {
    for f in &report.failures {
        let what = if f.papers.len() == 1 {
            format!("paper {}", f.papers[0])
        } else {
            format!("{} papers", f.papers.len())
        };
        eprintln!(
            "error: {} could not be made for {what}; typst said:\n{}",
            f.path.display(),
            indent(&f.message)
        );
    }
    if !report.failures.is_empty() {
        let source = match &args.typst.templates {
            Some(dir) => format!("your templates in {}", dir.display()),
            None => "the shipped templates".to_string(),
        };
        eprintln!(
            "{} problem(s); the file names in typst's messages are those of {source}. Fix them and render again; the papers that worked were written.",
            report.failures.len()
        );
    }
    let count = |kind: Kind| report.outputs.iter().filter(|o| o.kind == kind).count();
    let mut parts = Vec::new();
    if count(Kind::Print) > 1 {
        // A large session has hundreds of bundles: say where they are.
        for (kind, folder) in [(Kind::Print, "print"), (Kind::Keys, "keys")] {
            let papers: usize = report
                .outputs
                .iter()
                .filter(|o| o.kind == kind)
                .map(|o| o.papers.len())
                .sum();
            parts.push(format!(
                "{} bundles in {} ({papers} papers)",
                count(kind),
                args.out.join(folder).display()
            ));
        }
    } else {
        for o in &report.outputs {
            if matches!(o.kind, Kind::Print | Kind::Keys | Kind::Explanations) {
                parts.push(format!("{} ({} papers)", o.path.display(), o.papers.len()));
            }
        }
    }
    for o in report
        .outputs
        .iter()
        .filter(|o| o.kind == Kind::Explanations)
    {
        if count(Kind::Print) > 1 {
            parts.push(o.path.display().to_string());
        }
    }
    if args.per_paper {
        parts.push(format!(
            "{} paper and {} key PDFs in {}",
            count(Kind::Paper),
            count(Kind::Key),
            args.out.join("pdf").display()
        ));
    }
    let part = args
        .shard
        .map_or(String::new(), |s| format!("shard {s} of "));
    eprintln!(
        "rendered {part}{} paper(s) with typst {}: {}",
        report.papers,
        report.typst_version,
        if parts.is_empty() {
            "nothing".to_string()
        } else {
            parts.join(", ")
        }
    );
    if let Some(build) = &report.build {
        eprintln!("build folder kept in {}", build.display());
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The render record: what was made with which typst, and each PDF's digest
/// (the same manifests and typst give the same digests).
#[derive(Serialize)]
struct Record<'a> {
    format: &'static str,
    tool: String,
    typst_version: &'a str,
    papers: usize,
    #[serde(rename = "output")]
    outputs: Vec<RecordLine>,
}

#[derive(Serialize)]
struct RecordLine {
    file: String,
    kind: Kind,
    papers: usize,
    sha256: String,
}

fn record_toml(report: &RenderReport) -> Result<String> {
    let mut outputs = Vec::new();
    for o in &report.outputs {
        outputs.push(RecordLine {
            file: o.path.display().to_string(),
            kind: o.kind,
            papers: o.papers.len(),
            sha256: sha256_file(&o.path)?,
        });
    }
    outputs.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(toml::to_string(&Record {
        format: "certexam-render-record-v1",
        tool: format!("certexam {}", env!("CARGO_PKG_VERSION")),
        typst_version: &report.typst_version,
        papers: report.papers,
        outputs,
    })?)
}

fn sha256_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}
