//! `certexam scan` as a proctor runs it, on synthetic scans made here: the
//! example session is drawn and rendered with the real typst, its answer
//! sheets rasterised with poppler's pdftoppm at 150, 200 and 300 dpi,
//! filled in programmatically (pen fills, ticks, crosses, light pencil,
//! erased marks, doubtful marks) and degraded (rotation, upside down,
//! scale, noise, blur, JPEG quality 50, perspective) — or photographed on
//! a desk with a simulated phone (`photograph`). Clear marks must be
//! read exactly; doubtful ones must reach review.csv and never sheets.csv.
//! These tests fail (never skip) when typst or poppler is missing.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::OnceLock;

use certexam::bank::QuestionType;
use certexam::paper::Paper;
use certexam::scan::marks::Homography;
use certexam::sheet::{self, SheetPage};
use image::{GrayImage, Luma};

mod support;
use support::{Run, certexam_in, root, run, snapshot_file};

/// A drawn and rendered exam: its papers and, per paper, the page of
/// print.pdf that holds its answer sheet.
struct Exam {
    dir: PathBuf,
    pdf: PathBuf,
    papers: Vec<Paper>,
    sheet_pages: Vec<u32>,
    /// A page of print.pdf that is not an answer sheet.
    question_page: u32,
}

/// The example session (seed 2026-12-01) and a second exam drawn with
/// another seed, whose sheets belong to no paper of the first; rendered
/// once for all tests of this file.
fn exams() -> &'static (Exam, Exam) {
    static EXAMS: OnceLock<(Exam, Exam)> = OnceLock::new();
    EXAMS.get_or_init(|| {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("scan-exams");
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(&base).unwrap();
        (
            make_exam(&base.join("main"), "2026-12-01"),
            make_exam(&base.join("other"), "2027-01-15"),
        )
    })
}

fn make_exam(dir: &Path, seed: &str) -> Exam {
    let r = run(certexam_in(&root())
        .args([
            "draw",
            "--blueprint",
            "examples/blueprint.toml",
            "--roster",
            "examples/roster.csv",
            "--seed",
            seed,
            "--out",
        ])
        .arg(dir));
    assert_eq!(r.code, 0, "draw: {}", r.stderr);
    let r = run(certexam_in(&root())
        .args(["render", "--papers"])
        .arg(dir.join("papers"))
        .arg("--out")
        .arg(dir));
    assert_eq!(
        r.code, 0,
        "render (needs typst: scripts/setup.sh): {}",
        r.stderr
    );
    let pdf = dir.join("print.pdf");
    let mut papers: Vec<Paper> = certexam::paper::read_dir(&dir.join("papers"))
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    papers.sort_by(|a, b| a.holder().cmp(b.holder()));
    let out = Process::new("pdftotext")
        .args(["-raw"])
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed for these tests; run scripts/setup.sh");
    let text = String::from_utf8(out.stdout).unwrap();
    let pages: Vec<&str> = text.split('\x0c').collect();
    let sheet_pages = papers
        .iter()
        .map(|p| {
            let i = pages
                .iter()
                .position(|t| t.contains("填涂示例") && t.contains(&p.paper_id))
                .unwrap_or_else(|| panic!("no answer sheet page for paper {}", p.paper_id));
            i as u32 + 1
        })
        .collect();
    Exam {
        dir: dir.to_path_buf(),
        pdf,
        papers,
        sheet_pages,
        question_page: 2,
    }
}

/// One page of a PDF as a grey image at `dpi`, as a scanner would make it.
fn rasterise(pdf: &Path, page: u32, dpi: u32) -> GrayImage {
    let p = page.to_string();
    let out = Process::new("pdftoppm")
        .args([
            "-r",
            &dpi.to_string(),
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            &p,
            "-l",
            &p,
        ])
        .arg(pdf)
        .output()
        .expect("pdftoppm (poppler-utils) is needed for these tests; run scripts/setup.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::load_from_memory(&out.stdout).unwrap().to_luma8()
}

/// How a candidate marked a bubble.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Style {
    Pen,
    Tick,
    Cross,
    LightPencil,
    /// Rubbed out: a faint grey smudge (read as empty, flagged).
    Erased,
    /// Neither marked nor clean: a half-hearted grey fill.
    Doubtful,
    /// A hurried pencil fill: strokes of grey `grey` (of 255) covering
    /// `cover` of the bubble's inside, with gaps between them.
    Light {
        grey: u8,
        cover: f64,
    },
}

/// Multiplies the pixels where `inside` holds by `shade`/255: ink darkens
/// what is printed underneath, it does not hide it.
fn ink(
    img: &mut GrayImage,
    centre: (f64, f64),
    reach: f64,
    shade: u8,
    inside: impl Fn(f64, f64) -> bool,
) {
    let (cx, cy) = centre;
    let x0 = (cx - reach).floor().max(0.0) as u32;
    let y0 = (cy - reach).floor().max(0.0) as u32;
    let x1 = ((cx + reach).ceil() as u32).min(img.width() - 1);
    let y1 = ((cy + reach).ceil() as u32).min(img.height() - 1);
    for y in y0..=y1 {
        for x in x0..=x1 {
            if inside(f64::from(x) + 0.5 - cx, f64::from(y) + 0.5 - cy) {
                let p = img.get_pixel_mut(x, y);
                p.0[0] = (u32::from(p.0[0]) * u32::from(shade) / 255) as u8;
            }
        }
    }
}

fn near_segment(px: f64, py: f64, a: (f64, f64), b: (f64, f64), half: f64) -> bool {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let t = (((px - a.0) * dx + (py - a.1) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
    (px - a.0 - t * dx).hypot(py - a.1 - t * dy) <= half
}

/// Marks one bubble (centre and radius in mm) on a page rendered at `dpi`.
fn mark(img: &mut GrayImage, dpi: u32, cx: f64, cy: f64, r: f64, style: Style) {
    let s = f64::from(dpi) / 25.4;
    let (c, r) = ((cx * s, cy * s), r * s);
    let stroke = 0.28 * s; // half of a 0.55 mm pen line
    match style {
        Style::Pen => ink(img, c, r, 25, |x, y| x.hypot(y) <= 0.92 * r),
        Style::LightPencil => ink(img, c, r, 150, |x, y| x.hypot(y) <= 0.9 * r),
        Style::Erased => ink(img, c, r, 226, |x, y| x.hypot(y) <= 0.9 * r),
        Style::Doubtful => ink(img, c, r, 190, |x, y| x.hypot(y) <= 0.9 * r),
        Style::Light { grey, cover } => {
            // Strokes about 0.5 mm apart, slanted as a hand makes them.
            let period = 0.5 * s;
            ink(img, c, r, grey, |x, y| {
                let along = (y + 0.3 * x).rem_euclid(period) / period;
                x.hypot(y) <= r && along < cover
            })
        }
        Style::Tick => ink(img, c, r, 30, |x, y| {
            near_segment(x, y, (-0.55 * r, 0.0), (-0.15 * r, 0.5 * r), stroke)
                || near_segment(x, y, (-0.15 * r, 0.5 * r), (0.6 * r, -0.6 * r), stroke)
        }),
        Style::Cross => ink(img, c, r, 30, |x, y| {
            near_segment(x, y, (-0.6 * r, -0.6 * r), (0.6 * r, 0.6 * r), stroke)
                || near_segment(x, y, (-0.6 * r, 0.6 * r), (0.6 * r, -0.6 * r), stroke)
        }),
    }
}

/// The answers a candidate gives: question → option codes (`""` blank).
fn true_answers(paper: &Paper, salt: u32) -> BTreeMap<u32, String> {
    paper
        .content
        .questions
        .iter()
        .map(|q| {
            let n = q.number + salt;
            let answer = match q.kind {
                _ if n % 9 == 4 => String::new(),
                QuestionType::TrueFalse => if n.is_multiple_of(2) { "T" } else { "F" }.to_string(),
                QuestionType::Single => letter(n as usize % q.options.len()),
                QuestionType::Multiple => {
                    let k = q.options.len();
                    let mut l = [n as usize % k, (n as usize + 2) % k];
                    l.sort();
                    letter(l[0]) + &letter(l[1])
                }
            };
            (q.number, answer)
        })
        .collect()
}

fn letter(i: usize) -> String {
    char::from(b'A' + i as u8).to_string()
}

/// Fills a rendered sheet: each answer's bubbles in the style `style(q)`.
fn fill(
    img: &mut GrayImage,
    dpi: u32,
    page: &SheetPage,
    answers: &BTreeMap<u32, String>,
    style: impl Fn(u32) -> Style,
) {
    for b in &page.bubbles {
        if answers[&b.question].contains(b.option.as_str()) {
            mark(img, dpi, b.cx, b.cy, b.r, style(b.question));
        }
    }
}

/// The bubble of `option` in question `q`.
fn bubble(page: &SheetPage, q: u32, option: &str) -> (f64, f64, f64) {
    let b = page
        .bubbles
        .iter()
        .find(|b| b.question == q && b.option == option)
        .unwrap();
    (b.cx, b.cy, b.r)
}

/// What happens to a page between the printer and the scanner.
#[derive(Clone, Copy, Debug, Default)]
struct Degrade {
    degrees: f64,
    scale: f64,
    upside_down: bool,
    /// Corner displacement for perspective, as a share of the page.
    perspective: f64,
    noise: f64,
    blur: bool,
    /// Quarter turns clockwise at the end: a sheet fed into the scanner
    /// sideways gives a landscape image.
    quarter_turns: u8,
    /// The scanner's background removal: a gamma curve that keeps black
    /// and white and lightens the greys in between (pencil 110 → 165).
    lighten: bool,
}

/// Applies a degradation: geometric first (the paper moves), then blur
/// and noise (the scanner's optics and sensor).
fn degrade(img: &GrayImage, d: Degrade) -> GrayImage {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    let scale = if d.scale == 0.0 { 1.0 } else { d.scale };
    let (sin, cos) = d.degrees.to_radians().sin_cos();
    let corners = [(0.0, 0.0), (w, 0.0), (0.0, h), (w, h)];
    let p = d.perspective;
    let bend = [
        (p * w, 0.0),
        (-p * w * 0.5, p * h * 0.3),
        (0.0, 0.0),
        (0.0, -p * h * 0.5),
    ];
    let moved: Vec<(f64, f64)> = corners
        .iter()
        .zip(bend)
        .map(|(&(x, y), (bx, by))| {
            let (x, y) = if d.upside_down {
                (w - x, h - y)
            } else {
                (x, y)
            };
            let (dx, dy) = (x - w / 2.0, y - h / 2.0);
            (
                w / 2.0 + scale * (cos * dx - sin * dy) + bx,
                h / 2.0 + scale * (sin * dx + cos * dy) + by,
            )
        })
        .collect();
    let back =
        Homography::from_points(&[moved[0], moved[1], moved[2], moved[3]], &corners).unwrap();
    let at = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= img.width() as i64 || y >= img.height() as i64 {
            250.0
        } else {
            f64::from(img.get_pixel(x as u32, y as u32).0[0])
        }
    };
    let mut out = GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let (u, v) = back.apply(f64::from(x) + 0.5, f64::from(y) + 0.5);
        let (u, v) = (u - 0.5, v - 0.5);
        let (fx, fy) = (u.floor(), v.floor());
        let (ax, ay) = (u - fx, v - fy);
        let (ix, iy) = (fx as i64, fy as i64);
        let top = at(ix, iy) * (1.0 - ax) + at(ix + 1, iy) * ax;
        let bottom = at(ix, iy + 1) * (1.0 - ax) + at(ix + 1, iy + 1) * ax;
        Luma([(top * (1.0 - ay) + bottom * ay).round() as u8])
    });
    if d.blur {
        out = image::imageops::blur(&out, 1.2);
    }
    if d.noise > 0.0 {
        // xorshift + Box–Muller: deterministic noise without a dependency.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for p in out.pixels_mut() {
            let (u1, u2) = (next().max(1e-12), next());
            let g = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            p.0[0] = (f64::from(p.0[0]) + g * d.noise).round().clamp(0.0, 255.0) as u8;
        }
    }
    if d.lighten {
        let gamma = (165.0f64 / 255.0).ln() / (110.0f64 / 255.0).ln();
        for p in out.pixels_mut() {
            p.0[0] = (255.0 * (f64::from(p.0[0]) / 255.0).powf(gamma)).round() as u8;
        }
    }
    match d.quarter_turns % 4 {
        1 => image::imageops::rotate90(&out),
        2 => image::imageops::rotate180(&out),
        3 => image::imageops::rotate270(&out),
        _ => out,
    }
}

fn save_jpeg(img: &GrayImage, path: &Path, quality: u8) {
    let mut f = fs::File::create(path).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut f, quality)
        .encode_image(img)
        .unwrap();
}

/// A scanned, filled, degraded sheet of `paper` written to `path`.
struct Scan<'a> {
    exam: &'a Exam,
    paper: usize,
    dpi: u32,
    degrade: Degrade,
}

impl Scan<'_> {
    /// The clean rendered page at this dpi, and the sheet layout.
    fn page(&self) -> (GrayImage, SheetPage) {
        let img = rasterise(&self.exam.pdf, self.exam.sheet_pages[self.paper], self.dpi);
        let layout = sheet::for_paper(&self.exam.papers[self.paper]);
        (img, layout.pages[0].clone())
    }

    fn write(&self, img: &GrayImage, path: &Path) {
        let img = degrade(img, self.degrade);
        match path.extension().and_then(|e| e.to_str()) {
            Some("jpg") => save_jpeg(&img, path, 50),
            _ => img.save(path).unwrap(),
        }
    }
}

/// sheets.csv as paper → answers.
fn read_sheets(out: &Path) -> BTreeMap<String, (String, Vec<String>)> {
    let mut reader = csv::Reader::from_path(out.join("sheets.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "candidate");
    assert_eq!(&header[1], "paper");
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[1].to_string(),
                (
                    r[0].to_string(),
                    r.iter().skip(2).map(str::to_string).collect(),
                ),
            )
        })
        .collect()
}

/// review.csv rows as column → value maps.
fn read_review(out: &Path) -> Vec<BTreeMap<String, String>> {
    let text = fs::read_to_string(out.join("review.csv")).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("review.csv starts with a BOM for Excel");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn scan(dir: &Path, exam: &Exam, out: &str, files: &[PathBuf], extra: &[&str]) -> Run {
    run(certexam_in(dir)
        .arg("scan")
        .arg("--papers")
        .arg(exam.dir.join("papers"))
        .args(["--out", out])
        .args(extra)
        .args(files))
}

/// Asserts that every question of `paper` was read as `truth`.
fn assert_read(
    sheets: &BTreeMap<String, (String, Vec<String>)>,
    paper: &Paper,
    truth: &BTreeMap<u32, String>,
    what: &str,
) {
    let (candidate, answers) = sheets
        .get(&paper.paper_id)
        .unwrap_or_else(|| panic!("{what}: paper {} missing from sheets.csv", paper.paper_id));
    assert_eq!(candidate, paper.holder(), "{what}");
    for (q, want) in truth {
        assert_eq!(
            &answers[*q as usize - 1],
            want,
            "{what}: question {q} of paper {}",
            paper.paper_id
        );
    }
}

#[test]
fn clean_pen_fills_at_300_dpi_are_read_exactly_and_grade_gives_the_true_scores() {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut truth_csv = String::from("candidate,paper");
    let width = exam.papers[0].content.questions.len();
    for n in 1..=width {
        truth_csv += &format!(",{n}");
    }
    truth_csv += "\n";
    let mut truths = Vec::new();
    for paper in 0..2 {
        let s = Scan {
            exam,
            paper,
            dpi: 300,
            degrade: Degrade::default(),
        };
        let (mut img, page) = s.page();
        let truth = true_answers(&exam.papers[paper], paper as u32);
        fill(&mut img, 300, &page, &truth, |_| Style::Pen);
        // Named relative to the folder scan runs in, as a proctor types
        // them, so that the CSVs pinned below are the same on every machine.
        let name = format!("scan-{paper}.jpg");
        save_jpeg(&img, &dir.path().join(&name), 90);
        files.push(PathBuf::from(name));
        let p = &exam.papers[paper];
        truth_csv += &format!("{},{}", p.holder(), p.paper_id);
        for a in truth.values() {
            truth_csv += &format!(",{a}");
        }
        truth_csv += "\n";
        truths.push(truth);
    }
    let r = scan(dir.path(), exam, "scanned", &files, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("read 2 page(s) into 2 sheet(s)"),
        "{}",
        r.stdout
    );
    let sheets = read_sheets(&dir.path().join("scanned"));
    for (paper, truth) in truths.iter().enumerate() {
        assert_read(&sheets, &exam.papers[paper], truth, "clean 300 dpi");
    }
    assert!(read_review(&dir.path().join("scanned")).is_empty());
    // The three CSVs byte for byte: a change to a column shows in review.
    for file in ["sheets.csv", "review.csv", "scan-log.csv"] {
        insta::assert_snapshot!(
            format!("clean_scan_{}", file.replace(['.', '-'], "_")),
            snapshot_file(&dir.path().join("scanned").join(file))
        );
    }

    // grade(scan) == grade(true answers).
    fs::write(dir.path().join("truth.csv"), truth_csv).unwrap();
    let r = run(certexam_in(dir.path()).args(["keygen", "--unencrypted", "--out", "proctor"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let grade = |sheets: &str, out: &str| {
        let r = run(certexam_in(dir.path())
            .args(["grade", "--papers"])
            .arg(exam.dir.join("papers"))
            .args(["--sheets", sheets, "--key", "proctor.key", "--out", out]));
        assert_eq!(r.code, 0, "grade {sheets}: {}\n{}", r.stdout, r.stderr);
        fs::read_to_string(dir.path().join(out).join("results.csv")).unwrap()
    };
    let from_scan = grade("scanned/sheets.csv", "scores-scan");
    let from_truth = grade("truth.csv", "scores-truth");
    assert!(from_scan.lines().count() >= 3, "{from_scan}");
    assert_eq!(from_scan, from_truth);
}

#[test]
fn ticks_crosses_and_pencil_survive_rotation_sideways_upside_down_scale_noise_blur_jpeg_and_perspective()
 {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            2,
            200,
            "png",
            Degrade {
                degrees: 3.0,
                ..Degrade::default()
            },
            [Style::Tick, Style::Pen],
        ),
        (
            3,
            150,
            "png",
            Degrade {
                degrees: -3.0,
                scale: 0.97,
                noise: 8.0,
                ..Degrade::default()
            },
            [Style::Cross, Style::LightPencil],
        ),
        (
            4,
            300,
            "jpg",
            Degrade {
                scale: 1.03,
                blur: true,
                perspective: 0.006,
                degrees: 1.0,
                ..Degrade::default()
            },
            [Style::LightPencil, Style::Tick],
        ),
        (
            5,
            200,
            "jpg",
            Degrade {
                upside_down: true,
                noise: 10.0,
                degrees: -1.5,
                ..Degrade::default()
            },
            [Style::Pen, Style::Cross],
        ),
        (
            6,
            150,
            "png",
            Degrade {
                quarter_turns: 1,
                degrees: 1.0,
                ..Degrade::default()
            },
            [Style::Tick, Style::Pen],
        ),
        (
            7,
            200,
            "jpg",
            Degrade {
                quarter_turns: 3,
                noise: 6.0,
                ..Degrade::default()
            },
            [Style::Cross, Style::Pen],
        ),
    ];
    let mut files = Vec::new();
    let mut truths = Vec::new();
    for (i, (paper, dpi, ext, d, styles)) in cases.iter().enumerate() {
        let s = Scan {
            exam,
            paper: *paper,
            dpi: *dpi,
            degrade: *d,
        };
        let (mut img, page) = s.page();
        let truth = true_answers(&exam.papers[*paper], i as u32);
        fill(&mut img, *dpi, &page, &truth, |q| styles[q as usize % 2]);
        let path = dir.path().join(format!("case-{i}.{ext}"));
        s.write(&img, &path);
        files.push(path);
        truths.push((*paper, truth));
    }
    let r = scan(dir.path(), exam, "out", &files, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let sheets = read_sheets(&dir.path().join("out"));
    for (i, (paper, truth)) in truths.iter().enumerate() {
        assert_read(
            &sheets,
            &exam.papers[*paper],
            truth,
            &format!("case {i} {:?}", cases[i].3),
        );
    }
    let log = fs::read_to_string(dir.path().join("out/scan-log.csv")).unwrap();
    assert!(
        log.contains("case-3.jpg,1,read,") && log.contains(",yes,"),
        "upside-down page: {log}"
    );
}

/// Checks a sheet read without a person: every cell is the truth or `?`,
/// and every `?` is a `decide` row of review.csv. Returns how many
/// questions went to `decide`.
fn assert_true_or_decide(
    sheets: &BTreeMap<String, (String, Vec<String>)>,
    review: &[BTreeMap<String, String>],
    paper: &Paper,
    truth: &BTreeMap<u32, String>,
    what: &str,
) -> usize {
    let answers = &sheets[&paper.paper_id].1;
    let mut decide = 0;
    for (q, want) in truth {
        let got = &answers[*q as usize - 1];
        if got == "?" {
            assert!(
                review.iter().any(|r| r["paper"] == paper.paper_id
                    && r["question"] == q.to_string()
                    && r["status"] == "decide"),
                "{what}: question {q} is `?` without a decide row"
            );
            decide += 1;
        } else {
            assert_eq!(got, want, "{what}: question {q} read wrong, silently");
        }
    }
    decide
}

#[test]
fn light_hurried_pencil_fills_are_read_on_clean_and_lightened_scans_and_never_silently_lost() {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let covers = [0.5, 0.6, 0.7];
    // (paper, dpi, degradation, pencil greys a candidate's strokes cycle through)
    let cases: [(usize, u32, Degrade, &[u8]); 5] = [
        (0, 300, Degrade::default(), &[110]),
        (
            1,
            200,
            Degrade {
                lighten: true,
                ..Degrade::default()
            },
            &[110],
        ),
        (
            2,
            300,
            Degrade {
                lighten: true,
                degrees: 1.0,
                noise: 4.0,
                ..Degrade::default()
            },
            &[110, 100],
        ),
        (
            3,
            200,
            Degrade {
                noise: 4.0,
                degrees: -1.0,
                ..Degrade::default()
            },
            &[110, 130, 150],
        ),
        (
            4,
            200,
            Degrade {
                lighten: true,
                ..Degrade::default()
            },
            &[110, 130, 150],
        ),
    ];
    let mut files = Vec::new();
    let mut truths = Vec::new();
    for (i, (paper, dpi, d, greys)) in cases.iter().enumerate() {
        let s = Scan {
            exam,
            paper: *paper,
            dpi: *dpi,
            degrade: *d,
        };
        let (mut img, page) = s.page();
        let truth = true_answers(&exam.papers[*paper], i as u32 + 3);
        fill(&mut img, *dpi, &page, &truth, |q| Style::Light {
            grey: greys[q as usize % greys.len()],
            cover: covers[q as usize / greys.len() % covers.len()],
        });
        let path = dir.path().join(format!("light-{i}.png"));
        s.write(&img, &path);
        files.push(path);
        truths.push((*paper, truth));
    }
    let r = scan(dir.path(), exam, "out", &files, &[]);
    let out = dir.path().join("out");
    let sheets = read_sheets(&out);
    let review = read_review(&out);
    for (i, (paper, truth)) in truths.iter().enumerate() {
        let p = &exam.papers[*paper];
        let what = format!("light case {i} {:?}", cases[i].2);
        let decide = assert_true_or_decide(&sheets, &review, p, truth, &what);
        // Pencil grey, half the bubble or more: read, clean or lightened.
        if cases[i].3 == [110] || cases[i].3 == [110, 100] {
            assert_eq!(decide, 0, "{what}: {review:?}\n{}", r.stdout);
        }
        assert!(
            review
                .iter()
                .all(|r| r["paper"] != p.paper_id || r["status"] != "check"),
            "{what}: a light answer left as a `check` row: {review:?}"
        );
    }
}

/// A feeder slip: the band of the page between `top` and `bottom` mm is
/// shifted by (`dx`, `dy`) mm, marks and print together.
fn shift_band(
    img: &GrayImage,
    dpi: u32,
    (top, bottom): (f64, f64),
    (dx, dy): (f64, f64),
) -> GrayImage {
    let s = f64::from(dpi) / 25.4;
    let (y0, y1) = ((top * s) as u32, (bottom * s) as u32);
    let (sx, sy) = ((dx * s).round() as i64, (dy * s).round() as i64);
    let mut out = img.clone();
    for y in y0..y1.min(img.height()) {
        for x in 0..img.width() {
            let (fx, fy) = (i64::from(x) - sx, i64::from(y) - sy);
            let g = if fx < 0
                || fy < 0
                || fx >= i64::from(img.width())
                || fy >= i64::from(img.height())
            {
                250
            } else {
                img.get_pixel(fx as u32, fy as u32).0[0]
            };
            out.put_pixel(x, y, Luma([g]));
        }
    }
    out
}

/// A drum streak: a dark line `width` mm wide down the whole page at `x` mm.
fn streak(img: &mut GrayImage, dpi: u32, x: f64, width: f64) {
    let s = f64::from(dpi) / 25.4;
    let (x0, x1) = (
        ((x - width / 2.0) * s) as u32,
        ((x + width / 2.0) * s) as u32,
    );
    for y in 0..img.height() {
        for x in x0..=x1 {
            let p = img.get_pixel_mut(x, y);
            p.0[0] = (u32::from(p.0[0]) * 70 / 255) as u8;
        }
    }
}

#[test]
fn a_slipped_band_is_found_again_or_sent_to_review_and_a_drum_streak_never_reads_as_a_mark() {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut truths = Vec::new();
    let mut bands = Vec::new();
    let mut streaks = Vec::new();
    // (paper, band shift in mm, streak)
    let cases = [
        (9, (1.0, -0.8), false),
        (10, (3.0, 0.0), false),
        (11, (0.0, 0.0), true),
    ];
    for (i, (paper, shift, with_streak)) in cases.iter().enumerate() {
        let s = Scan {
            exam,
            paper: *paper,
            dpi: 200,
            degrade: Degrade {
                degrees: 0.7,
                noise: 4.0,
                ..Degrade::default()
            },
        };
        let (mut img, page) = s.page();
        let truth = true_answers(&exam.papers[*paper], i as u32 + 1);
        fill(&mut img, 200, &page, &truth, |q| {
            [Style::Pen, Style::Tick, Style::LightPencil][q as usize % 3]
        });
        // The first block row of questions slips.
        let (first, fifth) = (bubble(&page, 1, "A"), bubble(&page, 5, "A"));
        let band = (first.1 - 3.25, fifth.1 + 3.25);
        if *shift != (0.0, 0.0) {
            img = shift_band(&img, 200, band, *shift);
        }
        let mut in_band: Vec<u32> = page
            .bubbles
            .iter()
            .filter(|b| b.cy > band.0 && b.cy < band.1)
            .map(|b| b.question)
            .collect();
        in_band.dedup();
        bands.push(in_band);
        // A streak down the column of option B of question 1.
        let mut crossed: Vec<(u32, String)> = if *with_streak {
            let x = bubble(&page, 1, "B").0;
            streak(&mut img, 200, x, 0.6);
            page.bubbles
                .iter()
                .filter(|b| (b.cx - x).abs() < 0.1)
                .map(|b| (b.question, b.option.clone()))
                .collect()
        } else {
            Vec::new()
        };
        crossed.dedup();
        assert!(crossed.is_empty() || crossed.len() >= 4, "{crossed:?}");
        streaks.push(crossed);
        let path = dir.path().join(format!("slip-{i}.png"));
        s.write(&img, &path);
        files.push(path);
        truths.push((*paper, truth));
    }
    let r = scan(dir.path(), exam, "out", &files, &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let out = dir.path().join("out");
    let sheets = read_sheets(&out);
    let review = read_review(&out);
    let row = |paper: &str, q: u32| {
        review
            .iter()
            .find(|r| r["paper"] == paper && r["question"] == q.to_string())
            .unwrap_or_else(|| panic!("question {q} of {paper} not in review.csv: {review:?}"))
    };
    for (i, (paper, truth)) in truths.iter().enumerate() {
        let p = &exam.papers[*paper];
        let what = format!("slip case {i}");
        let decide = assert_true_or_decide(&sheets, &review, p, truth, &what);
        match i {
            // 1 mm is within the search: the rings are found and read.
            0 => assert_eq!(decide, 0, "{what}: {review:?}"),
            // 3 mm is not: every question of the band goes to review, saying why.
            1 => {
                for q in &bands[i] {
                    assert_eq!(row(&p.paper_id, *q)["status"], "decide");
                    assert!(
                        row(&p.paper_id, *q)["problem"]
                            .contains("printed rings of this question were not found"),
                        "{:?}",
                        row(&p.paper_id, *q)
                    );
                }
                assert_eq!(decide, bands[i].len(), "{what}: only the band: {review:?}");
            }
            _ => {
                for (q, option) in &streaks[i] {
                    assert_eq!(row(&p.paper_id, *q)["status"], "decide");
                    assert!(
                        row(&p.paper_id, *q)["problem"]
                            .contains(&format!("a line runs through bubble {option}")),
                        "{:?}",
                        row(&p.paper_id, *q)
                    );
                }
            }
        }
    }
}

/// A worn copier's grey speckle: `dots` specks (0.2–0.6 mm, grey 60–160)
/// and grainy grey scattered over the square `(x, y, side)` mm.
fn speckle(img: &mut GrayImage, dpi: u32, (x, y, side): (f64, f64, f64), dots: usize) {
    let s = f64::from(dpi) / 25.4;
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for _ in 0..dots {
        let (cx, cy) = ((x + next() * side) * s, (y + next() * side) * s);
        let r = (0.2 + 0.4 * next()) * s;
        let shade = (60.0 + 100.0 * next()) as u8;
        ink(img, (cx, cy), r, shade, |dx, dy| dx.hypot(dy) <= r);
    }
    let (x0, y0, n) = ((x * s) as u32, (y * s) as u32, (side * s) as u32);
    for py in y0..(y0 + n).min(img.height()) {
        for px in x0..(x0 + n).min(img.width()) {
            if next() < 0.15 {
                let p = img.get_pixel_mut(px, py);
                p.0[0] = (f64::from(p.0[0]) * (0.55 + 0.3 * next())) as u8;
            }
        }
    }
}

#[test]
fn corner_marks_and_qr_are_read_through_speckle_and_streaks_and_a_lost_corner_is_placed_from_the_other_three()
 {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut truths = Vec::new();
    for (i, paper) in [0usize, 1, 2, 3, 4].into_iter().enumerate() {
        let s = Scan {
            exam,
            paper,
            dpi: 200,
            degrade: Degrade {
                degrees: if i == 1 { -1.0 } else { 0.8 },
                noise: 5.0,
                ..Degrade::default()
            },
        };
        let (mut img, page) = s.page();
        let truth = true_answers(&exam.papers[paper], i as u32 + 5);
        fill(&mut img, 200, &page, &truth, |q| {
            [Style::Pen, Style::Cross][q as usize % 2]
        });
        let m = page.marks;
        match i {
            // Grey speckle all over and around the top-left mark.
            0 => speckle(&mut img, 200, (m[0].x - 5.0, m[0].y - 5.0, 16.0), 220),
            // The bottom-right mark lost (torn off, covered).
            1 => {
                let px = 200.0 / 25.4;
                let r = m[3];
                for y in ((r.y - 1.0) * px) as u32..((r.y + r.h + 1.0) * px) as u32 {
                    for x in ((r.x - 1.0) * px) as u32..((r.x + r.w + 1.0) * px) as u32 {
                        img.put_pixel(x, y, Luma([248]));
                    }
                }
            }
            // A drum streak down through the top-right mark.
            2 => streak(&mut img, 200, m[1].x + m[1].w / 2.0, 0.8),
            // A streak down through the middle of the QR code.
            3 => streak(&mut img, 200, page.qr.x + page.qr.w / 2.0, 0.8),
            // Two wide streaks through the QR code's finder patterns: the
            // code is lost, the id row under the bubbles names the page.
            _ => {
                for x in [page.qr.x + 6.0, page.qr.x + page.qr.w - 6.0] {
                    streak(&mut img, 200, x, 3.0);
                }
            }
        }
        let path = dir.path().join(format!("corner-{i}.png"));
        s.write(&img, &path);
        files.push(path);
        truths.push((paper, truth));
    }
    let r = scan(dir.path(), exam, "out", &files, &[]);
    let sheets = read_sheets(&dir.path().join("out"));
    let review = read_review(&dir.path().join("out"));
    assert!(
        review.iter().all(|r| !r["question"].is_empty()),
        "every page read: {review:?}\n{}",
        r.stdout
    );
    for (i, (paper, truth)) in truths.iter().enumerate() {
        let what = format!("corner case {i}");
        if i < 3 {
            assert_read(&sheets, &exam.papers[*paper], truth, &what);
        } else {
            // The QR streaks also run through bubbles: those are decided.
            assert_true_or_decide(&sheets, &review, &exam.papers[*paper], truth, &what);
        }
    }
    let log = fs::read_to_string(dir.path().join("out/scan-log.csv")).unwrap();
    assert!(
        log.lines().any(|l| l.contains("corner-1.png")
            && l.contains("corner mark bottom right not found: placed from the other three")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("corner-3.png") && l.contains(",read,")),
        "{log}"
    );
    assert!(
        log.lines().any(|l| l.contains("corner-4.png")
            && l.contains(",read,")
            && l.contains("no QR code could be read where the sheet has one: paper id and page read from the id row")),
        "says which copy of the id was used: {log}"
    );
}

#[test]
fn doubtful_marks_go_to_review_never_into_sheets_and_fix_feeds_the_decisions_back() {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let paper = 6;
    let p = &exam.papers[paper];
    let s = Scan {
        exam,
        paper,
        dpi: 200,
        degrade: Degrade {
            degrees: 2.0,
            noise: 6.0,
            ..Degrade::default()
        },
    };
    let (mut img, page) = s.page();
    let mut truth = true_answers(p, 0);
    fill(&mut img, 200, &page, &truth, |_| Style::Pen);
    let single = |kind| {
        p.content
            .questions
            .iter()
            .filter(move |q| q.kind == kind)
            .map(|q| q.number)
    };
    // An erased mark with no other mark: a light answer or an erased one,
    // so a person decides (never a silent blank).
    let blank_q = single(QuestionType::Single)
        .find(|q| truth[q].is_empty())
        .unwrap();
    let (x, y, r) = bubble(&page, blank_q, "B");
    mark(&mut img, 200, x, y, r, Style::Erased);
    // An erased mark beside a pen mark: a changed answer, read and flagged.
    let changed_q = single(QuestionType::Single)
        .find(|q| !truth[q].is_empty() && *q != blank_q)
        .unwrap();
    let erased = if truth[&changed_q] == "A" { "B" } else { "A" };
    let (x, y, r) = bubble(&page, changed_q, erased);
    mark(&mut img, 200, x, y, r, Style::Erased);
    // A doubtful fill on a single-choice question.
    let doubtful_q = single(QuestionType::Single)
        .find(|q| !truth[q].is_empty() && *q != blank_q && *q != changed_q)
        .unwrap();
    let other = if truth[&doubtful_q] == "A" { "B" } else { "A" };
    let (x, y, r) = bubble(&page, doubtful_q, other);
    mark(&mut img, 200, x, y, r, Style::Doubtful);
    // Two pen marks on a true/false question.
    let double_q = single(QuestionType::TrueFalse)
        .find(|q| !truth[q].is_empty())
        .unwrap();
    let other = if truth[&double_q] == "T" { "F" } else { "T" };
    let (x, y, r) = bubble(&page, double_q, other);
    mark(&mut img, 200, x, y, r, Style::Pen);
    let path = dir.path().join("doubtful.png");
    s.write(&img, &path);

    let r = scan(dir.path(), exam, "out", std::slice::from_ref(&path), &[]);
    assert_eq!(r.code, 1, "something to decide: {}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("3 question(s) to decide, 1 to check"),
        "{}",
        r.stdout
    );
    let out = dir.path().join("out");
    let sheets = read_sheets(&out);
    let answers = &sheets[&p.paper_id].1;
    assert_eq!(answers[doubtful_q as usize - 1], "?");
    assert_eq!(answers[double_q as usize - 1], "?");
    assert_eq!(answers[blank_q as usize - 1], "?");
    assert_eq!(answers[changed_q as usize - 1], truth[&changed_q]);
    for (q, want) in &truth {
        if ![doubtful_q, double_q, blank_q].contains(q) {
            assert_eq!(&answers[*q as usize - 1], want, "question {q}");
        }
    }
    let review = read_review(&out);
    let row = |q: u32| {
        review
            .iter()
            .find(|r| r["question"] == q.to_string())
            .unwrap_or_else(|| panic!("question {q} not in review.csv: {review:?}"))
    };
    assert_eq!(row(doubtful_q)["status"], "decide");
    assert!(row(doubtful_q)["problem"].contains("neither clearly marked nor clearly empty"));
    assert_eq!(row(double_q)["status"], "decide");
    assert!(
        row(double_q)["problem"].contains("2 marks"),
        "{:?}",
        row(double_q)
    );
    assert_eq!(row(blank_q)["status"], "decide");
    assert!(
        row(blank_q)["problem"].contains("faint mark in B and no other mark"),
        "{:?}",
        row(blank_q)
    );
    assert_eq!(row(changed_q)["status"], "check");
    assert!(
        row(changed_q)["problem"].contains(&format!("faint mark in {erased} read as not marked")),
        "{:?}",
        row(changed_q)
    );
    for q in [doubtful_q, double_q, blank_q, changed_q] {
        let crop = out.join(&row(q)["crop"]);
        let img = image::open(&crop).unwrap_or_else(|e| panic!("{}: {e}", crop.display()));
        assert!(img.width() > img.height(), "a crop of the question's row");
    }
    // grade refuses the sheet rather than scoring a guess.
    let r = run(certexam_in(dir.path()).args(["keygen", "--unencrypted", "--out", "proctor"]));
    assert_eq!(r.code, 0);
    let r = run(certexam_in(dir.path())
        .args(["grade", "--papers"])
        .arg(exam.dir.join("papers"))
        .args([
            "--sheets",
            "out/sheets.csv",
            "--key",
            "proctor.key",
            "--out",
            "scores",
        ]));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let told = format!("{}{}", r.stdout, r.stderr);
    assert!(
        told.contains("review.csv") && told.contains("--fix"),
        "grade says what to do with `?`: {told}"
    );
    // The review row shows the values the decision used, and its bounds.
    assert!(
        row(doubtful_q)["read"].contains("this sheet's marks"),
        "{:?}",
        row(doubtful_q)
    );

    // The proctor decides: the doubtful one was the truth, the double mark a blank.
    let mut text = fs::read_to_string(out.join("review.csv")).unwrap();
    let decide = |text: &mut String, q: u32, decision: &str| {
        let line = text
            .lines()
            .find(|l| l.contains(&format!(",{q},decide,")))
            .unwrap()
            .to_string();
        *text = text.replace(&line, &format!("{line}{decision}"));
    };
    // Typed with a Chinese input method (full-width letters) and saved
    // again by Excel on Chinese Windows, which writes GB18030.
    let full_width: String = truth[&doubtful_q]
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    decide(&mut text, doubtful_q, &full_width);
    decide(&mut text, double_q, "-");
    decide(&mut text, blank_q, "-");
    let (gbk, _, lossy) = encoding_rs::GB18030.encode(text.trim_start_matches('\u{feff}'));
    assert!(!lossy && std::str::from_utf8(&gbk).is_err());
    fs::write(dir.path().join("decided.csv"), &gbk).unwrap();
    let r = scan(
        dir.path(),
        exam,
        "out",
        std::slice::from_ref(&path),
        &["--fix", "decided.csv"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("3 decision(s) applied"), "{}", r.stdout);
    truth.insert(double_q, String::new());
    assert_read(&read_sheets(&out), p, &truth, "after --fix");
    let decided: Vec<_> = read_review(&out)
        .into_iter()
        .filter(|r| r["status"] == "decided")
        .collect();
    assert_eq!(decided.len(), 3);

    // A decision that cannot be an answer is refused, naming the line
    // (`C` on a true/false question; `X` would be 错, as in `grade`).
    let bad: String = text
        .lines()
        .map(|l| match l.strip_suffix('-') {
            Some(rest) if l.contains(&format!(",{double_q},decide,")) => format!("{rest}C\n"),
            _ => format!("{l}\n"),
        })
        .collect();
    fs::write(dir.path().join("bad.csv"), bad).unwrap();
    let r = scan(
        dir.path(),
        exam,
        "out2",
        std::slice::from_ref(&path),
        &["--fix", "bad.csv"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("bad.csv:") && r.stderr.contains("true/false"),
        "{}",
        r.stderr
    );
}

#[test]
fn blank_foreign_non_sheet_corrupt_and_duplicate_pages_are_reported_without_crashing() {
    let (exam, other) = exams();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A blank sheet, scanned twice.
    let blank = rasterise(&exam.pdf, exam.sheet_pages[7], 150);
    blank.save(d.join("blank.png")).unwrap();
    blank.save(d.join("blank-again.png")).unwrap();
    // A sheet of another exam.
    rasterise(&other.pdf, other.sheet_pages[0], 150)
        .save(d.join("other-exam.png"))
        .unwrap();
    // A question page.
    rasterise(&exam.pdf, exam.question_page, 150)
        .save(d.join("question-page.png"))
        .unwrap();
    // A file that says it is a JPEG and is not.
    fs::write(
        d.join("corrupt.jpg"),
        b"\xFF\xD8\xFF\xE0 this is not a picture",
    )
    .unwrap();
    // A sheet whose id row is another paper's (pasted over): its two
    // copies of the id disagree, so it is nobody's.
    let mut mixed = rasterise(&exam.pdf, exam.sheet_pages[9], 150);
    let donor = rasterise(&exam.pdf, exam.sheet_pages[10], 150);
    let px = 150.0 / 25.4;
    let rows = (certexam::id_row::TOP - 1.0) * px..(certexam::id_row::TOP + 4.0) * px;
    for y in rows.start as u32..rows.end as u32 {
        for x in 0..mixed.width() {
            mixed.put_pixel(x, y, *donor.get_pixel(x, y));
        }
    }
    mixed.save(d.join("mixed.png")).unwrap();
    // The same paper's sheet scanned twice with different answers.
    let mut files: Vec<PathBuf> = [
        "blank.png",
        "blank-again.png",
        "other-exam.png",
        "question-page.png",
        "corrupt.jpg",
        "mixed.png",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let layout = sheet::for_paper(&exam.papers[8]);
    for (i, answer) in ["A", "C"].iter().enumerate() {
        let mut img = rasterise(&exam.pdf, exam.sheet_pages[8], 150);
        let (x, y, r) = bubble(&layout.pages[0], 1, answer);
        mark(&mut img, 150, x, y, r, Style::Pen);
        let name = format!("twice-{i}.png");
        img.save(d.join(&name)).unwrap();
        files.push(PathBuf::from(name));
    }
    let r = scan(d, exam, "out", &files, &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let out = d.join("out");
    let review = read_review(&out);
    let about = |file: &str| -> Vec<&BTreeMap<String, String>> {
        review
            .iter()
            .filter(|r| r["file"].ends_with(file))
            .collect()
    };
    let blank_rows = about("blank.png");
    assert!(
        blank_rows
            .iter()
            .any(|r| r["problem"].contains("no bubble is marked")),
        "{review:?}"
    );
    assert!(
        blank_rows
            .iter()
            .any(|r| r["problem"].contains("scanned more than once")),
        "{review:?}"
    );
    let other_paper = &other.papers[0].paper_id;
    assert_eq!(
        about("other-exam.png")[0]["problem"],
        format!("paper {other_paper} is not in --papers (a sheet of another exam or session?)")
    );
    assert!(about("question-page.png")[0]["problem"].starts_with("corner mark not found"));
    assert!(
        about("corrupt.jpg")[0]["problem"].contains("not a readable image"),
        "{review:?}"
    );
    assert_eq!(
        about("mixed.png")[0]["problem"],
        format!(
            "the QR code says paper {} page 1, but the id row under the bubbles says paper {} page 1; check the sheet",
            exam.papers[9].paper_id, exam.papers[10].paper_id
        )
    );
    let twice = about("twice-0.png");
    assert!(
        twice
            .iter()
            .any(|r| r["question"] == "1" && r["problem"].contains("read differently")),
        "{review:?}"
    );
    for row in &review {
        if !row["crop"].is_empty() {
            assert!(out.join(&row["crop"]).exists(), "{}", row["crop"]);
        }
    }
    let sheets = read_sheets(&out);
    assert_eq!(
        sheets[&exam.papers[8].paper_id].1[0], "?",
        "disagreeing scans are not guessed"
    );
    assert!(
        sheets[&exam.papers[7].paper_id]
            .1
            .iter()
            .all(String::is_empty)
    );
    assert!(!sheets.contains_key(other_paper));
    assert!(!sheets.contains_key(&exam.papers[10].paper_id));
    let log = fs::read_to_string(out.join("scan-log.csv")).unwrap();
    assert_eq!(
        log.lines().count(),
        1 + files.len(),
        "one log line per page: {log}"
    );
    // Both files a proctor opens, byte for byte (files named relative to
    // the folder, so the same on every machine).
    insta::assert_snapshot!(
        "problem_pages_review_csv",
        snapshot_file(&out.join("review.csv"))
    );
    insta::assert_snapshot!(
        "problem_pages_scan_log_csv",
        snapshot_file(&out.join("scan-log.csv"))
    );
}

#[test]
fn a_pdf_of_scans_is_read_page_by_page() {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A two-page PDF cut from print.pdf: an answer sheet and a question page.
    let poppler = |tool: &str, args: &[&str]| {
        let out = Process::new(tool)
            .args(args)
            .current_dir(d)
            .output()
            .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let pdf = exam.pdf.to_str().unwrap();
    let sheet_page = exam.sheet_pages[0].to_string();
    let question_page = exam.question_page.to_string();
    poppler(
        "pdfseparate",
        &["-f", &sheet_page, "-l", &sheet_page, pdf, "a.pdf"],
    );
    poppler(
        "pdfseparate",
        &["-f", &question_page, "-l", &question_page, pdf, "b.pdf"],
    );
    poppler("pdfunite", &["a.pdf", "b.pdf", "stack.pdf"]);
    let r = run(certexam_in(d)
        .arg("scan")
        .arg("--papers")
        .arg(exam.dir.join("papers"))
        .args(["--out", "out", "--json", "stack.pdf"]));
    assert_eq!(r.code, 1, "the question page is reported: {}", r.stderr);
    let summary: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(summary["pages"], 2);
    assert_eq!(summary["pages_failed"], 1);
    assert_eq!(summary["sheets"], 1);
    let sheets = read_sheets(&d.join("out"));
    assert!(
        sheets[&exam.papers[0].paper_id]
            .1
            .iter()
            .all(String::is_empty)
    );
    let review = read_review(&d.join("out"));
    assert!(
        review
            .iter()
            .any(|r| r["file"] == "stack.pdf" && r["page"] == "2"),
        "{review:?}"
    );
}

/// Not a test: writes the filled 300 dpi JPEG pages that `benches/scan.sh`
/// copies into a 1,200-page stack, with the true answers beside them. The
/// bench target `benches/scan_pages.rs` includes this file to call it, so
/// the benchmark's pages are made exactly like the tests' pages.
#[allow(dead_code)] // only the bench target calls it
pub fn make_benchmark_pages(out: &Path) {
    let out = out.to_path_buf();
    fs::create_dir_all(&out).unwrap();
    let (exam, _) = exams();
    let styles = [
        Style::Pen,
        Style::Pen,
        Style::Tick,
        Style::Cross,
        Style::LightPencil,
    ];
    let mut truths = Vec::new();
    for paper in 0..exam.papers.len() {
        let s = Scan {
            exam,
            paper,
            dpi: 300,
            degrade: Degrade {
                degrees: if paper % 2 == 0 { 0.8 } else { -1.2 },
                noise: 4.0,
                ..Degrade::default()
            },
        };
        let (mut img, page) = s.page();
        let truth = true_answers(&exam.papers[paper], paper as u32);
        fill(&mut img, 300, &page, &truth, |q| {
            styles[(q as usize + paper) % styles.len()]
        });
        let img = degrade(&img, s.degrade);
        save_jpeg(&img, &out.join(format!("{:02}.jpg", paper)), 85);
        truths.push((paper, truth));
    }
    write_benchmark_truth(exam, &out, &truths);
}

/// What a benchmark checks its reading against: `truth.csv` (one row per
/// paper: candidate, paper, answers) and the papers folder in `papers.txt`.
fn write_benchmark_truth(exam: &Exam, out: &Path, truths: &[(usize, BTreeMap<u32, String>)]) {
    let mut truth_csv = String::new();
    for (paper, truth) in truths {
        let p = &exam.papers[*paper];
        truth_csv += &format!("{},{}", p.holder(), p.paper_id);
        for a in truth.values() {
            truth_csv += &format!(",{a}");
        }
        truth_csv += "\n";
    }
    fs::write(out.join("truth.csv"), truth_csv).unwrap();
    fs::write(
        out.join("papers.txt"),
        exam.dir.join("papers").display().to_string(),
    )
    .unwrap();
}

/// How a phone sees a sheet lying on a desk.
#[derive(Clone, Copy, Debug)]
struct Phone {
    /// The camera's tilt from straight above, degrees: forwards (the
    /// sheet's top recedes) and sideways.
    tilt: f64,
    side_tilt: f64,
    /// The sheet's turn in the frame, degrees (180: upside down).
    turn: f64,
    /// The frame, pixels (3264 × 2448 is 8 MP).
    frame: (u32, u32),
    /// Share of the frame the sheet covers.
    fill: f64,
    /// Light falls from full on one side to `dim` on the other, and a soft
    /// shadow (a hand, the phone) darkens a patch to `shadow`.
    dim: f64,
    shadow: f64,
    seed: u64,
}

/// A small seeded generator for the desk's grain and the sensor's noise.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A phone photo of `sheet` (a page rendered at some dpi): the sheet is put
/// on a wooden desk in 3-D, turned and tilted, seen through a pinhole
/// camera, lit unevenly with a shadow, slightly blurred and noisy, as the
/// JPEG at quality 70 will then keep it.
fn photograph(sheet: &GrayImage, p: Phone) -> GrayImage {
    let (sw, sh) = (f64::from(sheet.width()), f64::from(sheet.height()));
    let (fw, fh) = (f64::from(p.frame.0), f64::from(p.frame.1));
    // Sheet pixels → frame pixels at the sheet's distance.
    let k = (p.fill * fw * fh / (sw * sh)).sqrt();
    let focal = 0.8 * fw.max(fh);
    let distance = focal / k;
    let (st, ct) = p.turn.to_radians().sin_cos();
    let (sa, ca) = p.tilt.to_radians().sin_cos();
    let (sb, cb) = p.side_tilt.to_radians().sin_cos();
    let project = |x: f64, y: f64| {
        // Centred, turned in the desk's plane, then tilted away.
        let (x, y) = (x - sw / 2.0, y - sh / 2.0);
        let (x, y) = (x * ct - y * st, x * st + y * ct);
        let (y, z) = (y * ca, y * sa);
        let (x, z) = (x * cb + z * sb, -x * sb + z * cb);
        (
            fw / 2.0 + focal * x / (distance + z),
            fh / 2.0 + focal * y / (distance + z),
        )
    };
    let corners = [(0.0, 0.0), (sw, 0.0), (sw, sh), (0.0, sh)];
    let seen = corners.map(|(x, y)| project(x, y));
    let back = Homography::from_points(&seen, &corners).unwrap();
    let src = sheet.as_raw();
    let at = |x: i64, y: i64| f64::from(src[(y * sheet.width() as i64 + x) as usize]);
    let mut noise = Lcg(p.seed);
    let knots: Vec<(f64, f64, f64)> = (0..6)
        .map(|_| {
            (
                noise.next() * fw,
                noise.next() * fh,
                8.0 + 20.0 * noise.next(),
            )
        })
        .collect();
    let (shadow_x, shadow_y) = (
        fw * (0.2 + 0.6 * noise.next()),
        fh * (0.2 + 0.6 * noise.next()),
    );
    let raw: Vec<u8> = (0..p.frame.1)
        .flat_map(|v| (0..p.frame.0).map(move |u| (u, v)))
        .map(|(u, v)| {
            let (fx, fy) = (f64::from(u) + 0.5, f64::from(v) + 0.5);
            let (x, y) = back.apply(fx, fy);
            let value = if x >= 0.5 && y >= 0.5 && x < sw - 1.5 && y < sh - 1.5 {
                let (x, y) = (x - 0.5, y - 0.5);
                let (x0, y0) = (x.floor(), y.floor());
                let (ax, ay) = (x - x0, y - y0);
                let (x0, y0) = (x0 as i64, y0 as i64);
                let top = at(x0, y0) * (1.0 - ax) + at(x0 + 1, y0) * ax;
                let bottom = at(x0, y0 + 1) * (1.0 - ax) + at(x0 + 1, y0 + 1) * ax;
                // Paper is a little darker than the white of a scan.
                (top * (1.0 - ay) + bottom * ay) * 0.93
            } else {
                // Wood: grain, slow waves, a few dark knots.
                let grain = 0.5 + 0.5 * (fy * 0.045 + 4.0 * (fx * 0.004).sin()).sin();
                let knot = knots
                    .iter()
                    .any(|&(kx, ky, r)| ((fx - kx) / 2.0).hypot(fy - ky) < r);
                if knot { 60.0 } else { 115.0 + 45.0 * grain }
            };
            let light = p.dim + (1.0 - p.dim) * fx / fw;
            let dist = ((fx - shadow_x) / (0.25 * fw)).hypot((fy - shadow_y) / (0.18 * fh));
            let shade = 1.0 - (1.0 - p.shadow) * (-dist * dist).exp();
            (value * light * shade).round().clamp(0.0, 255.0) as u8
        })
        .collect();
    let img = GrayImage::from_raw(p.frame.0, p.frame.1, raw).unwrap();
    let mut img = image::imageops::blur(&img, 1.2);
    for px in img.pixels_mut() {
        let n = (noise.next() - 0.5) * 10.0;
        px.0[0] = (f64::from(px.0[0]) + n).round().clamp(0.0, 255.0) as u8;
    }
    img
}

/// The phone photos the tests and `benches/scan_photos.sh` read.
const SHOTS: [Phone; 8] = [
    Phone {
        tilt: 10.0,
        side_tilt: 0.0,
        turn: 3.0,
        frame: (2448, 3264),
        fill: 0.62,
        dim: 0.6,
        shadow: 0.85,
        seed: 1,
    },
    Phone {
        tilt: 15.0,
        side_tilt: 5.0,
        turn: -6.0,
        frame: (2448, 3264),
        fill: 0.55,
        dim: 0.5,
        shadow: 0.7,
        seed: 2,
    },
    Phone {
        tilt: 20.0,
        side_tilt: -8.0,
        turn: 8.0,
        frame: (2448, 3264),
        fill: 0.5,
        dim: 0.7,
        shadow: 0.8,
        seed: 3,
    },
    Phone {
        tilt: 25.0,
        side_tilt: 0.0,
        turn: -3.0,
        frame: (2448, 3264),
        fill: 0.6,
        dim: 0.55,
        shadow: 0.75,
        seed: 4,
    },
    // Upside down, and sideways in a landscape frame.
    Phone {
        tilt: 18.0,
        side_tilt: 10.0,
        turn: 182.0,
        frame: (2448, 3264),
        fill: 0.58,
        dim: 0.6,
        shadow: 0.8,
        seed: 5,
    },
    Phone {
        tilt: 12.0,
        side_tilt: -5.0,
        turn: 88.0,
        frame: (3264, 2448),
        fill: 0.55,
        dim: 0.65,
        shadow: 0.8,
        seed: 6,
    },
    // 12 MP.
    Phone {
        tilt: 22.0,
        side_tilt: 12.0,
        turn: -2.0,
        frame: (3000, 4000),
        fill: 0.52,
        dim: 0.5,
        shadow: 0.7,
        seed: 7,
    },
    // Nearly filling the frame, as a cropped photo does.
    Phone {
        tilt: 8.0,
        side_tilt: 0.0,
        turn: 1.0,
        frame: (2448, 3264),
        fill: 0.85,
        dim: 0.8,
        shadow: 0.9,
        seed: 8,
    },
];

/// Photographs filled answer sheets of the first papers (one per shot of
/// [`SHOTS`]) into `dir` as `IMG_2001.jpg`…, JPEG quality 70: pen fills,
/// ticks, crosses, light pencil and hurried pencil fills. Returns each
/// file's name with its paper and true answers.
fn take_photos(exam: &Exam, dir: &Path) -> Vec<(String, usize, BTreeMap<u32, String>)> {
    let styles = [
        Style::Pen,
        Style::Tick,
        Style::Cross,
        Style::LightPencil,
        Style::Light {
            grey: 100,
            cover: 0.7,
        },
    ];
    SHOTS
        .iter()
        .enumerate()
        .map(|(i, phone)| {
            let s = Scan {
                exam,
                paper: i,
                dpi: 200,
                degrade: Degrade::default(),
            };
            let (mut img, page) = s.page();
            let truth = true_answers(&exam.papers[i], i as u32 + 11);
            fill(&mut img, 200, &page, &truth, |q| styles[q as usize % 5]);
            let name = format!("IMG_{:04}.jpg", 2001 + i);
            save_jpeg(&photograph(&img, *phone), &dir.join(&name), 70);
            (name, i, truth)
        })
        .collect()
}

/// The benchmark's photos (`benches/scan_photos.sh`): [`take_photos`], the
/// truth as `truth.csv` and the papers folder in `papers.txt`.
pub fn make_benchmark_photos(out: &Path) {
    fs::create_dir_all(out).unwrap();
    let (exam, _) = exams();
    let truths: Vec<_> = take_photos(exam, out)
        .into_iter()
        .map(|(_, paper, truth)| (paper, truth))
        .collect();
    write_benchmark_truth(exam, out, &truths);
}

#[test]
fn phone_photos_of_sheets_on_a_desk_are_found_straightened_and_read() {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let photos = take_photos(exam, dir.path());
    // A photo of a question page on the same desk: no sheet in it.
    let question = rasterise(&exam.pdf, exam.question_page, 200);
    let phone = Phone {
        tilt: 15.0,
        side_tilt: 0.0,
        turn: 4.0,
        frame: (2448, 3264),
        fill: 0.6,
        dim: 0.6,
        shadow: 0.8,
        seed: 99,
    };
    save_jpeg(
        &photograph(&question, phone),
        &dir.path().join("IMG_2100.jpg"),
        70,
    );
    let mut files: Vec<PathBuf> = photos.iter().map(|(f, _, _)| PathBuf::from(f)).collect();
    files.push(PathBuf::from("IMG_2100.jpg"));
    let r = scan(dir.path(), exam, "out", &files, &[]);
    let out = dir.path().join("out");
    let log = fs::read_to_string(out.join("scan-log.csv")).unwrap();
    let sheets = read_sheets(&out);
    let review = read_review(&out);
    let line = |file: &str| {
        log.lines()
            .find(|l| l.starts_with(file))
            .unwrap_or_else(|| panic!("{file} not in scan-log.csv: {log}"))
            .to_string()
    };
    for (file, paper, truth) in &photos {
        let what = format!("{file} {:?}", SHOTS[*paper]);
        let line = line(file);
        assert!(
            line.contains(",read,") && line.contains("read as a photo"),
            "{what}: {line}\n{}",
            r.stdout
        );
        let decide = assert_true_or_decide(&sheets, &review, &exam.papers[*paper], truth, &what);
        assert!(
            decide <= 2,
            "{what}: {decide} questions to decide\n{review:?}"
        );
    }
    let question = line("IMG_2100.jpg");
    assert!(
        question.contains(",failed,,") && question.contains("corner mark not found"),
        "no sheet, no paper: {question}"
    );
    assert_eq!(sheets.len(), photos.len(), "no other paper appears");
}

/// results.csv as candidate → (total, pass).
fn totals(path: &Path) -> BTreeMap<String, (String, String)> {
    let text = fs::read_to_string(path).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (candidate, total, pass) = (col("candidate"), col("total"), col("pass"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[candidate].to_string(),
                (r[total].to_string(), r[pass].to_string()),
            )
        })
        .collect()
}

#[test]
fn stacks_scanned_room_by_room_through_gnu_parallel_grade_like_one_stack() {
    let (exam, _) = exams();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Four filled sheets, two rooms' stacks.
    for (paper, room) in [(0, "room1"), (1, "room1"), (2, "room2"), (3, "room2")] {
        let (mut img, page) = Scan {
            exam,
            paper,
            dpi: 150,
            degrade: Degrade::default(),
        }
        .page();
        let truth = true_answers(&exam.papers[paper], paper as u32 + 3);
        fill(&mut img, 150, &page, &truth, |_| Style::Pen);
        fs::create_dir_all(d.join("scans").join(room)).unwrap();
        img.save(d.join("scans").join(room).join(format!("{paper}.png")))
            .unwrap();
    }
    // As the README shows: one scan per room's folder, two at a time.
    let status = Process::new("parallel")
        .args(["-j", "2"])
        .arg(env!("CARGO_BIN_EXE_certexam"))
        .arg("scan")
        .arg("--papers")
        .arg(exam.dir.join("papers"))
        .args(["--out", "../scanned/{}", "{}", ":::", "room1/", "room2/"])
        .current_dir(d.join("scans"))
        .status()
        .unwrap_or_else(|e| {
            panic!("GNU parallel is needed for this test ({e}); run scripts/setup.sh")
        });
    assert!(status.success(), "{status}");
    // …and both stacks in one run.
    let both = [PathBuf::from("scans/room1"), PathBuf::from("scans/room2")];
    let r = scan(d, exam, "one", &both, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    let r = run(certexam_in(d).args(["keygen", "--unencrypted", "--out", "proctor"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let grade = |sheets: &[&str], out: &str| {
        let r = run(certexam_in(d)
            .args(["grade", "--papers"])
            .arg(exam.dir.join("papers"))
            .arg("--sheets")
            .args(sheets)
            .args(["--key", "proctor.key", "--out", out]));
        (r.code, totals(&d.join(out).join("results.csv")), r.stderr)
    };
    let (code, by_room, err) = grade(
        &["scanned/room1/sheets.csv", "scanned/room2/sheets.csv"],
        "scores-rooms",
    );
    assert_eq!(code, 0, "{err}");
    let (_, together, _) = grade(&["one/sheets.csv"], "scores-one");
    assert_eq!(by_room.len(), 4);
    assert_eq!(by_room, together, "room by room grades as one stack");

    // A sheet that turns up in two rooms' stacks: both copies set aside.
    fs::copy(
        d.join("scans/room1/0.png"),
        d.join("scans/room2/0-again.png"),
    )
    .unwrap();
    let r = scan(
        d,
        exam,
        "scanned/room2",
        &[PathBuf::from("scans/room2")],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (code, graded, err) = grade(
        &["scanned/room1/sheets.csv", "scanned/room2/sheets.csv"],
        "scores-twice",
    );
    assert_eq!(code, 1, "{err}");
    assert!(!graded.contains_key(exam.papers[0].holder()), "{graded:?}");
    assert!(err.contains("also has a sheet at"), "{err}");
}
