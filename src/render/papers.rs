//! Rendering drawn papers: the plan of compiles (print bundles and their
//! keys, the explanations booklet, with `--per-paper` one PDF and key per
//! paper), their data files and QR codes in the build folder, and finding
//! the papers typst rejects when a combined document fails, so the others
//! are still printed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::build::{BuildFolder, BuildSpec, CompileError};
use super::data::{self, DataFile, PaperData};
use super::engine::Engine;
use super::{
    Failure, Kind, Output, Progress, RenderError, RenderOptions, RenderReport, bundle,
    explanations, fonts, qr,
};
use crate::paper::Paper;
use crate::shard::Shard;
use crate::sheet;

/// Printed on paper: the accessibility tags of a tagged PDF would cost a
/// fifth of the compile and nobody reads them.
const PAPER_ARGS: &[&str] = &["--no-pdf-tags"];

/// One typst compile to make.
#[derive(Clone, Debug)]
struct Job {
    kind: Kind,
    /// Indices into the papers.
    papers: Vec<usize>,
    /// The data file, absolute within the build folder.
    data: String,
    /// The data file's name, unique to the bundle (or paper).
    name: String,
    /// A room bundle's cover and sign-in sheet.
    room: Option<bundle::RoomData>,
    dest: PathBuf,
}

/// A paper's data and the QR codes of its sheet pages (file name, SVG).
struct Prepared {
    data: PaperData,
    qr_codes: Vec<(String, String)>,
}

/// Renders the papers: print bundles and keys in `opts.out`, and with
/// `per_paper` also `pdf/<holder>.pdf` and `pdf/<holder>.key.pdf`.
/// Failures of single PDFs or papers are in the report; an `Err` means
/// nothing was rendered.
pub fn render_papers(
    engine: &dyn Engine,
    papers: &[(PathBuf, Paper)],
    opts: &RenderOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<RenderReport, RenderError> {
    let spec = BuildSpec {
        keep: opts.keep_build.as_deref(),
        own_templates: &[],
        user_templates: opts.templates.as_deref(),
        font_paths: &opts.font_paths,
        needs_cjk: papers
            .iter()
            .any(|(_, p)| fonts::paper_needs_cjk(p))
            .then_some("papers"),
        only_template_fonts: true,
    };
    // Preparing the data takes as long as listing typst's fonts: both at once.
    let (build, prepared) = BuildFolder::new_with(engine, &spec, || {
        crate::parallel::map(papers, |(_, paper)| prepare_paper(paper))
    })?;
    crate::parallel::map(&prepared, |p| {
        p.qr_codes.iter().try_for_each(|(name, svg)| {
            build.write(&format!("qr/{name}"), svg.as_bytes()).map(drop)
        })
    })
    .into_iter()
    .collect::<Result<(), RenderError>>()?;
    let datas: Vec<PaperData> = prepared.into_iter().map(|p| p.data).collect();
    let jobs = plan(&build, papers, &datas, opts)?;
    for job in &jobs {
        if let Some(dir) = job.dest.parent() {
            std::fs::create_dir_all(dir).map_err(super::io("create the folder", dir))?;
        }
    }

    progress(&Progress::Planned { total: jobs.len() });
    let runner = Runner {
        opts,
        build: &build,
        datas: &datas,
        papers,
    };
    // The bundles are first in the queue, so `--per-paper` work only takes
    // cores they leave free.
    let results = crate::parallel::pool(opts.jobs, &jobs, |job| {
        let result = runner.run(job);
        progress(&Progress::Finished {
            output: job.dest.clone(),
            ok: result.failures.is_empty(),
        });
        result
    });

    let mut report = RenderReport {
        typst: engine.program().to_path_buf(),
        typst_version: engine.version().to_string(),
        papers: papers.len(),
        outputs: Vec::new(),
        failures: Vec::new(),
        build: opts.keep_build.clone(),
    };
    for r in results {
        report.outputs.extend(r.output);
        report.failures.extend(r.failures);
    }
    Ok(report)
}

/// The compiles of this render (this shard's part), writing their data files.
fn plan(
    build: &BuildFolder<'_>,
    papers: &[(PathBuf, Paper)],
    datas: &[PaperData],
    opts: &RenderOptions,
) -> Result<Vec<Job>, RenderError> {
    let mine = |i: usize| opts.shard.is_none_or(|s| s.takes(i));
    let mut jobs = Vec::new();
    for (k, b) in bundle::plan(papers, opts.bundle_size)
        .into_iter()
        .enumerate()
    {
        if !mine(k) {
            continue;
        }
        let room = b.room.as_deref().map(|room| {
            let seated: Vec<&Paper> = b.papers.iter().map(|&i| &papers[i].1).collect();
            bundle::room_data(room, &seated)
        });
        let name = format!("b{k}");
        let data = write_data(build, &name, datas, &b.papers, room.clone())?;
        jobs.push(Job {
            kind: Kind::Print,
            papers: b.papers.clone(),
            data: data.clone(),
            name: name.clone(),
            room: room.clone(),
            dest: opts.out.join(&b.print),
        });
        jobs.push(Job {
            kind: Kind::Keys,
            papers: b.papers,
            data,
            name,
            room,
            dest: opts.out.join(&b.keys),
        });
    }
    if !opts.full_keys && opts.shard.is_none_or(Shard::is_first) {
        let booklet = explanations::explanations(papers).to_json();
        let data = build.write("data/explanations.json", &booklet)?;
        jobs.push(Job {
            kind: Kind::Explanations,
            papers: (0..papers.len()).collect(),
            data,
            name: "explanations".to_string(),
            room: None,
            dest: opts.out.join("explanations.pdf"),
        });
    }
    if opts.per_paper {
        let pdf = opts.out.join("pdf");
        for (i, d) in datas.iter().enumerate().filter(|(i, _)| mine(*i)) {
            let name = format!("p{i}");
            let data = write_data(build, &name, datas, &[i], None)?;
            jobs.push(Job {
                kind: Kind::Paper,
                papers: vec![i],
                data: data.clone(),
                name: name.clone(),
                room: None,
                dest: pdf.join(format!("{}.pdf", d.holder)),
            });
            jobs.push(Job {
                kind: Kind::Key,
                papers: vec![i],
                data,
                name,
                room: None,
                dest: pdf.join(format!("{}.key.pdf", d.holder)),
            });
        }
    }
    Ok(jobs)
}

/// A paper's data and the QR codes of its sheet pages.
fn prepare_paper(paper: &Paper) -> Prepared {
    let name = |page: u32| format!("{}-{page}.svg", paper.paper_id);
    let data = data::paper_data(paper, |page| format!("/qr/{}", name(page)));
    let qr_codes = data
        .sheet
        .pages
        .iter()
        .map(|page| {
            let text = sheet::qr_text(&paper.paper_id, page.page);
            (name(page.page), qr::svg(&text))
        })
        .collect();
    Prepared { data, qr_codes }
}

/// Writes `data/<name>.json` with the given papers (and a room bundle's
/// cover and sign-in data); returns its path as typst sees it.
fn write_data(
    build: &BuildFolder<'_>,
    name: &str,
    datas: &[PaperData],
    which: &[usize],
    room: Option<bundle::RoomData>,
) -> Result<String, RenderError> {
    let mut file = DataFile::new(which.iter().map(|&i| &datas[i]).collect());
    file.room = room;
    build.write(&format!("data/{name}.json"), &file.to_json())
}

/// What one job produced.
#[derive(Debug, Default)]
struct JobResult {
    output: Option<Output>,
    failures: Vec<Failure>,
}

struct Runner<'a> {
    opts: &'a RenderOptions,
    build: &'a BuildFolder<'a>,
    datas: &'a [PaperData],
    papers: &'a [(PathBuf, Paper)],
}

impl Runner<'_> {
    fn holders(&self, which: &[usize]) -> Vec<String> {
        which
            .iter()
            .map(|&i| self.datas[i].holder.clone())
            .collect()
    }

    fn timestamp(&self, which: &[usize]) -> i64 {
        let date = which
            .first()
            .and_then(|&i| self.papers[i].1.content.exam.date.as_deref());
        data::creation_timestamp(date)
    }

    fn compile(
        &self,
        kind: Kind,
        data: &str,
        which: &[usize],
        dest: &Path,
    ) -> Result<(), CompileError> {
        self.build.compile(
            kind.template(self.opts.full_keys),
            data,
            dest,
            self.timestamp(which),
            PAPER_ARGS,
        )
    }

    fn run(&self, job: &Job) -> JobResult {
        match self.compile(job.kind, &job.data, &job.papers, &job.dest) {
            Ok(()) => JobResult {
                output: Some(Output {
                    kind: job.kind,
                    path: job.dest.clone(),
                    papers: self.holders(&job.papers),
                }),
                failures: Vec::new(),
            },
            // The booklet's data is not per paper: nothing to isolate.
            Err(error) if job.papers.len() > 1 && job.kind != Kind::Explanations => {
                self.isolate(job, error.to_string())
            }
            Err(error) => self.whole(job, error.to_string()),
        }
    }

    /// The whole document failed with this message.
    fn whole(&self, job: &Job, message: String) -> JobResult {
        JobResult {
            output: None,
            failures: vec![Failure {
                kind: job.kind,
                path: job.dest.clone(),
                papers: self.holders(&job.papers),
                message,
            }],
        }
    }

    /// A combined document failed: compile its papers one by one to find
    /// the ones typst rejects, then make the document of the others. When
    /// the first few papers all fail alone, the template itself is broken
    /// and the combined error is reported once.
    fn isolate(&self, job: &Job, combined: String) -> JobResult {
        const PROBE: usize = 3;
        let ok = AtomicUsize::new(0);
        let failed = AtomicUsize::new(0);
        let stop = |_: &usize| {
            failed.load(Ordering::SeqCst) >= PROBE.min(job.papers.len())
                && ok.load(Ordering::SeqCst) == 0
        };
        let probe_dir = self.build.root().join("isolate");
        let _ = std::fs::create_dir_all(&probe_dir);
        let outcomes = crate::parallel::pool_until(self.opts.jobs, &job.papers, stop, |&i| {
            let data = match write_data(self.build, &format!("iso{i}"), self.datas, &[i], None) {
                Ok(d) => d,
                Err(e) => return Some(Err(e.to_string())),
            };
            let dest = probe_dir.join(format!("{i}-{:?}.pdf", job.kind));
            let r = self
                .compile(job.kind, &data, &[i], &dest)
                .map_err(|e| e.to_string());
            let _ = std::fs::remove_file(&dest);
            match &r {
                Ok(()) => ok.fetch_add(1, Ordering::SeqCst),
                Err(_) => failed.fetch_add(1, Ordering::SeqCst),
            };
            Some(r)
        });
        let good: Vec<usize> = job
            .papers
            .iter()
            .zip(&outcomes)
            .filter(|(_, r)| matches!(r, Some(Ok(()))))
            .map(|(&i, _)| i)
            .collect();
        let bad: Vec<(usize, String)> = job
            .papers
            .iter()
            .zip(outcomes)
            .filter_map(|(&i, r)| match r {
                Some(Err(m)) => Some((i, m)),
                _ => None,
            })
            .collect();
        if good.is_empty() || bad.is_empty() {
            // Either the template fails for everything, or the papers only
            // fail together: report typst's message for the whole document.
            return self.whole(job, combined);
        }
        let mut result = JobResult::default();
        for (i, message) in bad {
            result.failures.push(Failure {
                kind: job.kind,
                path: job.dest.clone(),
                papers: self.holders(&[i]),
                message,
            });
        }
        let retry = write_data(
            self.build,
            &format!("{}-{:?}-good", job.name, job.kind),
            self.datas,
            &good,
            job.room.clone(),
        )
        .map_err(|e| e.to_string())
        .and_then(|data| {
            self.compile(job.kind, &data, &good, &job.dest)
                .map_err(|e| e.to_string())
        });
        match retry {
            Ok(()) => {
                result.output = Some(Output {
                    kind: job.kind,
                    path: job.dest.clone(),
                    papers: self.holders(&good),
                })
            }
            Err(message) => return self.whole(job, message),
        }
        result
    }
}
