//! Which fonts the templates ask for (`templates/fonts.json`, read by the
//! templates themselves too, so there is one list), whether a batch of
//! papers needs a CJK font, and whether typst can see one — so that a
//! machine without Chinese fonts stops with advice instead of printing boxes.

use serde::Deserialize;

use crate::paper::Paper;

/// The font families named by a template set's `fonts.json`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FontFamilies {
    #[serde(default)]
    pub cjk_serif: Vec<String>,
    #[serde(default)]
    pub cjk_sans: Vec<String>,
    #[serde(default)]
    pub latin_serif: Vec<String>,
    #[serde(default)]
    pub latin_sans: Vec<String>,
}

impl FontFamilies {
    /// Reads `fonts.json`.
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// Every CJK family the templates name, without repeats, in order.
    pub fn cjk(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self.cjk_serif.iter().chain(&self.cjk_sans) {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// The template's CJK families among the families typst sees
    /// (compared without regard to case, as typst does).
    pub fn available_cjk(&self, seen: &[String]) -> Vec<String> {
        self.cjk()
            .into_iter()
            .filter(|want| seen.iter().any(|s| s.eq_ignore_ascii_case(want)))
            .map(String::from)
            .collect()
    }
}

/// Whether a character needs a CJK font (Han, kana, hangul, CJK punctuation,
/// full-width forms).
pub fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Whether a paper prints any CJK: Chinese labels, or CJK in its text.
pub fn paper_needs_cjk(paper: &Paper) -> bool {
    let c = &paper.content;
    let has = |s: &str| s.chars().any(is_cjk);
    c.exam.lang != "en"
        || has(&c.exam.title)
        || c.exam.instructions.as_deref().is_some_and(has)
        || c.exam.sections.iter().any(|s| has(&s.title))
        || c.candidate.as_ref().is_some_and(|k| {
            has(&k.name) || has(&k.id) || k.extra.iter().any(|(a, b)| has(a) || has(b))
        })
        || c.questions.iter().any(|q| {
            has(&q.stem)
                || q.options.iter().any(|o| has(o))
                || q.explanation.as_deref().is_some_and(has)
        })
}

/// Words that mark a font family as CJK, for `doctor`'s list of what typst
/// sees (the template's own families are always recognised too).
const CJK_WORDS: &[&str] = &[
    "cjk",
    "han",
    "hei",
    "heiti",
    "song",
    "songti",
    "kai",
    "kaiti",
    "ming",
    "mingliu",
    "fangsong",
    "yahei",
    "pingfang",
    "wenquanyi",
    "wqy",
    "hiragino",
    "mincho",
    "lxgw",
    "ukai",
    "uming",
    "simsun",
    "nsimsun",
    "simhei",
    "simkai",
    "simfang",
    "stsong",
    "stheiti",
    "stkaiti",
    "dengxian",
    "sc",
    "tc",
    "cn",
    "jp",
    "kr",
    "hk",
];

/// The families in `seen` that look like CJK fonts.
pub fn cjk_like(seen: &[String], families: &FontFamilies) -> Vec<String> {
    let known = families.cjk();
    seen.iter()
        .filter(|name| {
            known.iter().any(|k| k.eq_ignore_ascii_case(name))
                || name
                    .to_lowercase()
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|word| CJK_WORDS.contains(&word))
        })
        .cloned()
        .collect()
}

/// What to do when no CJK font is visible to typst.
pub fn install_advice() -> &'static str {
    "install a Chinese font: on Debian/Ubuntu `sudo apt-get install fonts-noto-cjk` (or run scripts/setup.sh); on Windows and macOS the system fonts (SimSun/Microsoft YaHei, Songti/PingFang) are enough; or put .otf/.ttf files of a CJK font in a folder and pass it with --font-path DIR"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families() -> FontFamilies {
        FontFamilies::parse(include_str!("../../templates/fonts.json")).unwrap()
    }

    #[test]
    fn the_shipped_list_names_fonts_for_linux_windows_and_macos() {
        let f = families();
        let cjk = f.cjk();
        for name in [
            "Noto Serif CJK SC",
            "SimSun",
            "Songti SC",
            "PingFang SC",
            "SimHei",
        ] {
            assert!(cjk.contains(&name), "{name} missing");
        }
        assert!(f.latin_serif.contains(&"Libertinus Serif".to_string()));
    }

    #[test]
    fn finds_template_fonts_among_what_typst_sees() {
        let seen: Vec<String> = ["DejaVu Sans", "noto sans cjk sc", "Libertinus Serif"]
            .map(String::from)
            .into();
        assert_eq!(families().available_cjk(&seen), vec!["Noto Sans CJK SC"]);
        let latin_only: Vec<String> = vec!["DejaVu Sans".into()];
        assert!(families().available_cjk(&latin_only).is_empty());
    }

    #[test]
    fn lists_cjk_looking_families_for_doctor() {
        let seen: Vec<String> = [
            "DejaVu Sans",
            "Noto Serif CJK JP",
            "AR PL UKai CN",
            "LXGW WenKai",
            "Libertinus Serif",
            "Source Han Sans SC",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            cjk_like(&seen, &families()),
            vec![
                "Noto Serif CJK JP",
                "AR PL UKai CN",
                "LXGW WenKai",
                "Source Han Sans SC"
            ]
        );
    }

    #[test]
    fn recognises_chinese_text() {
        assert!("网店".chars().all(is_cjk));
        assert!(is_cjk('，'));
        assert!(!"abc $x^2$".chars().any(is_cjk));
    }
}
