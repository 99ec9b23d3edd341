//! Lexicon: every word the rules mention -> a byte trie that names a word by one integer.
//!
//! Relation rules, modality cues and anaphors compare words thousands of times per
//! article. Hashing strings for each comparison was most of the cost of matching, so
//! the words are interned once, when the rules load: each word (and each stem) is a
//! node of a trie over lowercase bytes. Tokenising a sentence walks the trie as it
//! finds each word's end, folding ASCII case on the way, and leaves on the token the
//! deepest node reached. A word then matches an exact rule word when its walk consumed
//! it whole and stopped on that word's node, and a stem when the stem's node lies on
//! the path (see [`Lexicon::has_stem`]).

/// Trie node id; [`Lexicon::ROOT`] is the empty prefix.
pub type Node = u32;

/// A set of trie nodes, one bit each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct NodeSet(Vec<u64>);

impl NodeSet {
    /// An empty set able to hold `n` nodes.
    pub fn with_capacity(n: usize) -> NodeSet {
        NodeSet(vec![0; n.div_ceil(64)])
    }

    /// Adds a node.
    pub fn insert(&mut self, n: Node) {
        let i = n as usize / 64;
        if i >= self.0.len() {
            self.0.resize(i + 1, 0);
        }
        self.0[i] |= 1 << (n % 64);
    }

    /// Is the node in the set?
    #[inline]
    pub fn contains(&self, n: Node) -> bool {
        self.0
            .get(n as usize / 64)
            .is_some_and(|w| w & (1 << (n % 64)) != 0)
    }
}

/// The inverse of an odd `x` modulo 2^32 (Newton's iteration: each step doubles the
/// correct low bits, from 3 for `x` itself).
fn odd_inverse(x: u32) -> u32 {
    let mut y = x;
    for _ in 0..4 {
        y = y.wrapping_mul(2u32.wrapping_sub(x.wrapping_mul(y)));
    }
    y
}

/// Node ids of the words the matcher and the anaphor rules treat as grammar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grammar {
    /// `,`
    pub comma: Node,
    /// `;`
    pub semicolon: Node,
    /// `:`
    pub colon: Node,
    /// `.`
    pub period: Node,
    /// `and`
    pub and: Node,
    /// `&`
    pub amp: Node,
    /// `-`
    pub dash: Node,
    /// `/`
    pub slash: Node,
    /// `the`
    pub the: Node,
    /// `'s`
    pub poss: Node,
    /// `|`: a list break the resolver inserts
    pub bar: Node,
    /// `its`
    pub its: Node,
    /// `their`
    pub their: Node,
}

/// The words [`Grammar`] names, in its field order.
const GRAMMAR: [&str; 13] = [
    ",", ";", ":", ".", "and", "&", "-", "/", "the", "'s", "|", "its", "their",
];

/// The trie of rule words.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Byte -> column of `next` (0: the byte occurs in no word); ASCII capitals share
    /// the column of their lowercase letter.
    class: [u8; 256],
    classes: usize,
    /// `next[node * classes + class]`: child node, or 0 (the root is nobody's child).
    next: Vec<Node>,
    parent: Vec<Node>,
    depth: Vec<u32>,
    /// Whether a word (not only a prefix of one) ends at the node.
    word: Vec<bool>,
    /// `next` for walks without branches: node `n` is its row's start `n * classes`,
    /// and a missing child is the row of a dead node whose children are all itself,
    /// so a walk goes on to the word's end and says afterwards how far it got. A walk
    /// that branched on each step stalled the tokeniser whenever a word left the trie
    /// (most words do): the branch waits for the load before it.
    rows: Vec<u32>,
    /// A row's node without a division (which stalls the tokeniser once per word): rows
    /// are multiples of `classes` = `2^shift * odd`, so `(row >> shift) * inverse`, with
    /// `inverse` the inverse of `odd` modulo 2^32, is exactly `row / classes`.
    shift: u32,
    inverse: u32,
    /// Grammar words.
    pub grammar: Grammar,
}

impl Lexicon {
    /// The empty prefix.
    pub const ROOT: Node = 0;

    /// Builds the trie of `words` (lowercase; grammar words are always added).
    pub fn build<'a>(words: impl IntoIterator<Item = &'a str>) -> Lexicon {
        let mut all: Vec<&str> = GRAMMAR.to_vec();
        all.extend(words);
        let mut class = [0u8; 256];
        let mut classes = 1usize;
        for w in &all {
            for b in w.bytes() {
                let b = b.to_ascii_lowercase();
                // more than 255 distinct bytes cannot occur: u8 has 256 values, one is 0
                if class[b as usize] == 0 && classes < 256 {
                    class[b as usize] = classes as u8;
                    classes += 1;
                }
            }
        }
        for b in b'A'..=b'Z' {
            class[b as usize] = class[b.to_ascii_lowercase() as usize];
        }
        let mut lex = Lexicon {
            class,
            classes,
            next: vec![0; classes],
            parent: vec![0],
            depth: vec![0],
            word: vec![false],
            rows: Vec::new(),
            shift: classes.trailing_zeros(),
            inverse: odd_inverse((classes >> classes.trailing_zeros()) as u32),
            grammar: Grammar::default(),
        };
        for w in &all {
            lex.insert(w);
        }
        // rows are numbered in u32: a trie too large for that gets none, and
        // `Lexicon::fits` tells the rules to refuse it
        if let Ok(dead) = u32::try_from(lex.len() * classes) {
            let classes = classes as u32; // at most 256
            lex.rows = lex
                .next
                .iter()
                .map(|&c| if c == 0 { dead } else { c * classes })
                .chain(std::iter::repeat_n(dead, classes as usize))
                .collect();
        }
        let g = |i: usize| lex.find(GRAMMAR[i]).unwrap_or(Lexicon::ROOT);
        lex.grammar = Grammar {
            comma: g(0),
            semicolon: g(1),
            colon: g(2),
            period: g(3),
            and: g(4),
            amp: g(5),
            dash: g(6),
            slash: g(7),
            the: g(8),
            poss: g(9),
            bar: g(10),
            its: g(11),
            their: g(12),
        };
        lex
    }

    fn insert(&mut self, w: &str) -> Node {
        let mut n = Lexicon::ROOT;
        for b in w.bytes() {
            let c = self.class[b as usize] as usize;
            let slot = n as usize * self.classes + c;
            n = match self.next[slot] {
                0 => {
                    let child = self.parent.len() as Node;
                    self.next[slot] = child;
                    self.next.extend(std::iter::repeat_n(0, self.classes));
                    self.parent.push(n);
                    self.depth.push(self.depth[n as usize] + 1);
                    self.word.push(false);
                    child
                }
                child => child,
            };
        }
        self.word[n as usize] = true;
        n
    }

    /// Number of nodes (the bound for a [`NodeSet`]).
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Always false: the grammar words are always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The node of a whole word of the lexicon (case folded), if it is one.
    pub fn find(&self, w: &str) -> Option<Node> {
        let mut n = Lexicon::ROOT;
        for b in w.bytes() {
            n = self.step(n, b)?;
        }
        self.word[n as usize].then_some(n)
    }

    /// One byte down the trie from `n`; `None` when no rule word continues this way.
    #[inline]
    pub fn step(&self, n: Node, b: u8) -> Option<Node> {
        let c = self.class[b as usize] as usize;
        if c == 0 {
            return None;
        }
        match self.next[n as usize * self.classes + c] {
            0 => None,
            child => Some(child),
        }
    }

    /// Is the trie small enough for rows numbered in u32 (the walk [`Lexicon::step_row`]
    /// needs), and shallow enough for depths in u16 (a skeleton token keeps how deep a
    /// stem must reach in 16 bits)? Only a rule set of millions of distinct word
    /// beginnings, or a word of 65,535 bytes, is not.
    pub fn fits(&self) -> bool {
        !self.rows.is_empty() && self.depth.iter().all(|&d| d < u32::from(u16::MAX))
    }

    /// The row of the root, where a [`Lexicon::step_row`] walk starts.
    pub const ROOT_ROW: u32 = 0;

    /// One byte down from row `r` in the branch-free walk (see `rows`).
    #[inline]
    pub fn step_row(&self, r: u32, b: u8) -> u32 {
        // the byte's column first, then the row: the column's address is made while the
        // previous step's load is still on its way, so each step waits for one load
        // rather than for a load and an add
        self.rows[self.class[b as usize] as usize..][r as usize]
    }

    /// Is `r` the dead row, reached once a walk left the trie?
    #[inline]
    pub fn is_dead(&self, r: u32) -> bool {
        r as usize == self.rows.len() - self.classes
    }

    /// The node of a row that is not dead.
    #[inline]
    pub fn node_of_row(&self, r: u32) -> Node {
        (r >> self.shift).wrapping_mul(self.inverse)
    }

    /// Does some stem of `stems` end on the path to `node` at a depth of at least
    /// `from` (the stem must cover every byte before the word's trailing letters)?
    pub fn has_stem(&self, stems: &NodeSet, node: Node, from: u32) -> bool {
        let mut n = node;
        loop {
            if self.depth[n as usize] < from.max(1) {
                return false;
            }
            if stems.contains(n) {
                return true;
            }
            n = self.parent[n as usize];
        }
    }

    /// Is `stem` on the path to `node`, at a depth of at least `from`?
    pub fn under(&self, stem: Node, node: Node, from: u32) -> bool {
        let d = self.depth[stem as usize];
        if d < from.max(1) || self.depth[node as usize] < d {
            return false;
        }
        let mut n = node;
        while self.depth[n as usize] > d {
            n = self.parent[n as usize];
        }
        n == stem
    }

    /// The nodes that have some node of `stems` on their path (themselves included).
    pub fn below(&self, stems: &NodeSet) -> NodeSet {
        let mut out = NodeSet::with_capacity(self.len());
        // parents are created before their children, so one pass in id order suffices
        for n in 1..self.len() {
            let p = self.parent[n];
            if stems.contains(n as Node) || (p != Lexicon::ROOT && out.contains(p)) {
                out.insert(n as Node);
            }
        }
        out
    }
}

/// What tokenising a word leaves for matching: its place in the trie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Walk {
    /// Deepest node reached.
    pub node: Node,
    /// The whole word was consumed, so `node` names it exactly.
    pub whole: bool,
    /// Start of the word's trailing run of ASCII letters and apostrophes (a stem must
    /// reach at least this far: "impos*" matches "imposed", not "re-imposed").
    pub tail: u32,
}

impl Lexicon {
    /// Walks a word down the trie.
    pub fn walk(&self, word: &[u8]) -> Walk {
        let mut w = self.walker();
        word.iter().for_each(|&b| w.push(b));
        w.finish()
    }

    /// A walk fed one byte at a time, for a tokeniser that finds the word's end as it goes.
    pub fn walker(&self) -> Walker<'_> {
        Walker {
            lex: self,
            node: Lexicon::ROOT,
            whole: true,
            tail: 0,
            len: 0,
        }
    }
}

/// A [`Walk`] in progress.
#[derive(Debug, Clone)]
pub struct Walker<'a> {
    lex: &'a Lexicon,
    node: Node,
    whole: bool,
    tail: u32,
    len: u32,
}

impl Walker<'_> {
    /// The word's next byte.
    #[inline]
    pub fn push(&mut self, b: u8) {
        self.len += 1;
        if !(b.is_ascii_alphabetic() || b == b'\'') {
            self.tail = self.len;
        }
        if self.whole {
            match self.lex.step(self.node, b) {
                Some(c) => self.node = c,
                None => self.whole = false,
            }
        }
    }

    /// Where the word ended up.
    pub fn finish(self) -> Walk {
        Walk {
            node: self.node,
            whole: self.whole,
            tail: self.tail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_stems_and_case() {
        let lex = Lexicon::build(["impos", "imposition", "met"]);
        let stems = {
            let mut s = NodeSet::with_capacity(lex.len());
            s.insert(lex.find("impos").unwrap());
            s
        };
        let below = lex.below(&stems);
        let cases: [(&str, bool, bool); 7] = [
            // word, exact "imposition", stem "impos*"
            ("imposition", true, true),
            ("Imposed", false, true),
            ("impos", false, true),
            ("impo", false, false),
            ("re-imposed", false, false),
            ("imposé", false, false),
            ("IMPOSITION", true, true),
        ];
        let imposition = lex.find("imposition").unwrap();
        for (w, exact, stem) in cases {
            let walk = lex.walk(w.as_bytes());
            assert_eq!(walk.whole && walk.node == imposition, exact, "{w}");
            let got = below.contains(walk.node) && lex.has_stem(&stems, walk.node, walk.tail);
            assert_eq!(got, stem, "{w}");
        }
        assert_eq!(lex.find("MET"), lex.find("met"));
        assert!(lex.find("me").is_none());
        assert_eq!(lex.find(","), Some(lex.grammar.comma));
    }

    #[test]
    fn row_walks_end_where_step_walks_stop() {
        let lex = Lexicon::build(["impos", "imposition", "met", "s-400", "n't"]);
        assert!(lex.fits());
        let cases = [
            "imposition",
            "Imposed",
            "impo",
            "impositions",
            "met",
            "meta",
            "m",
            "",
            "x",
            "S-400",
            "s-4000",
            "don't",
            "n't",
            "é",
            "the",
            "IMPOSITION",
        ];
        for w in cases {
            let (mut row, mut reached) = (Lexicon::ROOT_ROW, Lexicon::ROOT_ROW);
            for &b in w.as_bytes() {
                row = lex.step_row(row, b);
                if !lex.is_dead(row) {
                    reached = row;
                }
            }
            let walk = lex.walk(w.as_bytes());
            assert_eq!(lex.node_of_row(reached), walk.node, "{w}");
            assert_eq!(!lex.is_dead(row), walk.whole, "{w}");
        }
    }

    #[test]
    fn odd_inverses_and_rows_to_nodes() {
        for x in [1u32, 3, 5, 7, 25, 41, 255, 0x8000_0001, u32::MAX] {
            assert_eq!(x.wrapping_mul(odd_inverse(x)), 1, "{x}");
        }
        // alphabets of odd and even sizes, so `shift` is 0 and more
        let mut shifts = Vec::new();
        for words in [
            &["a"][..],
            &["ab"],
            &["abc", "abd"],
            &["impos", "imposition", "met", "s-400", "n't"],
            &["qwertyuiop", "asdfghjkl", "zxcvbnm", "0123456789"],
        ] {
            let lex = Lexicon::build(words.iter().copied());
            for n in 0..lex.len() as u32 {
                assert_eq!(lex.node_of_row(n * lex.classes as u32), n, "{words:?}");
            }
            shifts.push(lex.shift);
        }
        assert!(
            shifts.contains(&0) && shifts.iter().any(|&s| s > 0),
            "{shifts:?}"
        );
    }
}
