//! Settling drafts into the bank's terms: categories (existing, mapped or
//! new with a pinyin id) and question ids (given, or generated from the
//! content so that re-importing gives the same ids).

use super::*;

/// Parses `--category-map` items `物流=logistics`.
pub fn parse_category_map(items: &[String]) -> Result<Vec<(String, String)>, ImportError> {
    let mut out = Vec::new();
    for item in items.iter().flat_map(|i| i.split('，')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let Some((name, id)) = item.split_once('=').or_else(|| item.split_once('＝')) else {
            return Err(ImportError::BadCategoryMap {
                item: item.to_string(),
                message: "write NAME=ID, e.g. 物流=logistics".into(),
            });
        };
        let id = id.trim();
        if !valid_category_id(id) {
            return Err(ImportError::BadCategoryMap {
                item: item.to_string(),
                message: format!(
                    "\"{id}\" is not a category id; use lowercase letters, digits, `_` and `-`"
                ),
            });
        }
        out.push((name.trim().to_string(), id.to_string()));
    }
    Ok(out)
}

/// A question from the sheet, settled into the bank's terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    pub row: usize,
    pub question: Question,
    /// The id was generated (the sheet had none).
    pub generated_id: bool,
    /// The row gave a difficulty; without one a new question gets
    /// [`DEFAULT_DIFFICULTY`] and one already in the bank keeps its own.
    pub difficulty_given: bool,
}

/// How rows without a category id are placed.
#[derive(Clone, Debug, Default)]
pub struct CategoryRules {
    /// `--category-map`: name in the sheet → category id.
    pub map: Vec<(String, String)>,
    /// `--category`: for rows whose category cell is empty.
    pub default: Option<String>,
}

/// The outcome of settling drafts against a bank's categories.
#[derive(Clone, Debug, Default)]
pub struct Settled {
    pub questions: Vec<Imported>,
    /// Categories the bank does not have yet, in order of first use.
    pub new_categories: Vec<Category>,
    pub rejections: Vec<Rejection>,
}

/// The difficulty of a new question whose row gives none: the middle of 1–5.
pub const DEFAULT_DIFFICULTY: u8 = 3;

/// Puts every draft into a category (existing, mapped, or new with an id
/// slugged from its name), gives it an id when it has none, and rejects
/// rows that repeat an id or a question of an earlier row.
pub fn settle(
    drafts: Vec<Draft>,
    existing: &[Category],
    rules: &CategoryRules,
    columns: &Columns,
) -> Settled {
    let mut out = Settled::default();
    let mut resolver = Resolver {
        existing,
        rules,
        new: Vec::new(),
    };
    let mut seen_ids: BTreeMap<String, usize> = BTreeMap::new();
    for draft in drafts {
        let category = match resolver.resolve(&draft) {
            Ok(c) => c,
            Err((message, hint)) => {
                out.rejections.push(Rejection {
                    row: draft.row,
                    column: columns
                        .describe(Field::Category)
                        .or_else(|| columns.describe(Field::CategoryId)),
                    message,
                    hint,
                });
                continue;
            }
        };
        let generated_id = draft.id.is_none();
        let id = draft
            .id
            .clone()
            .unwrap_or_else(|| generated_id_for(&category, &draft.stem, &draft.options));
        if let Some(first) = seen_ids.get(&id) {
            let (message, hint) = if generated_id {
                (
                    format!("the same question (stem and options) as row {first}"),
                    "delete one of the two rows".to_string(),
                )
            } else {
                (
                    format!(
                        "id {} is already used on row {first}",
                        crate::spreadsheet::excerpt(&id.to_string())
                    ),
                    "give each row its own id, or leave the id empty to get one".to_string(),
                )
            };
            out.rejections.push(Rejection {
                row: draft.row,
                column: columns
                    .describe(Field::Id)
                    .or_else(|| columns.describe(Field::Stem)),
                message,
                hint,
            });
            continue;
        }
        seen_ids.insert(id.clone(), draft.row);
        out.questions.push(Imported {
            row: draft.row,
            generated_id,
            difficulty_given: draft.difficulty.is_some(),
            question: Question {
                id,
                kind: draft.kind,
                category,
                difficulty: draft.difficulty.unwrap_or(DEFAULT_DIFFICULTY),
                stem: draft.stem,
                options: draft.options,
                answer: draft.answer,
                explanation: draft.explanation,
                source: draft.source,
                tags: draft.tags,
                group: draft.group,
                fixed_order: draft.fixed_order,
                audit_ok: Vec::new(),
                origin: Origin::default(),
            },
        });
    }
    out.new_categories = resolver.new;
    out
}

pub(super) struct Resolver<'a> {
    existing: &'a [Category],
    rules: &'a CategoryRules,
    new: Vec<Category>,
}

impl Resolver<'_> {
    fn known(&self) -> impl Iterator<Item = &Category> {
        self.existing.iter().chain(&self.new)
    }

    fn resolve(&mut self, draft: &Draft) -> Result<String, (String, String)> {
        let name = draft.category_name.clone().or_else(|| {
            draft
                .category_id
                .is_none()
                .then(|| self.rules.default.clone())
                .flatten()
        });
        if let Some(id) = &draft.category_id {
            if !self.known().any(|c| &c.id == id) {
                let title = name.unwrap_or_else(|| id.clone());
                self.new.push(Category {
                    id: id.clone(),
                    title: title.clone(),
                    title_en: title,
                });
            }
            return Ok(id.clone());
        }
        let Some(name) = name else {
            return Err((
                "the row has no category".into(),
                "fill its 分类 cell, or give --category NAME for rows without one".into(),
            ));
        };
        if let Some((_, id)) = self.rules.map.iter().find(|(n, _)| n == &name) {
            if !self.known().any(|c| &c.id == id) {
                self.new.push(Category {
                    id: id.clone(),
                    title: name.clone(),
                    title_en: name.clone(),
                });
            }
            return Ok(id.clone());
        }
        // Titles compare without spaces and widths: 物流 与 付款 is 物流与付款.
        let key = identity_text(&name);
        if let Some(c) = self.known().find(|c| {
            identity_text(&c.title) == key || c.id == key || identity_text(&c.title_en) == key
        }) {
            return Ok(c.id.clone());
        }
        // 信息安全 beside the bank's 信息安全与隐私 is most likely the same
        // category: splitting it off silently would give its questions ids
        // (and a file) that a corrected re-import could not take back.
        if let Some(c) = self.existing.iter().find(|c| resembles(&name, &c.title)) {
            return Err((
                format!(
                    "category \"{name}\" is not in the bank, which has \"{}\" ({})",
                    c.title, c.id
                ),
                format!(
                    "to put these rows there, import again with --category-map {name}={}; for a new category, give it an id, e.g. --category-map {name}={}",
                    c.id,
                    slug(&name)
                ),
            ));
        }
        let base = slug(&name);
        let mut id = base.clone();
        let mut n = 2;
        while self.known().any(|c| c.id == id) || id == "bank" {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.new.push(Category {
            id: id.clone(),
            title: name.clone(),
            title_en: name,
        });
        Ok(id)
    }
}

/// Whether a new category name looks like a variant of an existing title:
/// one contains the other (信息安全 / 信息安全与隐私), compared without
/// spaces and widths, and the shorter has at least two characters.
pub(super) fn resembles(name: &str, title: &str) -> bool {
    let (a, b) = (identity_text(name), identity_text(title));
    let (short, long) = if a.chars().count() <= b.chars().count() {
        (a, b)
    } else {
        (b, a)
    };
    short.chars().count() >= 2 && long.contains(&short)
}

/// The longest category id made from a name.
pub(super) const SLUG_MAX: usize = 24;

/// A category id made from a category name: Chinese in pinyin without
/// tones (物流 → `wuliu`), Latin letters and digits lower-cased, anything
/// else a `-` (售后 服务 → `shouhou-fuwu`). At most 24 characters; a name
/// with nothing usable gets `cat-` and 6 hex digits of its SHA-256.
pub fn slug(name: &str) -> String {
    use pinyin::ToPinyin;
    #[derive(PartialEq)]
    enum Kind {
        Latin,
        Han,
        Gap,
    }
    let mut out = String::new();
    let mut last = Kind::Gap;
    for c in fold_width(name).chars() {
        let (kind, text) = if c.is_ascii_alphanumeric() {
            (Kind::Latin, c.to_ascii_lowercase().to_string())
        } else if let Some(p) = c.to_pinyin() {
            (
                Kind::Han,
                p.plain().chars().filter(char::is_ascii_lowercase).collect(),
            )
        } else {
            (Kind::Gap, String::new())
        };
        if kind != Kind::Gap && last != kind && !out.is_empty() {
            out.push('-');
        }
        out.push_str(&text);
        last = kind;
    }
    let mut slug: String = out.chars().take(SLUG_MAX).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        let digest = Sha256::digest(name.as_bytes());
        format!("cat-{}", &hex::encode(digest)[..6])
    } else {
        slug
    }
}

/// A text reduced to what identifies a question: widths folded, lower case,
/// all white space removed.
pub(super) fn identity_text(text: &str) -> String {
    fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What makes two questions the same question whatever their ids: the stem
/// and options after [`identity_text`]. A row without an id whose content
/// the bank already has under another id (imported before with another
/// category, or written by hand) is that question, not a new one.
pub fn content_key(stem: &str, options: &[String]) -> String {
    let mut key = identity_text(stem);
    for option in options {
        key.push('\n');
        key.push_str(&identity_text(option));
    }
    key
}

/// The id of a question from a sheet without ids:
/// `IMP-<category, at most 19 characters>-<8 hex>`, the hex digits being the
/// start of SHA-256 over `certexam-import-v1`, the category id, the stem and
/// each option, each on its own line after [`identity_text`]. So re-importing
/// the same sheet gives the same ids, and a question whose answer,
/// explanation or difficulty was corrected keeps its id (and is reported as
/// changed), while one whose stem or options were reworded is a new question.
pub fn generated_id_for(category: &str, stem: &str, options: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"certexam-import-v1\n");
    hasher.update(category.as_bytes());
    hasher.update(b"\n");
    hasher.update(identity_text(stem).as_bytes());
    for option in options {
        hasher.update(b"\n");
        hasher.update(identity_text(option).as_bytes());
    }
    let hex = hex::encode(hasher.finalize());
    let short: String = category.chars().take(19).collect();
    format!("IMP-{}-{}", short.trim_end_matches('-'), &hex[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bankio::import::test_support::*;

    #[test]
    fn slugs_read_as_pinyin() {
        assert_eq!(slug("物流"), "wuliu");
        assert_eq!(slug("售后 服务"), "shouhou-fuwu");
        assert_eq!(slug("B2C业务"), "b2c-yewu");
        assert_eq!(slug("Logistics & Payment"), "logistics-payment");
        assert!(slug("！！").starts_with("cat-"));
        assert!(slug("物流与付款信息安全平台交易规则").len() <= 24);
    }

    #[test]
    fn a_name_like_an_existing_category_is_not_split_off() {
        let existing = [Category {
            id: "security".into(),
            title: "信息安全与隐私".into(),
            title_en: "Information security".into(),
        }];
        let t = table(
            "题干,答案,分类\n对吗？,对,信息安全\n错吗？,错,信息 安全与隐私\n好吗？,对,售后\n",
        );
        let columns = find_columns(&t, &[]).unwrap();
        let (drafts, _) = read_rows(&t, &columns);
        let settled = settle(drafts, &existing, &CategoryRules::default(), &columns);
        let categories: Vec<&str> = settled
            .questions
            .iter()
            .map(|q| q.question.category.as_str())
            .collect();
        assert_eq!(categories, ["security", "shouhou"]);
        assert_eq!(settled.rejections.len(), 1);
        assert_eq!(
            settled.rejections[0].hint,
            "to put these rows there, import again with --category-map 信息安全=security; for a new category, give it an id, e.g. --category-map 信息安全=xinxianquan"
        );
        let mapped = CategoryRules {
            map: vec![("信息安全".into(), "security".into())],
            default: None,
        };
        let (drafts, _) = read_rows(&t, &columns);
        let settled = settle(drafts, &existing, &mapped, &columns);
        assert!(settled.rejections.is_empty());
    }

    #[test]
    fn generated_ids_are_stable_and_ignore_width_and_spacing() {
        let a = generated_id_for("wuliu", "运费 由谁付？", &["买家".into(), "卖家".into()]);
        let b = generated_id_for("wuliu", "运费由谁付?", &["买家".into(), "卖家 ".into()]);
        assert_eq!(a, b);
        assert!(a.starts_with("IMP-wuliu-") && a.len() == 18, "{a}");
        assert!(valid_question_id(&a));
        let long = generated_id_for("a-very-long-category-name", "x", &[]);
        assert!(valid_question_id(&long), "{long}");
    }
}
