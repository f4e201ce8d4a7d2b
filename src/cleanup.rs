//! Build folders that hold answer keys, and stopping cleanly.
//!
//! Rendering papers, certificates and feedback puts every paper's answers
//! (`data/all.json`) in a build folder in the temporary directory. Such a
//! folder is created owner-only (0700, its files 0600), its name carries
//! the process id, and it is registered here together with every running
//! typst child. On Ctrl-C or termination (SIGINT, SIGTERM, SIGHUP) the
//! handler stops the children and removes the folders before exiting; a
//! folder left by a process that was killed outright (`kill -9`, which no
//! program can catch) is removed by the next certexam that makes one.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// The beginning of every build folder's name.
pub const PREFIX: &str = "certexam-build-";

#[derive(Default)]
struct Registry {
    folders: BTreeSet<PathBuf>,
    children: BTreeSet<u32>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    folders: BTreeSet::new(),
    children: BTreeSet::new(),
});

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the Ctrl-C / termination handler (once; later calls do nothing).
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // No handler (another one is installed) only means no cleanup on a signal.
        let _ = ctrlc::set_handler(|| {
            stop_everything();
            eprintln!("interrupted: stopped typst and removed the build folders");
            std::process::exit(130);
        });
    });
}

/// Stops every tracked child and removes every build folder. The registry
/// stays locked until the process exits, so no worker thread can start
/// another typst meanwhile ([`spawn`] takes the lock); a worker may still
/// be writing a data file, so a folder that is not empty yet is tried again.
fn stop_everything() {
    let mut r = registry();
    for pid in std::mem::take(&mut r.children) {
        kill(pid);
    }
    for dir in std::mem::take(&mut r.folders) {
        for _ in 0..50 {
            if std::fs::remove_dir_all(&dir).is_ok() || !dir.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    std::mem::forget(r);
}

#[cfg(unix)]
fn kill(pid: u32) {
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
}

#[cfg(not(unix))]
fn kill(_pid: u32) {}

/// Starts `command` and waits for its output; if a signal comes meanwhile,
/// the handler stops it. Starting and registering happen under one lock,
/// so the handler never misses a child that was just started.
pub fn output(command: &mut std::process::Command) -> io::Result<std::process::Output> {
    let child = {
        let mut r = registry();
        let child = command.spawn()?;
        r.children.insert(child.id());
        child
    };
    let pid = child.id();
    let output = child.wait_with_output();
    registry().children.remove(&pid);
    output
}

/// An owner-only build folder in the temporary directory, removed when
/// dropped or on a signal.
#[derive(Debug)]
pub struct BuildDir {
    dir: tempfile::TempDir,
}

impl BuildDir {
    /// Creates one (after removing the folders of dead certexam processes).
    pub fn new() -> io::Result<BuildDir> {
        remove_orphans(&std::env::temp_dir());
        let mut builder = tempfile::Builder::new();
        let prefix = format!("{PREFIX}{}-", std::process::id());
        builder.prefix(&prefix);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let dir = builder.tempdir()?;
        registry().folders.insert(dir.path().to_path_buf());
        Ok(BuildDir { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for BuildDir {
    fn drop(&mut self) {
        registry().folders.remove(self.dir.path());
    }
}

/// Writes a file readable by its owner only (answer keys, data files).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

/// Removes `certexam-build-<pid>-…` folders in `temp` whose process is gone
/// (left by `kill -9` or a power cut). Linux only: elsewhere a process id
/// cannot be checked cheaply, and such folders are left to the system.
fn remove_orphans(temp: &Path) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(entries) = std::fs::read_dir(temp) else {
            return;
        };
        let me = rustix::process::getuid().as_raw();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            let ours = entry.metadata().is_ok_and(|m| m.is_dir() && m.uid() == me);
            if ours && !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = temp;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn build_folders_and_their_files_are_owner_only_and_go_away() {
        use std::os::unix::fs::PermissionsExt;
        let dir = BuildDir::new().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        let file = dir.path().join("all.json");
        write_private(&file, b"{}").unwrap();
        assert_eq!(mode(&file), 0o600);
        let path = dir.path().to_path_buf();
        assert!(registry().folders.contains(&path));
        drop(dir);
        assert!(!path.exists() && !registry().folders.contains(&path));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn folders_of_dead_processes_are_removed() {
        let temp = tempfile::tempdir().unwrap();
        // Process ids stop at 2^22 on Linux: this one cannot be running.
        let dead = temp.path().join(format!("{PREFIX}99999999-abc"));
        let alive = temp
            .path()
            .join(format!("{PREFIX}{}-abc", std::process::id()));
        let other = temp.path().join("certexam-build-xyz");
        for d in [&dead, &alive, &other] {
            std::fs::create_dir(d).unwrap();
        }
        remove_orphans(temp.path());
        assert!(!dead.exists() && alive.exists() && other.exists());
    }
}
