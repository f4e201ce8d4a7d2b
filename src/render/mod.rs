//! Rendering drawn papers to PDF with typst: the print bundle (every paper
//! with its answer sheet, one compile), the proctors' keys (one compile) and,
//! on request, one PDF and one key per paper — all from data files in a
//! throw-away build folder that typst sees as its whole world (`--root`).
//!
//! Failures are contained: every PDF is written under a temporary name and
//! renamed only when typst succeeded, a failing paper is reported with
//! typst's own message while the others still finish, and the build folder
//! is removed at the end.

pub mod bundle;
pub mod data;
pub mod document;
pub mod explanations;
pub mod fonts;
pub mod typst;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Serialize;

use crate::paper::Paper;
use crate::shard::Shard;
use crate::sheet;
use data::{DataFile, PaperData};
use fonts::FontFamilies;
use typst::{Compile, FontFamily, Typst, TypstError};

/// The templates shipped inside the binary: (file name, contents). A user's
/// `--templates DIR` is laid over them, so a folder holding only a changed
/// `paper.typ` works.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("common.typ", include_str!("../../templates/common.typ")),
    ("paper.typ", include_str!("../../templates/paper.typ")),
    ("key.typ", include_str!("../../templates/key.typ")),
    ("room.typ", include_str!("../../templates/room.typ")),
    ("quickkey.typ", include_str!("../../templates/quickkey.typ")),
    (
        "explanations.typ",
        include_str!("../../templates/explanations.typ"),
    ),
    ("fonts.json", include_str!("../../templates/fonts.json")),
];

/// How to render.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    pub typst: Typst,
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
        "the papers contain Chinese, but typst sees none of the template's CJK fonts ({wanted}); it would print empty boxes. Nothing was rendered. To fix: {advice}. `certexam doctor` shows what typst sees.",
        wanted = wanted.join(", "),
        advice = fonts::install_advice()
    )]
    NoCjkFont { wanted: Vec<String> },
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

/// The font families of the template set in use.
pub fn font_families(templates: Option<&Path>) -> Result<FontFamilies, RenderError> {
    if let Some(dir) = templates {
        let path = dir.join("fonts.json");
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
            return FontFamilies::parse(&text).map_err(|error| RenderError::FontList {
                dir: dir.to_path_buf(),
                error,
            });
        }
    }
    let shipped = TEMPLATES
        .iter()
        .find(|(name, _)| *name == "fonts.json")
        .expect("fonts.json is shipped");
    Ok(FontFamilies::parse(shipped.1).expect("the shipped fonts.json is valid"))
}

/// Stops with advice when the papers need CJK and typst sees none of the
/// templates' CJK families (`seen` is what `typst fonts` listed).
pub fn check_fonts(
    papers: &[(PathBuf, Paper)],
    families: &FontFamilies,
    seen: &[String],
) -> Result<(), RenderError> {
    if papers.iter().any(|(_, p)| fonts::paper_needs_cjk(p))
        && families.available_cjk(seen).is_empty()
    {
        return Err(RenderError::NoCjkFont {
            wanted: families.cjk().into_iter().map(String::from).collect(),
        });
    }
    Ok(())
}

/// The font list as written into the build folder: each list cut down to
/// the families typst has, so typst neither warns about the other systems'
/// fonts nor looks for them. A list with none of them stays whole.
fn usable_fonts(fonts_json: &str, seen: &[String]) -> String {
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(fonts_json) else {
        return fonts_json.to_string();
    };
    if let Some(map) = value.as_object_mut() {
        for list in map.values_mut() {
            if let Some(items) = list.as_array() {
                let kept: Vec<serde_json::Value> = items
                    .iter()
                    .filter(|f| {
                        f.as_str()
                            .is_some_and(|f| seen.iter().any(|s| s.eq_ignore_ascii_case(f)))
                    })
                    .cloned()
                    .collect();
                if !kept.is_empty() {
                    *list = serde_json::Value::Array(kept);
                }
            }
        }
    }
    serde_json::to_string_pretty(&value).unwrap_or_else(|_| fonts_json.to_string())
}

/// The folders holding the files of the families in the build's font list
/// (see [`usable_fonts`]), so that typst can look only there
/// (`--ignore-system-fonts`): scanning all system fonts costs every typst
/// process a moment, which `--per-paper` pays hundreds of times. `None` when
/// some list has none of its families here (typst's fallback over all fonts
/// is then what prints those characters, so it must see them all), or when
/// typst listed a family with neither a file nor `(Embedded)`.
fn font_dirs(usable_json: &str, found: &[FontFamily]) -> Option<Vec<PathBuf>> {
    let value: serde_json::Value = serde_json::from_str(usable_json).ok()?;
    let mut dirs: Vec<PathBuf> = Vec::new();
    for list in value.as_object()?.values().filter_map(|v| v.as_array()) {
        let mut any = false;
        for name in list.iter().filter_map(|f| f.as_str()) {
            for family in found.iter().filter(|f| f.name.eq_ignore_ascii_case(name)) {
                if family.files.is_empty() && !family.embedded {
                    return None;
                }
                any = true;
                for dir in family.files.iter().filter_map(|f| f.parent()) {
                    if !dirs.iter().any(|d| d == dir) {
                        dirs.push(dir.to_path_buf());
                    }
                }
            }
        }
        if !any {
            return None;
        }
    }
    Some(dirs)
}

/// Renders the papers: `print.pdf` and `keys.pdf` in `opts.out`, and with
/// `per_paper` also `pdf/<holder>.pdf` and `pdf/<holder>.key.pdf`.
/// Failures of single PDFs or papers are in the report; an `Err` means
/// nothing was rendered.
pub fn render_papers(
    papers: &[(PathBuf, Paper)],
    opts: &RenderOptions,
    progress: &(dyn Fn(&Progress) + Sync),
) -> Result<RenderReport, RenderError> {
    let families = font_families(opts.templates.as_deref())?;
    let (build_dir, _guard) = build_folder(opts)?;
    let build = build_dir.as_path();
    let qr_dir = build.join("qr");
    let data_dir = build.join("data");
    // Listing typst's fonts takes as long as preparing the data: both at once.
    let (seen, datas) = std::thread::scope(|scope| {
        let fonts = scope.spawn(|| opts.typst.font_files(&opts.font_paths));
        let datas = (|| {
            write_templates(build, opts.templates.as_deref())?;
            for dir in [&qr_dir, &data_dir] {
                std::fs::create_dir_all(dir).map_err(io("create", dir))?;
            }
            crate::parallel::map(papers, |(_, paper)| prepare_paper(paper, &qr_dir))
                .into_iter()
                .collect::<Result<Vec<_>, RenderError>>()
        })();
        (fonts.join().expect("listing fonts does not panic"), datas)
    });
    let found = seen?;
    let seen: Vec<String> = found.iter().map(|f| f.name.clone()).collect();
    check_fonts(papers, &families, &seen)?;
    let datas = datas?;
    let fonts_path = build.join("fonts.json");
    let fonts_json = std::fs::read_to_string(&fonts_path).map_err(io("read", &fonts_path))?;
    let usable = usable_fonts(&fonts_json, &seen);
    crate::cleanup::write_private(&fonts_path, usable.as_bytes())
        .map_err(io("write", &fonts_path))?;
    let only_fonts = font_dirs(&usable, &found);
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
        let data = write_bundle_data(build, &name, &datas, &b.papers, room.clone())?;
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
        let path = build.join("data").join("explanations.json");
        let booklet = explanations::explanations(papers).to_json();
        crate::cleanup::write_private(&path, &booklet).map_err(io("write", &path))?;
        jobs.push(Job {
            kind: Kind::Explanations,
            papers: (0..papers.len()).collect(),
            data: "/data/explanations.json".to_string(),
            name: "explanations".to_string(),
            room: None,
            dest: opts.out.join("explanations.pdf"),
        });
    }
    if opts.per_paper {
        let pdf = opts.out.join("pdf");
        for (i, d) in datas.iter().enumerate().filter(|(i, _)| mine(*i)) {
            let name = format!("p{i}");
            let data = write_data(build, &name, &datas, &[i])?;
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
    for job in &jobs {
        if let Some(dir) = job.dest.parent() {
            std::fs::create_dir_all(dir).map_err(io("create the folder", dir))?;
        }
    }

    progress(&Progress::Planned { total: jobs.len() });
    let mut font_paths = opts.font_paths.clone();
    // Printed on paper: the accessibility tags of a tagged PDF would cost
    // a fifth of the compile and nobody reads them.
    let mut extra = vec!["--no-pdf-tags"];
    if let Some(dirs) = only_fonts {
        for dir in dirs {
            if !font_paths.contains(&dir) {
                font_paths.push(dir);
            }
        }
        extra.push("--ignore-system-fonts");
    }
    let runner = Runner {
        opts,
        build,
        datas: &datas,
        papers,
        font_paths,
        extra,
    };
    // The bundles are first in the queue, so `--per-paper` work only takes
    // cores they leave free.
    let results = pool(opts.jobs, &jobs, |job| {
        let result = runner.run(job);
        progress(&Progress::Finished {
            output: job.dest.clone(),
            ok: result.failures.is_empty(),
        });
        result
    });

    let mut report = RenderReport {
        typst: opts.typst.program.clone(),
        typst_version: opts.typst.version.to_string(),
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

/// The build folder and, unless it is kept, the guard that removes it.
fn build_folder(
    opts: &RenderOptions,
) -> Result<(PathBuf, Option<crate::cleanup::BuildDir>), RenderError> {
    match &opts.keep_build {
        Some(dir) => {
            if std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
                return Err(RenderError::BuildNotEmpty { dir: dir.clone() });
            }
            std::fs::create_dir_all(dir).map_err(io("create", dir))?;
            let dir = std::path::absolute(dir).map_err(io("find", dir))?;
            Ok((dir, None))
        }
        None => {
            let temp = crate::cleanup::BuildDir::new()
                .map_err(io("create a build folder in", &std::env::temp_dir()))?;
            Ok((temp.path().to_path_buf(), Some(temp)))
        }
    }
}

/// Writes the shipped templates, then the user's folder over them.
fn write_templates(build: &Path, user: Option<&Path>) -> Result<(), RenderError> {
    for (name, text) in TEMPLATES {
        let path = build.join(name);
        crate::cleanup::write_private(&path, text.as_bytes()).map_err(io("write", &path))?;
    }
    if let Some(dir) = user {
        copy_tree(dir, build).map_err(|error| RenderError::Templates {
            dir: dir.to_path_buf(),
            error,
        })?;
    }
    Ok(())
}

/// Copies the user's template folder into the build folder, by
/// [`crate::discover`]'s rule (an editor's `.swp` or Office's `~$` file is
/// no template).
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let found = crate::discover::files(from, crate::discover::Depth::Tree, |_| true)
        .all_or_first_error()
        .map_err(|e| std::io::Error::new(e.source.kind(), e.to_string()))?;
    for file in found {
        let target = to.join(file.strip_prefix(from).unwrap_or(&file));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&file, &target)?;
    }
    Ok(())
}

/// Makes a paper's data and writes the QR codes of its sheet pages.
fn prepare_paper(paper: &Paper, qr_dir: &Path) -> Result<PaperData, RenderError> {
    let name = |page: u32| format!("{}-{page}.svg", paper.paper_id);
    let data = data::paper_data(paper, |page| format!("/qr/{}", name(page)));
    for page in &data.sheet.pages {
        let svg = qr_svg(&sheet::qr_text(&paper.paper_id, page.page));
        let path = qr_dir.join(name(page.page));
        crate::cleanup::write_private(&path, svg.as_bytes()).map_err(io("write", &path))?;
    }
    Ok(data)
}

/// A QR code as SVG, with its quiet zone, black on white.
pub fn qr_svg(text: &str) -> String {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .expect("a paper id and page number always fit in a QR code");
    code.render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(4, 4)
        .build()
}

/// Writes `data/<name>.json` with the given papers; returns its path as typst sees it.
fn write_data(
    build: &Path,
    name: &str,
    datas: &[PaperData],
    which: &[usize],
) -> Result<String, RenderError> {
    write_bundle_data(build, name, datas, which, None)
}

/// Writes `data/<name>.json` for a bundle, with its room's cover and
/// sign-in data; returns its path as typst sees it.
fn write_bundle_data(
    build: &Path,
    name: &str,
    datas: &[PaperData],
    which: &[usize],
    room: Option<bundle::RoomData>,
) -> Result<String, RenderError> {
    let mut file = DataFile::new(which.iter().map(|&i| &datas[i]).collect());
    file.room = room;
    let path = build.join("data").join(format!("{name}.json"));
    // Owner-only: the data holds every paper's answers.
    crate::cleanup::write_private(&path, &file.to_json()).map_err(io("write", &path))?;
    Ok(format!("/data/{name}.json"))
}

/// What one job produced.
#[derive(Debug, Default)]
struct JobResult {
    output: Option<Output>,
    failures: Vec<Failure>,
}

struct Runner<'a> {
    opts: &'a RenderOptions,
    build: &'a Path,
    datas: &'a [PaperData],
    papers: &'a [(PathBuf, Paper)],
    /// `--font-path` plus the folders of the fonts the templates use.
    font_paths: Vec<PathBuf>,
    /// Options for every compile (`--no-pdf-tags`, `--ignore-system-fonts`).
    extra: Vec<&'static str>,
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

    /// Compiles into a temporary file beside `dest` and renames it into
    /// place only on success; the temporary file is gone either way.
    fn compile_to(
        &self,
        kind: Kind,
        data: &str,
        which: &[usize],
        dest: &Path,
    ) -> Result<(), String> {
        let temp = temp_pdf_beside(dest)?;
        let inputs = [("data", data.to_string())];
        let input = self.build.join(kind.template(self.opts.full_keys));
        self.opts
            .typst
            .compile_with(
                &Compile {
                    root: self.build,
                    input: &input,
                    output: &temp,
                    font_paths: &self.font_paths,
                    creation_timestamp: self.timestamp(which),
                    inputs: &inputs,
                },
                &self.extra,
            )
            .map_err(|e| match e {
                TypstError::Failed { stderr, .. } => clean_stderr(&stderr, self.build),
                other => other.to_string(),
            })?;
        temp.persist(dest).map_err(|e| {
            format!(
                "cannot move the new PDF into place at {}: {}",
                dest.display(),
                e.error
            )
        })
    }

    fn run(&self, job: &Job) -> JobResult {
        match self.compile_to(job.kind, &job.data, &job.papers, &job.dest) {
            Ok(()) => JobResult {
                output: Some(Output {
                    kind: job.kind,
                    path: job.dest.clone(),
                    papers: self.holders(&job.papers),
                }),
                failures: Vec::new(),
            },
            // The booklet's data is not per paper: nothing to isolate.
            Err(message) if job.papers.len() > 1 && job.kind != Kind::Explanations => {
                self.isolate(job, message)
            }
            Err(message) => JobResult {
                output: None,
                failures: vec![Failure {
                    kind: job.kind,
                    path: job.dest.clone(),
                    papers: self.holders(&job.papers),
                    message,
                }],
            },
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
        let probe_dir = self.build.join("isolate");
        let _ = std::fs::create_dir_all(&probe_dir);
        let outcomes = pool_until(self.opts.jobs, &job.papers, stop, |&i| {
            let data = match write_data(self.build, &format!("iso{i}"), self.datas, &[i]) {
                Ok(d) => d,
                Err(e) => return Some(Err(e.to_string())),
            };
            let dest = probe_dir.join(format!("{i}-{:?}.pdf", job.kind));
            let r = self.compile_to(job.kind, &data, &[i], &dest);
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
        let whole = |message: String| JobResult {
            output: None,
            failures: vec![Failure {
                kind: job.kind,
                path: job.dest.clone(),
                papers: self.holders(&job.papers),
                message,
            }],
        };
        if good.is_empty() || bad.is_empty() {
            // Either the template fails for everything, or the papers only
            // fail together: report typst's message for the whole document.
            return whole(combined);
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
        let retry = write_bundle_data(
            self.build,
            &format!("{}-{:?}-good", job.name, job.kind),
            self.datas,
            &good,
            job.room.clone(),
        )
        .map_err(|e| e.to_string())
        .and_then(|data| self.compile_to(job.kind, &data, &good, &job.dest));
        match retry {
            Ok(()) => {
                result.output = Some(Output {
                    kind: job.kind,
                    path: job.dest.clone(),
                    papers: self.holders(&good),
                })
            }
            Err(message) => return whole(message),
        }
        result
    }
}

/// typst's message, with the build folder's path taken out so that file
/// names read `paper.typ:12:3` as in the templates folder.
fn clean_stderr(stderr: &str, build: &Path) -> String {
    let prefix = format!("{}/", build.display());
    stderr.replace(&prefix, "").trim_end().to_string()
}

/// Runs `f` over `items` on `workers` threads taking items in order; the
/// results are in the order of `items`.
fn pool<T: Sync, R: Send>(workers: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    pool_until(workers, items, |_| false, |t| Some(f(t)))
        .into_iter()
        .map(|r| r.expect("every item runs when nothing stops the pool"))
        .collect()
}

/// Like [`pool`], but no new item starts once `stop` says so; items not
/// started give `None`.
fn pool_until<T: Sync, R: Send>(
    workers: usize,
    items: &[T],
    stop: impl Fn(&T) -> bool + Sync,
    f: impl Fn(&T) -> Option<R> + Sync,
) -> Vec<Option<R>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let workers = workers.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    if stop(item) {
                        break;
                    }
                    let r = f(item);
                    results.lock().expect("no worker panics")[i] = r;
                }
            });
        }
    });
    results.into_inner().expect("no worker panics")
}

/// A temporary PDF beside `dest` (`.<name>.XXXX.tmp.pdf`), for typst to
/// write into before it is renamed into place; readable as the umask allows,
/// since PDFs are for sharing.
pub(crate) fn temp_pdf_beside(dest: &Path) -> Result<tempfile::TempPath, String> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp.pdf");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    builder
        .tempfile_in(dir)
        .map(tempfile::NamedTempFile::into_temp_path)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_keeps_order_and_stops_when_told() {
        let items: Vec<u32> = (0..50).collect();
        assert_eq!(
            pool(3, &items, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        let seen = AtomicUsize::new(0);
        let out = pool_until(
            1,
            &items,
            |_| seen.load(Ordering::SeqCst) >= 5,
            |x| {
                seen.fetch_add(1, Ordering::SeqCst);
                Some(*x)
            },
        );
        assert_eq!(out.iter().flatten().count(), 5);
    }

    #[test]
    fn font_lists_keep_only_what_typst_has_unless_that_is_nothing() {
        let json = r#"{"cjk_serif": ["SimSun", "Noto Serif CJK SC"], "latin_sans": ["Nope"], "comment": "x"}"#;
        let seen = vec!["noto serif cjk sc".to_string()];
        let out: serde_json::Value = serde_json::from_str(&usable_fonts(json, &seen)).unwrap();
        assert_eq!(out["cjk_serif"], serde_json::json!(["Noto Serif CJK SC"]));
        assert_eq!(out["latin_sans"], serde_json::json!(["Nope"]));
        assert_eq!(out["comment"], "x");
    }

    #[test]
    fn typst_is_pointed_at_the_folders_of_the_fonts_in_use_only_when_all_are_there() {
        let found = vec![
            FontFamily {
                name: "Noto Serif CJK SC".into(),
                files: vec![
                    "/f/noto/Serif-Regular.ttc".into(),
                    "/f/noto/Serif-Bold.ttc".into(),
                ],
                embedded: false,
            },
            FontFamily {
                name: "DejaVu Sans".into(),
                files: vec!["/f/dejavu/DejaVuSans.ttf".into()],
                embedded: false,
            },
            FontFamily {
                name: "Libertinus Serif".into(),
                files: vec![],
                embedded: true,
            },
        ];
        let json = r#"{"cjk_serif": ["noto serif cjk sc"], "latin_sans": ["DejaVu Sans"], "latin_serif": ["Libertinus Serif"], "comment": "x"}"#;
        assert_eq!(
            font_dirs(json, &found),
            Some(vec![PathBuf::from("/f/noto"), PathBuf::from("/f/dejavu")])
        );
        // A list with no font here: typst must keep searching the system.
        let missing = r#"{"cjk_serif": ["SimSun"], "latin_sans": ["DejaVu Sans"]}"#;
        assert_eq!(font_dirs(missing, &found), None);
        // A family typst listed without a file (an unknown listing format):
        // restricting the search could lose it.
        let mut odd = found.clone();
        odd[0].files.clear();
        assert_eq!(font_dirs(json, &odd), None);
    }

    #[test]
    fn qr_code_is_an_svg_image() {
        let svg = qr_svg("CERTEXAM:AS8D94X4:1");
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains("<path"));
    }

    #[test]
    fn typst_messages_name_template_files_not_the_build_folder() {
        let msg = "error: unexpected\n  ┌─ /tmp/certexam-build-x/paper.typ:3:1\n";
        assert_eq!(
            clean_stderr(msg, Path::new("/tmp/certexam-build-x")),
            "error: unexpected\n  ┌─ paper.typ:3:1"
        );
    }
}
