//! The one worker pool: independent work spread over plain scoped threads
//! that take items in order, with results kept in input order so outputs
//! stay deterministic. Cheap CPU work goes through [`map`]; external
//! programs (typst compiles) through [`pool`] with the worker count the
//! user chose (`--jobs`).

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many worker threads to use: the number of cores, at most `cap`.
pub fn workers(cap: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, NonZeroUsize::get)
        .clamp(1, cap.max(1))
}

/// `items.iter().map(f).collect()` on up to [`workers`]`(16)` threads; the
/// result is in the order of `items`. Fewer than 64 items run on this
/// thread: starting threads would cost more than such work.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < 64 {
        return items.iter().map(f).collect();
    }
    pool(workers(16), items, f)
}

/// Runs `f` over `items` on `workers` threads, each taking the next item
/// not yet taken (so a slow item does not hold up a whole chunk); the
/// results are in the order of `items`.
pub fn pool<T: Sync, R: Send>(workers: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    pool_until(workers, items, |_| false, |t| Some(f(t)))
        .into_iter()
        .map(|r| r.expect("every item runs when nothing stops the pool"))
        .collect()
}

/// Like [`pool`], but no new item starts once `stop` says so; items not
/// started (or for which `f` gave nothing) are `None`.
pub fn pool_until<T: Sync, R: Send>(
    workers: usize,
    items: &[T],
    stop: impl Fn(&T) -> bool + Sync,
    f: impl Fn(&T) -> Option<R> + Sync,
) -> Vec<Option<R>> {
    let next = AtomicUsize::new(0);
    let workers = workers.clamp(1, items.len().max(1));
    let work = || {
        let mut done: Vec<(usize, R)> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(item) = items.get(i) else { break };
            if stop(item) {
                break;
            }
            if let Some(r) = f(item) {
                done.push((i, r));
            }
        }
        done
    };
    let mut results: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let parts: Vec<Vec<(usize, R)>> = if workers == 1 {
        vec![work()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("worker threads do not panic"))
                .collect()
        })
    };
    for (i, r) in parts.into_iter().flatten() {
        results[i] = Some(r);
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled: Vec<u32> = items.iter().map(|x| x * 2).collect();
        assert_eq!(map(&items, |x| x * 2), doubled);
        assert_eq!(pool(3, &items, |x| x * 2), doubled);
    }

    #[test]
    fn stops_when_told() {
        let items: Vec<u32> = (0..50).collect();
        let seen = AtomicUsize::new(0);
        let out = pool_until(
            1,
            &items,
            |_| seen.load(Ordering::SeqCst) >= 5,
            |x| {
                seen.fetch_add(1, Ordering::SeqCst);
                Some(*x)
            },
        );
        assert_eq!(out.iter().flatten().count(), 5);
        assert_eq!(out[..5], [Some(0), Some(1), Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn runs_items_at_the_same_time_with_two_workers() {
        // Both items wait for each other: one worker alone would never see 2.
        let running = AtomicUsize::new(0);
        let most = pool(2, &[0, 1], |_| {
            running.fetch_add(1, Ordering::SeqCst);
            for _ in 0..10_000 {
                if running.load(Ordering::SeqCst) >= 2 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            running.load(Ordering::SeqCst)
        });
        assert_eq!(most, [2, 2]);
    }
}
