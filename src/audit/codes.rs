//! The stable names of audit findings: they are the interface (JSON,
//! `audit_ok`, scripts), so they never change once published.

use std::fmt;

use serde::Serialize;

/// What an audit finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    // Per question.
    KeyLongest,
    ShortDistractor,
    AllNoneOfAbove,
    AbsoluteTerm,
    NegativeStem,
    StemEcho,
    OptionOverlap,
    AllKeys,
    EnemyItems,
    // Bank-level figures.
    LengthCue,
    KeyPosition,
    TfBalance,
    TfCueWord,
    MultipleCount,
    // The simulation.
    TestwisePass,
}

impl Code {
    /// The findings about one question, which `audit_ok` may silence.
    pub const PER_QUESTION: [Code; 9] = [
        Code::KeyLongest,
        Code::ShortDistractor,
        Code::AllNoneOfAbove,
        Code::AbsoluteTerm,
        Code::NegativeStem,
        Code::StemEcho,
        Code::OptionOverlap,
        Code::AllKeys,
        Code::EnemyItems,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::KeyLongest => "key-longest",
            Code::ShortDistractor => "short-distractor",
            Code::AllNoneOfAbove => "all-none-of-above",
            Code::AbsoluteTerm => "absolute-term",
            Code::NegativeStem => "negative-stem",
            Code::StemEcho => "stem-echo",
            Code::OptionOverlap => "option-overlap",
            Code::AllKeys => "all-keys",
            Code::EnemyItems => "enemy-items",
            Code::LengthCue => "length-cue",
            Code::KeyPosition => "key-position",
            Code::TfBalance => "tf-balance",
            Code::TfCueWord => "tf-cue-word",
            Code::MultipleCount => "multiple-count",
            Code::TestwisePass => "testwise-pass",
        }
    }

    /// A per-question code by its name (the ones `audit_ok` may list).
    pub fn parse(name: &str) -> Option<Code> {
        Self::PER_QUESTION.into_iter().find(|c| c.as_str() == name)
    }

    /// Names of the per-question codes, for hints.
    pub fn names() -> Vec<&'static str> {
        Self::PER_QUESTION.iter().map(|c| c.as_str()).collect()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
