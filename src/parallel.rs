//! Spreading independent work over the machine's cores with plain scoped
//! threads, keeping results in input order so outputs stay deterministic.

use std::num::NonZeroUsize;

/// How many worker threads to use: the number of cores, at most `cap`.
pub fn workers(cap: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, NonZeroUsize::get)
        .clamp(1, cap.max(1))
}

/// `items.iter().map(f).collect()`, computed on up to [`workers`] threads in
/// contiguous chunks; the result is in the order of `items`.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = workers(16).min(items.len().max(1));
    if threads <= 1 || items.len() < 64 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker threads do not panic"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(&items, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
    }
}
