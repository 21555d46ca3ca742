use trawl_gen::{row, row_into, write_jsonl, write_until_bytes, GenConfig};

#[test]
fn same_seed_and_index_give_the_same_bytes() {
    let cfg = GenConfig::new(42);
    for i in [0, 1, 17, 999, 123_456_789] {
        assert_eq!(row(&cfg, i), row(&cfg, i), "row {i}");
    }
}

#[test]
fn a_row_does_not_depend_on_what_was_generated_before_or_on_the_thread() {
    let cfg = GenConfig::new(3);
    let first = row(&cfg, 5);
    for i in 0..5 {
        let _ = row(&cfg, i);
    }
    assert_eq!(row(&cfg, 5), first);
    let cfg2 = cfg.clone();
    let from_thread = std::thread::spawn(move || row(&cfg2, 5)).join().unwrap();
    assert_eq!(from_thread, first);
}

#[test]
fn seeds_and_indices_change_the_rows() {
    let a = GenConfig::new(1);
    let b = GenConfig::new(2);
    assert_ne!(row(&a, 0), row(&b, 0));
    assert_ne!(row(&a, 0), row(&a, 1));
}

#[test]
fn row_into_appends_to_the_buffer() {
    let cfg = GenConfig::new(9);
    let mut buf = b"prefix".to_vec();
    row_into(&cfg, 4, &mut buf);
    assert_eq!(&buf[..6], b"prefix");
    assert_eq!(&buf[6..], row(&cfg, 4).as_bytes());
}

#[test]
fn the_writers_write_the_same_rows_in_index_order() {
    let cfg = GenConfig::new(11);
    let expected: String = (0..70).map(|i| row(&cfg, i) + "\n").collect();

    let mut buf = Vec::new();
    let bytes = write_jsonl(&cfg, 70, &mut buf).unwrap();
    assert_eq!(bytes as usize, buf.len());
    assert_eq!(String::from_utf8(buf).unwrap(), expected);

    let target = expected.len() as u64 / 2;
    let mut buf = Vec::new();
    let (rows, bytes) = write_until_bytes(&cfg, target, &mut buf).unwrap();
    assert_eq!(bytes as usize, buf.len());
    assert!(bytes >= target);
    let last_len = row(&cfg, rows - 1).len() as u64 + 1;
    assert!(bytes - last_len < target, "wrote one row too many");
    assert!(expected.starts_with(std::str::from_utf8(&buf).unwrap()));
    assert_eq!(buf.iter().filter(|&&b| b == b'\n').count() as u64, rows);
}

#[test]
fn writing_nothing_writes_nothing() {
    let cfg = GenConfig::new(1);
    let mut buf = Vec::new();
    assert_eq!(write_jsonl(&cfg, 0, &mut buf).unwrap(), 0);
    assert_eq!(write_until_bytes(&cfg, 0, &mut buf).unwrap(), (0, 0));
    assert!(buf.is_empty());
}
