//! `certexam make`: the everyday case in one command — draw one paper per
//! candidate, then render the print bundle and the keys — so that a trainer
//! goes from roster to printable PDFs without learning two commands.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::Status;
use crate::cmd::draw;
use crate::cmd::render::{self, OutputArgs};
use crate::paper::{self, Paper};
use crate::render::{Kind, RenderReport};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: draw::DrawInputs,
    /// OUT gets papers/ and draw.toml (as `draw`), print.pdf, keys.pdf and render.toml (as `render`).
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What `make --json` prints.
#[derive(Debug, Serialize)]
struct Summary<'a> {
    draw: &'a draw::Summary,
    render: &'a RenderReport,
}

pub fn run(args: &Args) -> Result<Status> {
    let Some(drawn) = draw::draw_to(&args.inputs, &args.output.out)? else {
        eprintln!("nothing was rendered, because the draw did not go through");
        return Ok(Status::Problems);
    };
    let papers = drawn_papers(&args.output.out)?;
    let report = render::render(&papers, &args.output)?;
    if args.output.json {
        let summary = Summary {
            draw: &drawn,
            render: &report,
        };
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        let bundles = report
            .outputs
            .iter()
            .filter(|o| o.kind == Kind::Print)
            .count();
        if bundles > 1 {
            let out = &args.output.out;
            println!(
                "papers to print (duplex, A4): {bundles} bundles in {}",
                out.join("print").display()
            );
            println!("answer keys for proctors: {}", out.join("keys").display());
        } else {
            for o in &report.outputs {
                match o.kind {
                    Kind::Print => println!("papers to print (duplex, A4): {}", o.path.display()),
                    Kind::Keys => println!("answer keys for proctors: {}", o.path.display()),
                    Kind::Paper | Kind::Key | Kind::Explanations => {}
                }
            }
        }
        for o in report
            .outputs
            .iter()
            .filter(|o| o.kind == Kind::Explanations)
        {
            println!("explanations for trainers: {}", o.path.display());
        }
        println!(
            "paper manifests (grading needs them): {}",
            drawn.papers_dir.display()
        );
        if args.output.per_paper {
            println!(
                "one PDF per candidate: {}",
                args.output.out.join("pdf").display()
            );
        }
    }
    Ok(render::status(&report))
}

/// The papers this draw made, as listed in `OUT/draw.toml`: a papers folder
/// may also hold older papers (a candidate since taken off the roster), and
/// those are not printed again.
fn drawn_papers(out: &Path) -> Result<Vec<(PathBuf, Paper)>> {
    #[derive(serde::Deserialize)]
    struct Record {
        #[serde(rename = "paper", default)]
        papers: Vec<Line>,
    }
    #[derive(serde::Deserialize)]
    struct Line {
        file: String,
    }
    let record_path = out.join("draw.toml");
    let text = std::fs::read_to_string(&record_path)
        .with_context(|| format!("cannot read the draw record {}", record_path.display()))?;
    let record: Record = toml::from_str(&text)
        .with_context(|| format!("cannot read the draw record {}", record_path.display()))?;
    crate::parallel::map(&record.papers, |line| {
        let path = out.join(&line.file);
        paper::Paper::read(&path).map(|p| (path, p))
    })
    .into_iter()
    .map(|r| r.map_err(anyhow::Error::from))
    .collect()
}
