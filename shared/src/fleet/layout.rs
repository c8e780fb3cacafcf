//! Geometry of the fleet page's topology picture: where each region and
//! platform box and each cluster card goes, and how revision chips wrap in
//! a card. Pure arithmetic in SVG user units (CSS pixels when drawn 1:1),
//! so the browser only draws what this decides.

/// The fixed sizes the picture is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopologySizes {
    pub card_width: u32,
    pub card_height: u32,
    /// Between cards inside a box.
    pub card_gap: u32,
    /// Inside a box, around its cards.
    pub group_padding: u32,
    /// The box's title lines (region, platform) above its cards.
    pub group_header: u32,
    /// Between boxes.
    pub group_gap: u32,
}

impl Default for TopologySizes {
    fn default() -> Self {
        Self {
            card_width: 224,
            card_height: 148,
            card_gap: 12,
            group_padding: 12,
            group_header: 46,
            group_gap: 16,
        }
    }
}

/// A rectangle; `x`, `y` is its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// One box and the cards in it, in the picture's coordinates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPlacement {
    pub frame: Rect,
    pub cards: Vec<Rect>,
}

/// The whole picture: its size and every box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyPlacement {
    pub width: u32,
    pub height: u32,
    pub groups: Vec<GroupPlacement>,
}

/// Places boxes holding `cards_per_group[i]` cards left to right, starting
/// a new row when the next box would pass `max_width`. A box lays its cards
/// out in as many columns as fit (never fewer than one), so a narrow page
/// gets taller boxes rather than a scaled-down picture.
pub fn place_groups(
    cards_per_group: &[usize],
    max_width: u32,
    s: &TopologySizes,
) -> TopologyPlacement {
    let inner = max_width.saturating_sub(2 * s.group_padding) + s.card_gap;
    let max_columns = (inner / (s.card_width + s.card_gap)).max(1) as usize;
    let (mut x, mut y, mut row_height) = (0u32, 0u32, 0u32);
    let (mut width, mut groups) = (0u32, Vec::with_capacity(cards_per_group.len()));
    for &count in cards_per_group {
        let columns = count.clamp(1, max_columns);
        let rows = count.div_ceil(columns);
        let w = 2 * s.group_padding + span(columns, s.card_width, s.card_gap);
        let h = s.group_header + 2 * s.group_padding + span(rows, s.card_height, s.card_gap);
        if x > 0 && x + w > max_width {
            x = 0;
            y += row_height + s.group_gap;
            row_height = 0;
        }
        let cards = (0..count)
            .map(|i| Rect {
                x: x + s.group_padding + (i % columns) as u32 * (s.card_width + s.card_gap),
                y: y + s.group_header
                    + s.group_padding
                    + (i / columns) as u32 * (s.card_height + s.card_gap),
                width: s.card_width,
                height: s.card_height,
            })
            .collect();
        groups.push(GroupPlacement {
            frame: Rect {
                x,
                y,
                width: w,
                height: h,
            },
            cards,
        });
        width = width.max(x + w);
        row_height = row_height.max(h);
        x += w + s.group_gap;
    }
    TopologyPlacement {
        width,
        height: if groups.is_empty() { 0 } else { y + row_height },
        groups,
    }
}

/// Length of `n` items of `size` with `gap` between them.
fn span(n: usize, size: u32, gap: u32) -> u32 {
    let n = n as u32;
    n * size + n.saturating_sub(1) * gap
}

/// How revision chips are drawn: a monospace label with padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChipSizes {
    /// Advance of one character of the chip font.
    pub char_width: u32,
    /// Left plus right padding.
    pub padding: u32,
    pub height: u32,
    pub gap: u32,
}

impl Default for ChipSizes {
    fn default() -> Self {
        Self {
            char_width: 7,
            padding: 14,
            height: 20,
            gap: 6,
        }
    }
}

/// One placed chip, relative to the chip area's top-left corner, and its
/// label (shortened with `…` when the chip alone would not fit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedChip {
    pub rect: Rect,
    pub label: String,
}

/// Places `labels` left to right in an area `width` wide, wrapping onto at
/// most `rows` rows. When they do not all fit, the last chip placed is a
/// `+N` chip counting the `N` left out. Returns the chips and `N`.
pub fn place_chips(
    labels: &[&str],
    width: u32,
    rows: u32,
    s: &ChipSizes,
) -> (Vec<PlacedChip>, usize) {
    if let Some(all) = flow(labels.iter().map(|l| (*l).to_owned()), width, rows, s) {
        return (all, 0);
    }
    // Fewer labels and a `+N` chip, as many labels as still fit.
    for keep in (0..labels.len()).rev() {
        let hidden = labels.len() - keep;
        let shown = labels[..keep].iter().map(|l| (*l).to_owned());
        if let Some(chips) = flow(shown.chain([format!("+{hidden}")]), width, rows, s) {
            return (chips, hidden);
        }
    }
    (Vec::new(), labels.len())
}

/// Every label placed, or `None` when they need more than `rows` rows.
fn flow(
    labels: impl Iterator<Item = String>,
    width: u32,
    rows: u32,
    s: &ChipSizes,
) -> Option<Vec<PlacedChip>> {
    let max_chars = (width.saturating_sub(s.padding) / s.char_width.max(1)) as usize;
    let (mut x, mut row) = (0u32, 0u32);
    let mut placed = Vec::new();
    for label in labels {
        let label = ellipsize(&label, max_chars);
        let w = label.chars().count() as u32 * s.char_width + s.padding;
        if x > 0 && x + w > width {
            x = 0;
            row += 1;
        }
        if row >= rows {
            return None;
        }
        placed.push(PlacedChip {
            rect: Rect {
                x,
                y: row * (s.height + s.gap),
                width: w,
                height: s.height,
            },
            label,
        });
        x += w + s.gap;
    }
    Some(placed)
}

/// `text` cut to at most `max_chars` characters, ending in `…` when cut.
pub fn ellipsize(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: TopologySizes = TopologySizes {
        card_width: 100,
        card_height: 50,
        card_gap: 10,
        group_padding: 5,
        group_header: 20,
        group_gap: 8,
    };

    #[test]
    fn boxes_flow_into_rows_that_fit() {
        // Widths: 2 cards = 220, 1 card = 110.
        let p = place_groups(&[2, 1, 1], 340, &S);
        let frames: Vec<(u32, u32, u32, u32)> = p
            .groups
            .iter()
            .map(|g| (g.frame.x, g.frame.y, g.frame.width, g.frame.height))
            .collect();
        assert_eq!(
            frames,
            [(0, 0, 220, 80), (228, 0, 110, 80), (0, 88, 110, 80)]
        );
        assert_eq!((p.width, p.height), (338, 168));
        // Cards sit inside their box, under its title.
        assert_eq!(
            p.groups[0].cards,
            [
                Rect {
                    x: 5,
                    y: 25,
                    width: 100,
                    height: 50
                },
                Rect {
                    x: 115,
                    y: 25,
                    width: 100,
                    height: 50
                },
            ]
        );
        assert_eq!(p.groups[2].cards[0].y, 88 + 25);
    }

    #[test]
    fn a_narrow_page_stacks_cards_instead_of_overflowing() {
        // Room for one column only: three cards make a tall box.
        let p = place_groups(&[3], 150, &S);
        let g = &p.groups[0];
        assert_eq!(g.frame.width, 110);
        assert_eq!(g.frame.height, 20 + 10 + 3 * 50 + 2 * 10);
        assert!(g.cards.iter().all(|c| c.x == 5));
        // Narrower than one card: still one column, never zero.
        let p = place_groups(&[2], 40, &S);
        assert_eq!(p.groups[0].cards.len(), 2);
        assert!(place_groups(&[], 500, &S).height == 0);
    }

    #[test]
    fn chips_wrap_and_count_what_did_not_fit() {
        let s = ChipSizes {
            char_width: 7,
            padding: 14,
            height: 20,
            gap: 6,
        };
        // "default" = 7 chars = 63 wide; "asm-1106-2" = 84 wide.
        let (chips, left) = place_chips(&["asm-1106-2", "default", "asm-1112-0"], 160, 2, &s);
        let at: Vec<(u32, u32, u32)> = chips
            .iter()
            .map(|c| (c.rect.x, c.rect.y, c.rect.width))
            .collect();
        assert_eq!(at, [(0, 0, 84), (90, 0, 63), (0, 26, 84)]);
        assert_eq!(left, 0);
        // One row: the first label and a chip counting the other two.
        let (chips, left) = place_chips(&["asm-1106-2", "default", "asm-1112-0"], 160, 1, &s);
        let labels: Vec<&str> = chips.iter().map(|c| c.label.as_str()).collect();
        assert_eq!((labels, left), (vec!["asm-1106-2", "+2"], 2));
        assert!(
            chips
                .iter()
                .all(|c| c.rect.y == 0 && c.rect.x + c.rect.width <= 160)
        );
        // A label wider than the area is shortened, not dropped.
        let (chips, _) = place_chips(&["a-very-long-revision-name"], 100, 1, &s);
        assert_eq!(chips[0].label, "a-very-long…");
        assert!(chips[0].rect.width <= 100);
    }

    #[test]
    fn ellipsize_keeps_short_text() {
        assert_eq!(ellipsize("refused", 10), "refused");
        assert_eq!(ellipsize("connection refused", 10), "connectio…");
    }
}
