//! Node resources as people read them: `16 vCPU`, `64 GiB`.

/// CPU from millicores: whole cores without decimals, else up to two.
pub fn cpu(millis: u64) -> String {
    format!("{} vCPU", decimal(millis, 1000))
}

/// Memory from bytes in binary units (GiB from 1 GiB up, else MiB, KiB).
pub fn memory(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    const TIB: u64 = 1 << 40;
    match bytes {
        b if b >= TIB => format!("{} TiB", decimal(b, TIB)),
        b if b >= GIB => format!("{} GiB", decimal(b, GIB)),
        b if b >= MIB => format!("{} MiB", decimal(b, MIB)),
        b if b >= KIB => format!("{} KiB", decimal(b, KIB)),
        b => format!("{b} B"),
    }
}

/// `value / unit` with at most two decimals, trailing zeros dropped.
fn decimal(value: u64, unit: u64) -> String {
    let hundredths = (u128::from(value) * 100 + u128::from(unit) / 2) / u128::from(unit);
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_reads_in_cores() {
        assert_eq!(cpu(16_000), "16 vCPU");
        assert_eq!(cpu(3_920), "3.92 vCPU");
        assert_eq!(cpu(4_500), "4.5 vCPU");
        assert_eq!(cpu(250), "0.25 vCPU");
        assert_eq!(cpu(0), "0 vCPU");
    }

    #[test]
    fn memory_reads_in_binary_units() {
        assert_eq!(memory(16 << 30), "16 GiB");
        assert_eq!(memory(64 << 30), "64 GiB");
        assert_eq!(memory(3 << 29), "1.5 GiB");
        assert_eq!(memory(512 << 20), "512 MiB");
        assert_eq!(memory(2 << 40), "2 TiB");
        assert_eq!(memory(100), "100 B");
    }
}
