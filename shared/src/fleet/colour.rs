//! A revision's colour slot, derived from its name alone: the same
//! revision keeps its colour on every page and whatever other revisions
//! come and go (a slot by order of appearance shifted every colour when a
//! revision was installed). Distinct names may share a slot; pages always
//! show the name beside the colour.

/// Colour slots in the stylesheet (`.rev-c0` … `.rev-c7`).
pub const REVISION_SLOTS: usize = 8;

/// The slot of `revision`: a 32-bit FNV-1a hash of its name, modulo
/// [`REVISION_SLOTS`]. Fixed by the name; a stable function across builds
/// and targets (not `std`'s randomly keyed hasher).
pub fn revision_slot(revision: &str) -> usize {
    let hash = revision.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    // Lossless: the remainder is below REVISION_SLOTS.
    (hash % REVISION_SLOTS as u32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_depends_on_the_name_only() {
        let before: Vec<usize> = ["default", "asm-1106-2"]
            .iter()
            .map(|r| revision_slot(r))
            .collect();
        // Another revision appearing changes no one else's slot.
        let after: Vec<usize> = ["asm-1106-2", "asm-1112-0", "default"]
            .iter()
            .map(|r| revision_slot(r))
            .collect();
        assert_eq!(before, [after[2], after[0]]);
        assert_eq!(revision_slot("default"), revision_slot("default"));
    }

    #[test]
    fn slots_are_fixed_values_within_range() {
        // Pinned: a change of hash would recolour every revision for
        // every user.
        assert_eq!(revision_slot(""), 0x811c_9dc5 % 8);
        assert_eq!(revision_slot("default"), 6);
        assert_eq!(revision_slot("asm-1106-2"), 4);
        for name in ["default", "asm-1106-2", "asm-1112-0", "canary", "x"] {
            assert!(revision_slot(name) < REVISION_SLOTS);
        }
        assert_ne!(revision_slot("default"), revision_slot("asm-1106-2"));
    }
}
