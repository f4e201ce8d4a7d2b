//! `certexam doctor`: checks the machine for rendering — which typst is
//! used, its version against the pinned one, and the Chinese fonts typst can
//! see — and says what to do about anything missing.

use anyhow::Result;
use serde::Serialize;

use crate::Status;
use crate::cmd::common::TypstArgs;
use crate::render::typst::{self, Typst};
use crate::render::{self, fonts};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub typst: TypstArgs,
    /// Print the findings as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Findings {
    typst: Option<String>,
    typst_from: Option<typst::Source>,
    typst_version: Option<String>,
    pinned_version: String,
    /// The template's CJK families that typst sees, best first.
    template_cjk_fonts: Vec<String>,
    /// Every CJK-looking family typst sees.
    cjk_fonts: Vec<String>,
    problems: Vec<String>,
    warnings: Vec<String>,
}

pub fn run(args: &Args) -> Result<Status> {
    let mut f = Findings {
        typst: None,
        typst_from: None,
        typst_version: None,
        pinned_version: typst::PINNED.to_string(),
        template_cjk_fonts: Vec::new(),
        cjk_fonts: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    match Typst::locate(args.typst.typst.as_deref()) {
        Ok(t) => {
            f.typst = Some(t.program.display().to_string());
            f.typst_from = Some(t.source);
            f.typst_version = Some(t.version.to_string());
            if t.version != typst::PINNED {
                f.warnings.push(format!(
                    "typst {} is not the pinned {}: the PDFs will look the same but their bytes differ from those made with {}; for identical files everywhere run `cargo install --locked typst-cli@{}`",
                    t.version,
                    typst::PINNED,
                    typst::PINNED,
                    typst::PINNED
                ));
            }
            check_fonts(&t, args, &mut f)?;
        }
        Err(e) => f.problems.push(e.to_string()),
    }

    if args.json {
        println!("{}", serde_json::to_string_pretty(&f)?);
    } else {
        print(&f);
    }
    Ok(Status::from_problems(!f.problems.is_empty()))
}

fn check_fonts(t: &Typst, args: &Args, f: &mut Findings) -> Result<()> {
    let families = render::font_families(args.typst.templates.as_deref())?;
    match t.fonts(&args.typst.font_path) {
        Ok(seen) => {
            f.template_cjk_fonts = families.available_cjk(&seen);
            f.cjk_fonts = fonts::cjk_like(&seen, &families);
            if f.template_cjk_fonts.is_empty() {
                let others = if f.cjk_fonts.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (typst does see {}, which the templates do not name: add it to fonts.json in your --templates folder)",
                        f.cjk_fonts.join(", ")
                    )
                };
                f.problems.push(format!(
                    "typst sees none of the templates' Chinese fonts{others}, so Chinese papers cannot be rendered; {}",
                    fonts::install_advice()
                ));
            }
        }
        Err(e) => f.problems.push(format!("cannot list typst's fonts: {e}")),
    }
    Ok(())
}

fn print(f: &Findings) {
    match (&f.typst, &f.typst_version, &f.typst_from) {
        (Some(p), Some(v), Some(from)) => {
            let pinned = if *v == f.pinned_version {
                " (the pinned version)".to_string()
            } else {
                format!(" (pinned: {})", f.pinned_version)
            };
            println!("typst:      {p} (from {from}), version {v}{pinned}");
        }
        _ => println!("typst:      not usable"),
    }
    if f.typst.is_some() {
        if f.template_cjk_fonts.is_empty() {
            println!("CJK font:   none of the templates' fonts");
        } else {
            println!(
                "CJK font:   {} (used first; also available: {})",
                f.template_cjk_fonts[0],
                if f.template_cjk_fonts.len() > 1 {
                    f.template_cjk_fonts[1..].join(", ")
                } else {
                    "none".into()
                }
            );
        }
        println!(
            "CJK fonts typst sees ({}): {}",
            f.cjk_fonts.len(),
            if f.cjk_fonts.is_empty() {
                "none".to_string()
            } else {
                f.cjk_fonts.join(", ")
            }
        );
    }
    for w in &f.warnings {
        println!("warning: {w}");
    }
    for p in &f.problems {
        println!("problem: {p}");
    }
    if f.problems.is_empty() {
        println!("ok: certexam render can print Chinese and English papers on this machine");
    }
}
