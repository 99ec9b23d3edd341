//! The tagger's trie of aliases, as a double array: walked anchored at a word start,
//! each step reads one cell (the child's check, next to its base for the step after).
//!
//! The aho-corasick automaton the aliases also compile to (kept for unanchored
//! searches, see [`crate::gazetteer::find`]) reads a state header and then a transition
//! per step, from a megabyte of states that the rest of an article's work pushes out
//! of the cache. The double array holds the same trie in under half of that (~0.5 MB
//! for the shipped gazetteer).

/// A trie of byte strings with ASCII letters folded to lowercase, for the longest
/// string that starts at a given byte.
#[derive(Debug, Clone)]
pub struct Trie {
    /// Byte -> label (1 and up; ASCII capitals share their lowercase letter's); 0 for a
    /// byte in no string.
    label: [u8; 256],
    /// The child of the node in cell `s` through label `c` is in cell `base(s) + c`,
    /// whose `check` is `s`. The root is cell 0.
    cells: Vec<Cell>,
    /// For cells where a string ends ([`TERMINAL`] in their base): the string's number.
    ends: Vec<u32>,
}

/// One cell of the double array.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Where this node's children start, with [`TERMINAL`] set when a string ends here.
    base: u32,
    /// The cell of this node's parent ([`FREE`] for an unused cell and the root).
    check: u32,
}

/// Set in a cell's base when a string ends at the cell.
const TERMINAL: u32 = 1 << 31;
/// The check of an unused cell (no cell number reaches it).
const FREE: u32 = u32::MAX;

/// A node of the trie as it is built, before it is laid out in cells.
#[derive(Default)]
struct Node {
    /// (label, node) by label.
    children: Vec<(u8, u32)>,
    /// The number of the string that ends here, if any.
    end: Option<u32>,
}

impl Trie {
    /// The trie of `strings` (string `i` is reported as `i`; of strings equal once
    /// folded, the first). Fails only for tries too large to number in 31 bits.
    pub fn new<'a>(strings: impl IntoIterator<Item = &'a [u8]>) -> Result<Trie, String> {
        let fold = |b: u8| b.to_ascii_lowercase();
        let mut label = [0u8; 256];
        let mut labels = 0usize;
        let mut nodes = vec![Node::default()];
        for (i, s) in strings.into_iter().enumerate() {
            let mut n = 0usize;
            for &b in s {
                let b = fold(b);
                if label[b as usize] == 0 {
                    // 256 byte values and ASCII capitals share: at most 230 labels
                    labels += 1;
                    label[b as usize] = labels as u8;
                }
                let l = label[b as usize];
                n = match nodes[n].children.binary_search_by_key(&l, |&(c, _)| c) {
                    Ok(k) => nodes[n].children[k].1 as usize,
                    Err(k) => {
                        let child = nodes.len();
                        nodes[n].children.insert(k, (l, child as u32));
                        nodes.push(Node::default());
                        child
                    }
                };
            }
            let id = u32::try_from(i).map_err(|_| "too many aliases".to_string())?;
            nodes[n].end.get_or_insert(id);
        }
        for b in b'A'..=b'Z' {
            label[b as usize] = label[fold(b) as usize];
        }
        let mut trie = Trie {
            label,
            cells: vec![Cell {
                base: 0,
                check: FREE,
            }],
            ends: Vec::new(),
        };
        trie.lay_out(&nodes)?;
        Ok(trie)
    }

    /// Places the nodes in cells, breadth first: each node's children go at the first
    /// base where all their cells are free, tried at free cells only (found by skipping
    /// taken runs, with the skips shortened as they are followed).
    fn lay_out(&mut self, nodes: &[Node]) -> Result<(), String> {
        let too_large = || "the aliases make a trie too large for a double array".to_string();
        // cell of each node
        let mut at = vec![0u32; nodes.len()];
        // skip[i]: a cell at or after i that may be free (i itself when it is)
        let mut skip: Vec<usize> = vec![0];
        let mut queue = std::collections::VecDeque::from([0usize]);
        while let Some(n) = queue.pop_front() {
            let node = &nodes[n];
            let cell = at[n] as usize;
            if let Some(end) = node.end {
                self.cells[cell].base |= TERMINAL;
                if self.ends.len() <= cell {
                    self.ends.resize(cell + 1, 0);
                }
                self.ends[cell] = end;
            }
            let Some(&(lowest, _)) = node.children.first() else {
                continue;
            };
            let lowest = lowest as usize;
            let free = |i: usize, cells: &[Cell]| cells.get(i).is_none_or(|c| c.check == FREE);
            // the first free cell at or after `i`
            let next_free = |i: usize, skip: &mut Vec<usize>, cells: &[Cell]| {
                let mut j = i;
                while j < skip.len() && skip[j] != j {
                    j = skip[j];
                }
                while !free(j, cells) {
                    j += 1;
                }
                // shorten the path followed
                let mut k = i;
                while k < skip.len() && k < j && skip[k] != j {
                    let next = skip[k].max(k + 1);
                    skip[k] = j;
                    k = next;
                }
                j
            };
            let mut f = next_free(lowest + 1, &mut skip, &self.cells);
            let base = loop {
                let base = f - lowest;
                if node
                    .children
                    .iter()
                    .all(|&(c, _)| free(base + c as usize, &self.cells))
                {
                    break base;
                }
                f = next_free(f + 1, &mut skip, &self.cells);
            };
            let highest = base + node.children.last().map_or(0, |&(c, _)| c as usize);
            if highest >= TERMINAL as usize {
                return Err(too_large());
            }
            if self.cells.len() <= highest {
                self.cells.resize(
                    highest + 1,
                    Cell {
                        base: 0,
                        check: FREE,
                    },
                );
            }
            if skip.len() <= highest {
                skip.extend(skip.len()..=highest);
            }
            self.cells[cell].base |= base as u32;
            for &(c, child) in &node.children {
                let t = base + c as usize;
                self.cells[t].check = cell as u32;
                skip[t] = t + 1;
                at[child as usize] = t as u32;
                queue.push_back(child as usize);
            }
        }
        Ok(())
    }

    /// The longest string that starts at byte `at` of `bytes`: (its number, its end).
    #[inline]
    pub fn longest_at(&self, bytes: &[u8], at: usize) -> Option<(usize, usize)> {
        let mut s = 0u32;
        let mut found = None;
        for (i, &b) in bytes.get(at..)?.iter().enumerate() {
            let c = self.label[b as usize];
            if c == 0 {
                break;
            }
            let t = (self.cells[s as usize].base & !TERMINAL) + u32::from(c);
            match self.cells.get(t as usize) {
                Some(cell) if cell.check == s => {
                    s = t;
                    if cell.base & TERMINAL != 0 {
                        found = self
                            .ends
                            .get(t as usize)
                            .map(|&id| (id as usize, at + i + 1));
                    }
                }
                _ => break,
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_strings_at_a_byte() {
        let words: [&[u8]; 7] = [
            b"Iran",
            b"Iraq",
            b"Ir",
            b"United States",
            b"united",
            b"caf\xc3\xa9",
            b"iran",
        ];
        let t = Trie::new(words).unwrap();
        // text, where to walk from, (string, end) of the longest string there
        type Case<'a> = (&'a [u8], usize, Option<(usize, usize)>);
        let cases: [Case; 10] = [
            (b"Iran said", 0, Some((0, 4))),
            (b"IRAQ", 0, Some((1, 4))),
            (b"Irish", 0, Some((2, 2))),
            (b"I", 0, None),
            (b"the United States", 4, Some((3, 17))),
            (b"the United Nations", 4, Some((4, 10))),
            (b"caf\xc3\xa9 au lait", 0, Some((5, 5))),
            (b"CAF\xc3\x89", 0, None), // only ASCII folds
            (b"", 0, None),
            (b"Iran", 9, None),
        ];
        for (text, at, want) in cases {
            assert_eq!(
                t.longest_at(text, at),
                want,
                "{:?} at {at}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn empty_trie_finds_nothing() {
        let t = Trie::new(std::iter::empty()).unwrap();
        assert_eq!(t.longest_at(b"anything", 0), None);
    }
}
