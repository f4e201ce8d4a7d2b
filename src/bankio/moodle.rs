//! Moodle XML, the format Moodle's question bank imports (Question bank →
//! Import → "Moodle XML format"): one `category` pseudo-question per bank
//! category, then its questions — `multichoice` with `<single>` true/false,
//! or `truefalse`. Texts are marked `plain_text`, so a stem with `<` or `&`
//! shows as written; explanations become the general feedback.
//!
//! Question, answer and feedback texts are written as CDATA, as Moodle's
//! own exporter writes them: Moodle's importer (`xmlize`) drops a space that
//! follows an escaped `&amp; &lt; &gt; &quot; &apos;` before Chinese text, and
//! a space that falls on its 4,096-byte read boundary, because it discards
//! character chunks that are only whitespace. A `]]>` inside a text is split
//! over two CDATA sections.
//!
//! Answer fractions must be values Moodle's grade list holds (it refuses a
//! file with any other): 100, 50, 33.33333, 25, 20, 16.66667, 14.28571, 12.5
//! … and their negatives. A multiple-choice question splits 100 over its
//! correct options and gives each wrong option -100, so marking any wrong
//! option scores 0 — certexam's own rule for 多选题 (错选不得分).

use quick_xml::Writer;
use quick_xml::events::{BytesCData, BytesDecl, BytesText, Event};

use crate::bank::{Answer, Bank, Category, Question, QuestionType};

/// The penalty Moodle gives a multichoice question by default (for
/// interactive quiz modes): a third of the mark per retry.
const PENALTY: &str = "0.3333333";

/// Moodle XML for `questions` (all from `bank`), UTF-8.
pub fn write(bank: &Bank, questions: &[&Question]) -> String {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    // Writing into a Vec cannot fail, so the io::Results are unwrapped.
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .expect("writing to memory");
    w.create_element("quiz")
        .write_inner_content(|w| {
            let note = format!(
                " {} {} — exported by certexam; bank digest {} ",
                bank.name,
                bank.version,
                bank.digest()
            )
            .replace("--", "- -");
            w.write_event(Event::Comment(BytesText::from_escaped(note)))?;
            for category in &bank.categories {
                let of: Vec<&&Question> = questions
                    .iter()
                    .filter(|q| q.category == category.id)
                    .collect();
                if of.is_empty() {
                    continue;
                }
                write_category(w, category)?;
                for q in of {
                    write_question(w, q)?;
                }
            }
            Ok(())
        })
        .expect("writing to memory");
    let mut text = String::from_utf8(w.into_inner()).expect("the writer writes UTF-8");
    text.push('\n');
    text
}

/// The category path Moodle creates questions in. `/` separates levels in
/// Moodle's paths, so a `/` inside a title is written `//`.
pub fn category_path(category: &Category) -> String {
    format!("$course$/{}", category.title.replace('/', "//"))
}

type Result = std::io::Result<()>;

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, format: Option<&str>, text: &str) -> Result {
    let mut element = w.create_element(name);
    if let Some(format) = format {
        element = element.with_attribute(("format", format));
    }
    element.write_inner_content(|w| {
        w.create_element("text")
            .write_text_content(BytesText::new(text))?;
        Ok(())
    })?;
    Ok(())
}

/// `<NAME format="…"><text><![CDATA[…]]></text></NAME>` (see the module
/// comment for why); with `name` empty, just the `<text>` element.
fn cdata_element(w: &mut Writer<Vec<u8>>, name: &str, format: Option<&str>, text: &str) -> Result {
    let text_only = |w: &mut Writer<Vec<u8>>| -> Result {
        w.create_element("text")
            .write_inner_content(|w| cdata(w, text))?;
        Ok(())
    };
    if name.is_empty() {
        return text_only(w);
    }
    let mut element = w.create_element(name);
    if let Some(format) = format {
        element = element.with_attribute(("format", format));
    }
    element.write_inner_content(text_only)?;
    Ok(())
}

/// `text` as CDATA sections: `a]]>b` becomes `<![CDATA[a]]]]><![CDATA[>b]]>`.
fn cdata(w: &mut Writer<Vec<u8>>, text: &str) -> Result {
    let mut rest = text;
    while let Some(at) = rest.find("]]>") {
        w.write_event(Event::CData(BytesCData::new(&rest[..at + 2])))?;
        rest = &rest[at + 2..];
    }
    w.write_event(Event::CData(BytesCData::new(rest)))?;
    Ok(())
}

fn simple(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> Result {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn write_category(w: &mut Writer<Vec<u8>>, category: &Category) -> Result {
    w.create_element("question")
        .with_attribute(("type", "category"))
        .write_inner_content(|w| {
            text_element(w, "category", None, &category_path(category))?;
            text_element(
                w,
                "info",
                Some("plain_text"),
                &format!("{} ({})", category.title_en, category.id),
            )?;
            simple(w, "idnumber", &category.id)
        })?;
    Ok(())
}

fn write_question(w: &mut Writer<Vec<u8>>, q: &Question) -> Result {
    let kind = match q.kind {
        QuestionType::TrueFalse => "truefalse",
        QuestionType::Single | QuestionType::Multiple => "multichoice",
    };
    w.create_element("question")
        .with_attribute(("type", kind))
        .write_inner_content(|w| {
            text_element(w, "name", None, &q.id)?;
            cdata_element(w, "questiontext", Some("plain_text"), &q.stem)?;
            cdata_element(
                w,
                "generalfeedback",
                Some("plain_text"),
                q.explanation.as_deref().unwrap_or(""),
            )?;
            simple(w, "defaultgrade", "1")?;
            simple(
                w,
                "penalty",
                if q.kind == QuestionType::TrueFalse {
                    "1"
                } else {
                    PENALTY
                },
            )?;
            simple(w, "hidden", "0")?;
            simple(w, "idnumber", &q.id)?;
            match &q.answer {
                Answer::TrueFalse(truth) => {
                    for (text, is) in [("true", true), ("false", false)] {
                        let fraction = if *truth == is { "100" } else { "0" };
                        w.create_element("answer")
                            .with_attribute(("fraction", fraction))
                            .write_inner_content(|w| simple(w, "text", text))?;
                    }
                }
                Answer::Choice(correct) => {
                    let single = q.kind == QuestionType::Single;
                    simple(w, "single", if single { "true" } else { "false" })?;
                    simple(
                        w,
                        "shuffleanswers",
                        if q.fixed_order { "false" } else { "true" },
                    )?;
                    simple(w, "answernumbering", "ABCD")?;
                    for (i, option) in q.options.iter().enumerate() {
                        let fraction = fraction(single, correct.len(), correct.contains(&i));
                        w.create_element("answer")
                            .with_attribute(("fraction", fraction.as_str()))
                            .with_attribute(("format", "plain_text"))
                            .write_inner_content(|w| cdata_element(w, "", None, option))?;
                    }
                }
            }
            if !q.tags.is_empty() {
                w.create_element("tags").write_inner_content(|w| {
                    for tag in &q.tags {
                        text_element(w, "tag", None, tag)?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
    Ok(())
}

/// The `fraction` attribute of one option, in percent.
pub fn fraction(single: bool, correct_count: usize, is_correct: bool) -> String {
    match (single, is_correct) {
        (true, true) => "100".into(),
        (true, false) => "0".into(),
        (false, true) => percent(100.0 / correct_count.max(1) as f64),
        (false, false) => "-100".into(),
    }
}

/// A percentage with at most 5 decimals, trailing zeros dropped: Moodle's
/// grade list holds 7-decimal fractions, so 33.33333 % is 0.3333333.
fn percent(value: f64) -> String {
    let text = format!("{value:.5}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moodle's grade list (question_bank::fraction_options_full): 0, ±1 and
    /// ± every listed fraction. Its importer refuses fractions that are more
    /// than 0.00001 away from all of them.
    const MOODLE_FRACTIONS: [f64; 21] = [
        0.0, 1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25,
        0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05,
    ];

    fn accepted(percent: &str) -> bool {
        let f: f64 = percent.parse::<f64>().unwrap() / 100.0;
        MOODLE_FRACTIONS
            .iter()
            .any(|m| (f.abs() - m).abs() < 0.00001)
    }

    #[test]
    fn every_fraction_is_one_moodle_accepts_and_correct_ones_add_up() {
        for correct in 2..=8 {
            let right = fraction(false, correct, true);
            assert!(accepted(&right), "{correct} correct: {right}");
            let total: f64 = right.parse::<f64>().unwrap() * correct as f64 / 100.0;
            // Moodle rounds the sum to 2 decimals and wants exactly 1.
            assert!((total - 1.0).abs() < 0.005, "{correct}: {total}");
            assert!(accepted(&fraction(false, correct, false)));
        }
        assert_eq!(fraction(false, 3, true), "33.33333");
        assert_eq!(fraction(false, 8, true), "12.5");
        assert_eq!(fraction(true, 1, true), "100");
        assert_eq!(fraction(true, 1, false), "0");
    }

    #[test]
    fn slashes_in_category_titles_are_doubled() {
        let c = Category {
            id: "a".into(),
            title: "物流/付款".into(),
            title_en: "x".into(),
        };
        assert_eq!(category_path(&c), "$course$/物流//付款");
    }
}
